import EnhanceImaging
import Foundation
import XCTest

/// Drives the real `enhance` binary inside tmux: open an image → change α → change layout →
/// export, then checks the exported PNG (size, method/α metadata); then the α filmstrip, a pair
/// switch through the picker, and that `q` restores the shell.
final class TUIEndToEndTests: XCTestCase {
    private var session = "enhance-e2e-\(getpid())-\(Int.random(in: 0..<1_000_000))"
    /// A private tmux server (`tmux -L`), so the test neither depends on nor disturbs the user's.
    private var socket = "enhance-e2e-\(getpid())-\(Int.random(in: 0..<1_000_000))"

    /// Runs tmux on the private server and waits for that client only. tmux is started with
    /// posix_spawn + waitpid, not Foundation's `Process`: on Linux `Process` notices a child's
    /// exit through a descriptor the child inherits, which the daemonised tmux server inherits
    /// too, so waiting for the client would last as long as the server. `capture` returns stdout.
    @discardableResult
    private func tmux(_ args: [String], capture: Bool = false) throws -> String {
        let outPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("enhance-e2e-\(UUID().uuidString).out").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture ? outPath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = (["tmux", "-L", socket] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, argv, environ)
        guard rc == 0 else { throw XCTSkip("cannot start tmux (posix_spawn: \(rc))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard capture else { return "" }
        defer { unlink(outPath) }
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }

    private func screen(escapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-t", session, "-p"] + (escapes ? ["-e"] : []), capture: true)
    }

    /// Polls the pane until `predicate` holds, failing with the last screen after `timeout` s (five
    /// times that for a sanitizer build, whose binary runs several times slower).
    @discardableResult
    private func waitFor(_ what: String, timeout: Double = 60, escapes: Bool = false,
                         _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout * (Measured.sanitized ? 5 : 1))
        var last = ""
        while Date() < deadline {
            last = try screen(escapes: escapes)
            if predicate(last) { return last }
            usleep(150_000)
        }
        XCTFail("timed out waiting for \(what); screen was:\n\(last)")
        throw XCTSkip("aborting after timeout")
    }

    private func keys(_ k: String...) throws { try tmux(["send-keys", "-t", session] + k) }

    override func tearDown() {
        _ = try? tmux(["kill-server"])
    }

    /// A 20×14 PNG, `tiny.png`, in a fresh folder.
    private func tinyImageFolder() throws -> URL {
        let dir = try CLI.tempDir()
        var img = Image(width: 20, height: 14)
        for c in 0..<3 { for y in 0..<14 { for x in 0..<20 {
            img[c, y, x] = Float((x * 11 + y * 5 + c * 40) % 64) / 63
        } } }
        try ImageFile.write(img, to: dir.appendingPathComponent("tiny.png").path)
        return dir
    }

    /// Starts `enhance args…` in a new session (in the repository, `env` set), `columns` wide.
    private func launch(_ args: [String], env: String = "", columns: Int = 120) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw XCTSkip("tmux is not installed (make test installs it)")
        }
        let command = ([CLI.binary.path] + args).map { "'\($0)'" }.joined(separator: " ")
        try tmux(["new-session", "-d", "-s", session, "-x", "\(columns)", "-y", "30",
                  "cd '\(CLI.repoRoot.path)' && \(env) \(command); echo ENHANCE-EXIT=$?; sleep 30"])
    }

    /// The UI's help describes what its options do there; a combination it cannot honour is refused
    /// on one line before any terminal is needed.
    func testHelpMatchesTheUIAndConflictingModelsAreRefused() throws {
        let help = try CLI.run(["tui", "--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(flat.contains("--method <method>"), help.stdout)
        XCTAssertTrue(flat.contains("(the UI: at both ends of the pair)"), help.stdout)
        XCTAssertFalse(flat.contains("overrides --method"), help.stdout)
        let fixture = CLI.repoRoot.appendingPathComponent(
            "Tests/EnhanceNetworksTests/Fixtures/msrresnet_x4.weights.safetensors").path
        let both = try CLI.run(["tui", ".", "--model", fixture, "--gan-model", fixture])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("--model runs one checkpoint as both ends of the pair"), both.stderr)
    }

    /// Every option the UI accepts reaches it: --method, --alpha, --model (at both ends), --color
    /// and --graphics; then --pair (a pair in $ENHANCE_MODELS) with --color 256.
    func testStartOptionsTakeEffect() throws {
        let image = try tinyImageFolder().appendingPathComponent("tiny.png").path
        let fixture = CLI.repoRoot.appendingPathComponent(
            "Tests/EnhanceNetworksTests/Fixtures/msrresnet_x4.weights.safetensors").path
        try launch([image, "--method", "gan", "--alpha", "0.8", "--model", fixture, "--color", "none",
                    "--graphics", "kitty"], columns: 240)
        // Block and sextant glyphs: the image is drawn (as masks, without colour).
        func drawn(_ s: String) -> Bool {
            s.unicodeScalars.contains { (0x2580...0x259F).contains($0.value) || (0x1FB00...0x1FB3B).contains($0.value) }
        }
        let first = try waitFor("the GAN at α 0.80") {
            $0.hasPrefix(" GAN\n") && $0.contains(" α 0.80 │ ") && drawn($0)
        }
        let name = "msrresnet_x4.weights.safetensors"
        XCTAssertTrue(first.contains("PSNR \(name) · GAN \(name)"), "--model is not what runs:\n\(first)")
        XCTAssertTrue(first.contains("blocks: tmux allow-passthrough is off"), "--graphics kitty not tried:\n\(first)")
        let plain = try screen(escapes: true)
        XCTAssertFalse(plain.contains("[38;") || plain.contains("[48;"), "colour escapes despite --color none")
        try keys("q")
        try waitFor("exit") { $0.contains("ENHANCE-EXIT=0") }
        try tmux(["kill-session", "-t", session])

        let userModels = try CLI.tempDir()
        for name in ["second-psnr.safetensors", "second-gan.safetensors"] {
            try FileManager.default.copyItem(atPath: fixture, toPath: userModels.appendingPathComponent(name).path)
        }
        try launch([image, "--pair", "second", "--method", "psnr", "--color", "256"],
                   env: "ENHANCE_MODELS='\(userModels.path)'", columns: 200)
        let second = try waitFor("the PSNR at α 0.50") { $0.hasPrefix(" PSNR\n") && $0.contains(" α 0.50 │ ") }
        XCTAssertTrue(second.contains("PSNR second-psnr.safetensors · GAN second-gan.safetensors"),
                      "--pair is not what runs:\n\(second)")
        let colours = try waitFor("256-colour cells", escapes: true) { $0.contains("[38;5;") || $0.contains("[48;5;") }
        XCTAssertFalse(colours.contains("[38;2;") || colours.contains("[48;2;"), "24-bit colour despite --color 256")
        try keys("q")
        try waitFor("exit") { $0.contains("ENHANCE-EXIT=0") }
    }

    func testOpenChangeAlphaLayoutAndExport() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw XCTSkip("tmux is not installed (make test installs it)")
        }
        let dir = try CLI.tempDir()
        var img = Image(width: 20, height: 14)
        for c in 0..<3 { for y in 0..<14 { for x in 0..<20 {
            img[c, y, x] = Float((x * 11 + y * 5 + c * 40) % 64) / 63
        } } }
        try ImageFile.write(img, to: dir.appendingPathComponent("tiny.png").path)
        // The bundled pair when present, else two tiny oracle-fixture networks of one architecture.
        var modelArgs: [String] = []
        let bundled = (try? FileManager.default.contentsOfDirectory(
            atPath: CLI.repoRoot.appendingPathComponent("Models").path)) ?? []
        let hasPair = bundled.contains { name in
            name.hasSuffix("-psnr.safetensors")
                && bundled.contains(String(name.dropLast("-psnr.safetensors".count)) + "-gan.safetensors")
        }
        let models = CLI.repoRoot.appendingPathComponent("Models").path
        var pair = (models + "/enhance-x4-psnr.safetensors", models + "/enhance-x4-gan.safetensors")
        if !hasPair {
            let fx = CLI.repoRoot.appendingPathComponent("Tests/EnhanceNetworksTests/Fixtures/msrresnet_x4.weights.safetensors").path
            pair = (fx, fx)
        }
        modelArgs = ["--psnr-model", pair.0, "--gan-model", pair.1]
        // The user's model folder ($ENHANCE_MODELS) holds a second pair (copies) to switch to.
        let userModels = try CLI.tempDir()
        for (from, name) in [(pair.0, "second-psnr.safetensors"), (pair.1, "second-gan.safetensors")] {
            try FileManager.default.copyItem(atPath: from, toPath: userModels.appendingPathComponent(name).path)
        }
        let command = ([CLI.binary.path, dir.path, "--color", "truecolor"] + modelArgs)
            .map { "'\($0)'" }.joined(separator: " ")
        // Run from a working directory of its own: exports go there, not beside the image.
        let work = try CLI.tempDir()
        try tmux(["new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                  "cd '\(work.path)' && ENHANCE_MODELS='\(userModels.path)' \(command); "
                      + "echo ENHANCE-EXIT=$?; sleep 30"])

        // Browser lists the image; open it.
        try waitFor("the browser") { $0.contains("tiny.png") }
        try keys("/"); try keys("-l", "tiny"); try keys("Enter")
        try waitFor("the preview") { $0.contains("α 0.50") && $0.contains("view") }
        // Blend method, then α +0.05 and +0.05 → 0.60.
        try keys("4")
        try keys("Right"); try keys("]")
        try waitFor("α 0.60") { $0.contains("α 0.60") }
        let image = try screen(escapes: true)
        XCTAssertTrue(image.contains("\u{1B}[38;2;") || image.contains("\u{1B}[48;2;"),
                      "no truecolor image cells on screen")
        // Layout change: single → side by side.
        let before = try waitFor("the status line") { $0.contains("view single") }
        XCTAssertTrue(before.contains("view single"))
        try keys("v")
        try waitFor("side-by-side layout") { !$0.contains("view single") && $0.contains("view ") }
        // Export: the prompt comes pre-filled with <work>/tiny_x4_<pair>_<method>.png; accept it.
        try keys("e")
        let pairName = hasPair ? "enhance-x4" : "msrresnet_x4.weights"
        try waitFor("the export prompt") { $0.contains("tiny_x4_\(pairName)_blend0.60.png") }
        try keys("Enter")
        let fm = FileManager.default
        let deadline = Date().addingTimeInterval(120)
        var exported: String?
        while Date() < deadline, exported == nil {
            exported = try fm.contentsOfDirectory(atPath: work.path)
                .first { $0.hasPrefix("tiny_x4_") && $0.hasSuffix(".png") }
            usleep(200_000)
        }
        let finalScreen = try screen()
        let name = try XCTUnwrap(exported, "no exported file appeared; screen:\n\(finalScreen)")
        XCTAssertEqual(name, "tiny_x4_\(pairName)_blend0.60.png")
        // The full path (the status line may cut what follows it).
        try waitFor("where the file went") { $0.contains("exported \(work.path)/\(name)") }
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir.path), ["tiny.png"], "the image's folder is untouched")
        let out = try ImageFile.read(path: work.appendingPathComponent(name).path)
        XCTAssertEqual(out.width, 80)
        XCTAssertEqual(out.height, 56)
        XCTAssertEqual(out.text["enhance:method"], "blend", "\(out.text)")
        XCTAssertEqual(out.text["enhance:alpha"].flatMap(Double.init), 0.6, "\(out.text)")
        XCTAssertNotNil(out.text["enhance:psnr-sha256"])
        XCTAssertNotNil(out.text["enhance:gan-sha256"])
        let leftovers = try fm.contentsOfDirectory(atPath: work.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "temporary files left behind")
        // The α filmstrip: the view at the ladder's α values, the current one marked; → picks the next.
        try keys("s")
        try waitFor("the filmstrip") { $0.contains("▶α 0.60") && $0.contains(" α 0.00") && $0.contains(" α 1.00") }
        try keys("Right")
        try waitFor("α 0.70 picked in the filmstrip") { $0.contains("▶α 0.70") && $0.contains("α 0.70 │") }
        try keys("Enter")
        try waitFor("the panes again") { $0.contains("blend α=0.70") && !$0.contains("▶α") }
        // The pair picker lists the user folder's pair first, the cursor on the pair in use (the
        // bundled one, when it is); Enter switches without a restart.
        try keys("p")
        if hasPair {
            try waitFor("the pair in use") { $0.contains("Model pairs") && $0.contains("▶ enhance-x4 ● in use") }
            for _ in 0..<5 { try keys("Up") }  // to the top (bundled pairs sort after the user's)
        }
        try waitFor("the pair picker") { $0.contains("Model pairs") && $0.contains("▶ second") }
        try keys("Enter")
        try waitFor("the switched pair") { $0.contains("GAN second-gan.safetensors") && !$0.contains("Model pairs") }
        try waitFor("the blend from the new pair") { $0.contains("blend α=0.70") && !$0.contains("computing") }
        // Quit restores the shell.
        try keys("q")
        try waitFor("exit") { $0.contains("ENHANCE-EXIT=0") }
    }

    /// Block panes come back exactly after the pair picker closes. The picker box grows when the
    /// listing arrives; ncurses' scroll optimisation then shifted lines, block cells (which it
    /// does not know) included, leaving blank bars and shifted rows until a resize.
    func testPickerEscRestoresBlockPanes() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw XCTSkip("tmux is not installed (make test installs it)")
        }
        let dir = try CLI.tempDir()
        var img = Image(width: 160, height: 96)
        for c in 0..<3 { for y in 0..<96 { for x in 0..<160 {
            img[c, y, x] = Float((x * 37 + y * 91 + c * 53 + (x * y) % 29) % 97) / 96
        } } }
        let path = dir.appendingPathComponent("texture.png").path
        try ImageFile.write(img, to: path)
        let command = [CLI.binary.path, path, "--graphics", "blocks", "--color", "truecolor"]
            .map { "'\($0)'" }.joined(separator: " ")
        try tmux(["new-session", "-d", "-s", session, "-x", "120", "-y", "36",
                  "cd '\(CLI.repoRoot.path)' && ENHANCE_MODELS='\(dir.path)' \(command); sleep 30"])
        // Bicubic at fit: nothing is computed in the background, so the screen stays still.
        try waitFor("the preview") { $0.contains("α 0.50") && $0.contains("view single") }
        try keys("1")
        var last = ""
        let before = try waitFor("a still bicubic frame") { now in
            defer { last = now }
            return now == last && now.contains("bicubic") && !now.contains("queued")
        }
        try keys("p")
        try waitFor("the listed pairs") { $0.contains("Model pairs") && $0.contains("▶ ") }
        try keys("Escape")
        try waitFor("the picker to close") { !$0.contains("Model pairs") }
        try waitFor("the frame from before the picker", timeout: 5) { $0 == before }
    }
}
