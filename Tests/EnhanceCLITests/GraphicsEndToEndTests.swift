import EnhanceImaging
import Foundation
import XCTest

/// `enhance` in real terminals under Xvfb, pixels read back from screenshots (ImageMagick
/// `import`): kitty (kitty graphics protocol) and `xterm -ti vt340` (sixel), both chosen by
/// `--graphics auto`. The image: 1-pixel black/white stripes left, red over blue right; bicubic
/// ×4, then 1:1, where the red block must be 192×128 screen pixels (one output pixel per screen
/// pixel) and the stripes an 8-pixel period — block characters could show neither.
/// Screenshots and the terminal's log are kept in `$ENHANCE_E2E_SCREENSHOTS` when set, else in a temporary
/// folder that a failed test keeps (its failure names it).
final class GraphicsEndToEndTests: XCTestCase {
    var pids: [pid_t] = []
    /// The terminal started by ``terminal(_:env:name:)``: its pid, arguments and log.
    var term: (pid: pid_t, args: [String], env: [String: String], log: String)?
    var dir = URL(fileURLWithPath: "/")
    var display = ""

    let red = (230, 20, 20), blue = (30, 40, 220)

    override func setUpWithError() throws {
        for tool in ["Xvfb", "xdotool", "import", "xdpyinfo"] where !Spawn.has(tool) {
            throw XCTSkip("\(tool) is missing (make test installs xvfb, xdotool, imagemagick, x11-utils)")
        }
        dir = try CLI.tempDir()
        var img = Image(width: 96, height: 64)
        for y in 0..<64 { for x in 0..<96 {
            let c: (Int, Int, Int) = x < 48 ? (x % 2 == 0 ? (255, 255, 255) : (0, 0, 0)) : (y < 32 ? red : blue)
            img[0, y, x] = Float(c.0) / 255; img[1, y, x] = Float(c.1) / 255; img[2, y, x] = Float(c.2) / 255
        } }
        try ImageFile.write(img, to: dir.appendingPathComponent("stripes.png").path)
        // Xvfb picks a free display and writes its number to stdout.
        let numberFile = dir.appendingPathComponent("display").path
        pids.append(try Spawn.start(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                    stdout: numberFile))
        let number = Spawn.poll(timeout: 20) { () -> String? in
            let t = (try? String(contentsOfFile: numberFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            return t?.isEmpty == false ? t : nil
        }
        display = ":" + (try XCTUnwrap(number, "Xvfb did not start"))
        let up = Spawn.poll(timeout: 20) { (try? Spawn.run(["xdpyinfo", "-display", display]).0) == 0 ? true : nil }
        XCTAssertNotNil(up, "Xvfb \(display) not answering")
    }

    override func tearDown() {
        for pid in pids.reversed() { Spawn.stop(pid) }
        pids = []
        // A failed test keeps its screenshots and terminal log (the failure names the folder).
        let failed = (testRun?.failureCount ?? 0) > 0
        if ProcessInfo.processInfo.environment["ENHANCE_E2E_SCREENSHOTS"] == nil && !failed {
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// The shell command run in the terminal: enhance on the stripes, then its exit status to a
    /// file. `env` first drops the hints (KITTY_WINDOW_ID, TERM=xterm-kitty) so that detection
    /// must come from the terminal's replies.
    func program(term: String? = "xterm-256color") -> String {
        let fx = CLI.repoRoot.appendingPathComponent("Tests/EnhanceNetworksTests/Fixtures/msrresnet_x4.weights.safetensors").path
        let args = [CLI.binary.path, dir.appendingPathComponent("stripes.png").path, "--graphics", "auto",
                    "--psnr-model", fx, "--gan-model", fx].map { "'\($0)'" }.joined(separator: " ")
        let clean = "env -u KITTY_WINDOW_ID -u KITTY_PID -u TERM_PROGRAM" + (term.map { " TERM=\($0)" } ?? "")
        return "\(clean) \(args) 2>'\(dir.path)/stderr'; echo $? > '\(dir.path)/exit'; sleep 60"
    }

    func testKitty() throws {
        guard Spawn.has("kitty") else { throw XCTSkip("kitty is missing (Debian package kitty; make test installs it)") }
        let env = ["DISPLAY": display, "KITTY_CACHE_DIRECTORY": dir.path + "/kc", "KITTY_CONFIG_DIRECTORY": dir.path + "/kcfg"]
        try terminal(["kitty", "--config", "NONE", "--class", "enhance-e2e-kitty",
                      "-o", "remember_window_size=no", "-o", "initial_window_width=800",
                      "-o", "initial_window_height=500", "sh", "-c", program()], env: env, name: "kitty")
        try drive(windowClass: "enhance-e2e-kitty", name: "kitty", tolerance: 4)
    }

    /// A network method at fit in real kitty (the bundled pair's PSNR network on a photo, 451×300
    /// input: 4 × 3 background tiles of 128 px): the screen lines where two tiles meet must change
    /// from the line before no more than the lines around them do (mean |line − previous line|
    /// over the picture, at most 1.5× that of the lines 3–8 px away). Samples that straddled two
    /// tiles used to lose the other tile's share to black: a dark grid on the first screen.
    func testKittyNetworkAtFitHasNoTileGrid() throws {
        guard Spawn.has("kitty") else { throw XCTSkip("kitty is missing (Debian package kitty; make test installs it)") }
        let command = try gridProgram()
        let env = ["DISPLAY": display, "KITTY_CACHE_DIRECTORY": dir.path + "/kc", "KITTY_CONFIG_DIRECTORY": dir.path + "/kcfg"]
        try terminal(["kitty", "--config", "NONE", "--class", "enhance-e2e-grid",
                      "-o", "remember_window_size=no", "-o", "initial_window_width=1000",
                      "-o", "initial_window_height=700", "sh", "-c", command], env: env, name: "kitty")
        try assertNoTileGrid(windowClass: "enhance-e2e-grid", name: "kitty", expectedWidth: 975)
    }

    /// The same in `xterm -ti vt340` (sixel, 120×36 cells): sixel's palette quantisation adds
    /// noise, not lines.
    func testXtermSixelNetworkAtFitHasNoTileGrid() throws {
        guard Spawn.has("xterm") else { throw XCTSkip("xterm is missing (make test installs it)") }
        let command = try gridProgram()
        try terminal(["xterm", "-ti", "vt340", "-class", "EnhanceE2EGridXterm", "-bg", "black",
                      "-fg", "gray", "-fa", "DejaVu Sans Mono", "-fs", "10", "-geometry", "120x36+0+0",
                      "-e", "sh", "-c", command], name: "xterm")
        try assertNoTileGrid(windowClass: "EnhanceE2EGridXterm", name: "xterm", expectedWidth: nil)
    }

    /// enhance on Assets/chelsea.png with the bundled pair's PSNR network, graphics detected.
    func gridProgram() throws -> String {
        let photo = CLI.repoRoot.appendingPathComponent("Assets/chelsea.png").path
        let models = CLI.repoRoot.appendingPathComponent("Models").path
        guard FileManager.default.fileExists(atPath: models + "/enhance-x4-psnr.safetensors") else {
            throw XCTSkip("the bundled pair is not in Models/")
        }
        let args = [CLI.binary.path, photo, "--graphics", "auto", "--method", "psnr", "--pair", "enhance-x4"]
            .map { "'\($0)'" }.joined(separator: " ")
        return "env -u KITTY_WINDOW_ID -u KITTY_PID -u TERM_PROGRAM TERM=xterm-256color \(args) "
            + "2>'\(dir.path)/stderr'; sleep 60"
    }

    /// Waits for the fit view to settle in the terminal window of `windowClass`, then measures
    /// the tile-edge lines against their neighbourhood (see ``testKittyNetworkAtFitHasNoTileGrid``).
    func assertNoTileGrid(windowClass: String, name: String, expectedWidth: Int?) throws {
        let window = try findWindow(windowClass, name: name)
        var shots = 0
        func shot() throws -> Image {
            shots += 1
            return try screenshot(window, to: dir.appendingPathComponent("grid-\(name)-\(shots).png").path)
        }
        // The picture: the columns and rows (below the label row, above the status bar) whose mean
        // luma is above 8; settled once two shots a second apart agree there and 5 s have passed
        // (the bundled pair computes chelsea at fit in about 2 s here).
        func picture(_ img: Image) -> Box? {
            let ys = 24..<(img.height - 24)
            let cols = (0..<img.width).filter { x in ys.reduce(0.0) { $0 + luma(img, x, $1) } / Double(ys.count) > 8 }
            let xs = (cols.first ?? 0)..<((cols.last ?? 0) + 1)
            let rows = ys.filter { y in xs.reduce(0.0) { $0 + luma(img, $1, y) } / Double(max(xs.count, 1)) > 8 }
            guard xs.count > 300, let r0 = rows.first, let r1 = rows.last else { return nil }
            return Box(x0: xs.lowerBound, y0: r0, x1: xs.upperBound, y1: r1 + 1)
        }
        let start = Date()
        var previous: Image?
        let settled = try Spawn.poll(timeout: 60, every: 1) { () -> (Image, Box)? in
            let img = try shot()
            defer { previous = img }
            guard let box = picture(img), let p = previous, Date().timeIntervalSince(start) > 5 else { return nil }
            for y in box.y0..<box.y1 { for x in box.x0..<box.x1 where luma(img, x, y) != luma(p, x, y) { return nil } }
            return (img, box)
        }
        let (img, box) = try XCTUnwrap(settled, "the fit view never settled; screenshots in \(dir.path)")
        // Tile edges on screen: every 128 input px, at the picture's scale (×4 output, fitted).
        let s = Double(box.width) / Double(451 * 4)
        func lineChange(_ a: (Int) -> Double, _ b: (Int) -> Double, _ n: Range<Int>) -> Double {
            n.reduce(0.0) { $0 + abs(a($1) - b($1)) } / Double(n.count)
        }
        let inner = (box.y0 + 2)..<(box.y1 - 2), across = (box.x0 + 2)..<(box.x1 - 2)
        let cols = ((box.x0 + 3)..<(box.x1 - 2)).map { x in (x, lineChange({ luma(img, x, $0) }, { luma(img, x - 1, $0) }, inner)) }
        let rows = ((box.y0 + 3)..<(box.y1 - 2)).map { y in (y, lineChange({ luma(img, $0, y) }, { luma(img, $0, y - 1) }, across)) }
        // Each edge's line (the largest of the three nearest, for rounding) against the lines 3 to
        // 8 px either side of it: a drawn grid stands out from its own neighbourhood, detail does not.
        func worstAtEdges(_ lines: [(Int, Double)], _ origin: Int, _ count: Int) -> Double {
            var worst = 0.0
            for k in 1...count {
                let at = origin + Int((Double(k * 128 * 4) * s).rounded())
                let edge = lines.filter { abs($0.0 - at) <= 1 }.map(\.1).max() ?? 0
                let around = lines.filter { (3...8).contains(abs($0.0 - at)) }.map(\.1)
                worst = max(worst, edge / max(around.reduce(0, +) / Double(max(around.count, 1)), 1e-6))
            }
            return worst
        }
        let ratioX = worstAtEdges(cols, box.x0, 3), ratioY = worstAtEdges(rows, box.y0, 2)
        print(String(format: "%@ fit: picture %@, tile-edge line change / nearby lines': columns %.2f, rows %.2f",
                     name, box.description, ratioX, ratioY))
        if let w = expectedWidth { XCTAssertLessThanOrEqual(abs(box.width - w), 4, "picture \(box)") }
        XCTAssertLessThanOrEqual(ratioX, 1.5, "a grid at the tile columns; screenshots in \(dir.path)")
        XCTAssertLessThanOrEqual(ratioY, 1.5, "a grid at the tile rows; screenshots in \(dir.path)")
    }

    /// kitty → tmux (`allow-passthrough on`, private server) → enhance: passthrough, placed at
    /// the pane's cells although tmux answers DA1 before kitty's reply arrives.
    func testKittyThroughTmux() throws {
        guard Spawn.has("kitty"), Spawn.has("tmux") else { throw XCTSkip("kitty or tmux is missing (make test installs them)") }
        let socket = "enhance-gfx-\(getpid())"
        let conf = dir.appendingPathComponent("tmux.conf").path
        try "set -g allow-passthrough on\n".write(toFile: conf, atomically: true, encoding: .utf8)
        defer { _ = try? Spawn.run(["tmux", "-L", socket, "kill-server"]) }
        let env = ["DISPLAY": display, "KITTY_CACHE_DIRECTORY": dir.path + "/kc", "KITTY_CONFIG_DIRECTORY": dir.path + "/kcfg"]
        try terminal(["kitty", "--config", "NONE", "--class", "enhance-e2e-tmux",
                      "-o", "remember_window_size=no", "-o", "initial_window_width=800",
                      "-o", "initial_window_height=500",
                      "tmux", "-L", socket, "-f", conf, "new-session", program(term: nil)], env: env, name: "tmux-kitty")
        try drive(windowClass: "enhance-e2e-tmux", name: "tmux-kitty", tolerance: 4)
    }

    func testXtermSixel() throws {
        guard Spawn.has("xterm") else { throw XCTSkip("xterm is missing (make test installs it)") }
        try terminal(["xterm", "-ti", "vt340", "-class", "EnhanceE2EXterm", "-bg", "black", "-fg", "gray",
                      "-fa", "DejaVu Sans Mono", "-fs", "10", "-geometry", "100x30+0+0",
                      "-e", "sh", "-c", program()], name: "xterm")
        try drive(windowClass: "EnhanceE2EXterm", name: "xterm", tolerance: 12)
    }

    /// 132×40 cells (1060×684 px): the pane image is wider than xterm's sixel limit (1000×1000 by
    /// default; XTSMGRAPHICS said 1000×680), which xterm would not draw at all, so it goes out
    /// as pieces within the limit.
    func testXtermSixelLargeWindow() throws {
        guard Spawn.has("xterm") else { throw XCTSkip("xterm is missing (make test installs it)") }
        try terminal(["xterm", "-ti", "vt340", "-class", "EnhanceE2EXtermLarge", "-bg", "black",
                      "-fg", "gray", "-fa", "DejaVu Sans Mono", "-fs", "10", "-geometry", "132x40+0+0",
                      "-e", "sh", "-c", program()], name: "xterm-large")
        try drive(windowClass: "EnhanceE2EXtermLarge", name: "xterm-large", tolerance: 12)
    }

    /// Bicubic, 1:1, checks, quit, checks the terminal is clean.
    func drive(windowClass: String, name: String, tolerance: Int) throws {
        let window = try findWindow(windowClass, name: name)
        func key(_ k: String) throws {
            try Spawn.run(["timeout", "10", "xdotool", "windowfocus", "--sync", window], env: ["DISPLAY": display])
            try Spawn.run(["timeout", "10", "xdotool", "key", k], env: ["DISPLAY": display])
        }
        var shots = 0
        func shot() throws -> Image {
            shots += 1
            return try screenshot(window, to: dir.appendingPathComponent("\(name)-\(shots).png").path)
        }
        // The UI is up once its status bar (light, reverse video) shows at the bottom: keys typed
        // earlier would be flushed with the detection replies.
        XCTAssertNotNil(try Spawn.poll(timeout: 60, every: 0.5) { statusBar(try shot()) ? true : nil }, "no UI")
        // Bicubic, fit, 1:1 (idempotent, so resent if the first keys were early).
        var tries = 0
        let oneToOne = try Spawn.poll(timeout: 40, every: 0.5) { () -> (Image, Box)? in
            if tries % 6 == 0 { for k in ["1", "f", "z"] { try key(k) } }
            tries += 1
            let img = try shot()
            guard let r = find(red, in: img, tolerance), (180...200).contains(r.width) else { return nil }
            return (img, r)
        }
        let (img, r) = try XCTUnwrap(oneToOne, "no 1:1 image; screenshots in \(dir.path)")
        XCTAssertTrue((184...196).contains(r.width) && (120...132).contains(r.height), "red block \(r)")
        let b = try XCTUnwrap(find(blue, in: img, tolerance), "no blue")
        XCTAssertLessThan(abs(b.x0 - r.x0), 4, "blue under red")
        XCTAssertLessThan(abs(b.y0 - r.y1), 14, "blue directly under red (bicubic blurs the edge): \(r) \(b)")
        // Stripes left of red: period 8 px, so ≥ 2 crossings of mid-grey per 8 px.
        let y = (r.y0 + r.y1) / 2
        var crossings = 0
        for x in (r.x0 - 170)..<(r.x0 - 10) where x > 0 && (luma(img, x, y) > 128) != (luma(img, x - 1, y) > 128) {
            crossings += 1
        }
        XCTAssertGreaterThanOrEqual(crossings, 30, "stripes not drawn at pixel resolution (\(crossings) edges)")
        // Help opens over the image: the pixels go (the panes stay blank around the box), and come back.
        let shown = count(red, in: img, tolerance)
        try key("question")
        let hidden = try Spawn.poll(timeout: 15, every: 0.5) { () -> Int? in
            let n = count(red, in: try shot(), tolerance)
            return n * 5 < shown ? n : nil
        }
        XCTAssertNotNil(hidden, "image still drawn over the help dialog (\(shown) red pixels before); "
                        + "screenshots in \(dir.path)")
        try key("x")
        let back = try Spawn.poll(timeout: 15, every: 0.5) { () -> Box? in
            find(red, in: try shot(), tolerance).flatMap { (180...200).contains($0.width) ? $0 : nil }
        }
        XCTAssertNotNil(back, "image not redrawn after the help closed")
        try key("q")
        // The shell creates the file before it writes the status: wait for a complete line.
        let exit = Spawn.poll(timeout: 20) { () -> String? in
            let s = try? String(contentsOfFile: dir.path + "/exit", encoding: .utf8)
            return s?.hasSuffix("\n") == true ? s : nil
        }
        XCTAssertEqual(exit?.trimmingCharacters(in: .whitespacesAndNewlines), "0",
                       (try? String(contentsOfFile: dir.path + "/stderr", encoding: .utf8)) ?? "")
        let clean = try Spawn.poll(timeout: 10, every: 0.5) { () -> Bool? in
            let s = try shot()
            return find(red, in: s, tolerance) == nil && find(blue, in: s, tolerance) == nil ? true : nil
        }
        XCTAssertNotNil(clean, "image left on screen after quit; screenshots in \(dir.path)")
        let kept = ProcessInfo.processInfo.environment["ENHANCE_E2E_SCREENSHOTS"] != nil
        print("\(name): red block \(r), \(crossings) stripe edges" + (kept ? "; screenshots in \(dir.path)" : ""))
    }

    /// Starts the terminal `args` on the test's display, its stdout and stderr in `<name>.log`.
    func terminal(_ args: [String], env: [String: String] = [:], name: String) throws {
        let log = dir.appendingPathComponent("\(name).log").path
        let all = env.merging(["DISPLAY": display]) { $1 }
        let pid = try Spawn.start(args, stdout: log, stderr: log, env: all)
        pids.append(pid)
        term = (pid, args, all, log)
    }

    /// The id of the visible window of `windowClass` (within 60 s). A terminal that exited
    /// before it showed a window (the terminal itself, before enhance ran) is started once more,
    /// and its log is printed; a second such exit fails with the log.
    func findWindow(_ windowClass: String, name: String) throws -> String {
        var restarted = false
        let window = try Spawn.poll(timeout: 60, every: 0.5) { () -> String? in
            let (rc, out) = try Spawn.run(["timeout", "10", "xdotool", "search", "--onlyvisible", "--class",
                                           windowClass], env: ["DISPLAY": display])
            if rc == 0, let id = out.split(separator: "\n").first { return String(id) }
            if let t = term, !restarted, Spawn.exited(t.pid) {
                restarted = true
                pids.removeAll { $0 == t.pid }
                print("\(name) exited without a window; started again. Its log: \(terminalLog())")
                try terminal(t.args, env: t.env, name: name + "-again")
            }
            return nil
        }
        let alive = term.map { !Spawn.exited($0.pid) } ?? false
        return try XCTUnwrap(window, "no \(name) window (terminal \(alive ? "running" : "exited")); log: \(terminalLog())")
    }

    func terminalLog() -> String {
        term.flatMap { try? String(contentsOfFile: $0.log, encoding: .utf8) }.map { "«\($0)»" } ?? "none"
    }

    /// A screenshot of `window` written to `path` and read back.
    func screenshot(_ window: String, to path: String) throws -> Image {
        // `timeout`: import waits forever on a window that is not viewable.
        try Spawn.run(["timeout", "20", "import", "-display", display, "-window", window, path])
        return try ImageFile.read(path: path)
    }
}
