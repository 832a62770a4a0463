import Foundation
import XCTest

/// The checkpoint bombs of issue 10: sparse files (a few kB on disk) whose consistent headers declare
/// networks with 4096 features. `models inspect` must describe each from its headers in bounded
/// memory and stream its hash; `upscale --model` must refuse each before reading its tensors.
/// The scripts that write them (scripts/checkpoints/make_*bomb.py, standard-library Python) print
/// the parameter count they declared: the oracle for what inspect reports.
final class CheckpointBombTests: XCTestCase {
    /// Runs `script out` and returns the parameter count it prints (`…, P parameters`).
    private func make(_ script: String, _ out: String) throws -> Int {
        let script = CLI.repoRoot.path + "/scripts/checkpoints/" + script
        let line = try CLI.runTool("/usr/bin/env", ["python3", script, out])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let words = line.split(separator: " ")
        guard words.last == "parameters", words.count >= 2, let p = Int(words[words.count - 2]) else {
            throw XCTSkip("unexpected output from \(script): \(line)")
        }
        return p
    }

    /// Skips unless `path` is `size` bytes long and (nearly) all hole.
    private func requireSparse(_ path: String, size: Int? = nil) throws {
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        if let size { XCTAssertEqual(Int(st.st_size), size) }
        guard st.st_blocks * 512 < 1 << 20 else { throw XCTSkip("this filesystem does not keep \(path) sparse") }
    }

    private func row(_ label: String, _ value: String) -> String {
        "  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + value
    }

    private func macs(_ m: Double) -> String { String(format: "%.3f M", m / 1e6) }

    /// Hand count for an MSRResNet ×4 (3×3 convs): first, 2 per block, upconv1 at ×1 and upconv2
    /// at ×2 (4·nf outputs each), conv_hr and conv_last at ×4.
    private func msrResNetMACs(nf: Double, blocks: Double) -> Double {
        9 * (3 * nf + blocks * 2 * nf * nf + 4 * nf * nf * (1 + 4) + 16 * nf * nf + 16 * 3 * nf)
    }

    /// Hand count for an RRDBNet ×4: first, 3 dense blocks of 5 convs per block, conv_body, conv_up1
    /// at ×2, conv_up2 and conv_hr at ×4, conv_last at ×4.
    private func rrdbNetMACs(nf: Double, gc: Double, blocks: Double) -> Double {
        let rdb = gc * (nf + (nf + gc) + (nf + 2 * gc) + (nf + 3 * gc)) + nf * (nf + 4 * gc)
        return 9 * (3 * nf + blocks * 3 * rdb + nf * nf * (1 + 4 + 16 + 16) + 16 * 3 * nf)
    }

    /// Bytes of prepared kernels for 3×3 convs `(in, out)`: the channel-packed F(6×6) transform holds
    /// 64 floats per weight pair (8×8 tiles), the CHW F(4×4) one 36 (6×6 tiles).
    private func kernelBytes(chw: [(Double, Double)], packed: [(Double, Double)]) -> Double {
        4 * (36 * chw.reduce(0) { $0 + $1.0 * $1.1 } + 64 * packed.reduce(0) { $0 + $1.0 * $1.1 })
    }

    /// MSRResNet (nf, one block, nf a multiple of 16): the body and the upsampling tail (both
    /// upconvs and the HR conv) run packed; first and last convs CHW.
    private func msrResNetKernels(nf: Double) -> Double {
        kernelBytes(chw: [(3, nf), (nf, 3)], packed: [(nf, nf), (nf, nf), (nf, 4 * nf), (nf, 4 * nf), (nf, nf)])
    }

    /// RRDBNet (nf, gc, one block): the dense convs, conv_body and the three upsampling convs run
    /// packed; first and last CHW.
    private func rrdbNetKernels(nf: Double, gc: Double) -> Double {
        let dense = (0..<5).map { c in (nf + Double(c) * gc, c == 4 ? nf : gc) }
        return kernelBytes(chw: [(3, nf), (nf, 3)], packed: Array(repeating: dense, count: 3).flatMap { $0 }
                           + Array(repeating: (nf, nf), count: 4))
    }

    /// Inspects `path` (bounded: ≤ 20 s CPU, ≤ 300 MB RSS; every row of `rows` printed, the hash of
    /// `weights` equal to hashlib's), then checks `upscale --model` refuses it in ≤ 5 s and ≤ 300 MB
    /// with one line naming `weights` and `need`.
    private func assertBounded(_ path: String, weights: String, rows: [(String, String)], need: Double,
                               in dir: URL) throws {
        let inspect = try Measured.run(["models", "inspect", path])
        XCTAssertEqual(inspect.result.status, 0, inspect.result.stderr)
        let out = inspect.result.stdout
        for (label, value) in rows {
            XCTAssertTrue(out.contains(row(label, value) + "\n"), "\(label) \(value):\n\(out)")
        }
        XCTAssertTrue(out.contains(row("sha256", try CLI.pythonSHA256(weights))), out)
        XCTAssertTrue(out.contains(", over the budget of "), out)
        if !Measured.sanitized {
            XCTAssertLessThanOrEqual(inspect.cpuSeconds, 20, "inspect CPU time (\(inspect.summary))")
        }
        XCTAssertLessThanOrEqual(inspect.maxRSSKiB, 300 * 1024, "inspect peak RSS")

        let png = dir.appendingPathComponent("out.png").path
        let image = CLI.repoRoot.path + "/Assets/coffee.png"
        let upscale = try Measured.run(["upscale", "--model", path, image, "-o", png])
        XCTAssertNotEqual(upscale.result.status, 0)
        let line = upscale.result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(line.contains("\n"), line)
        XCTAssertTrue(line.contains(weights) && line.contains("needs " + String(format: "%.2f GB", need / 1e9)), line)
        XCTAssertTrue(line.contains("over the budget of"), line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: png))
        if !Measured.sanitized {
            XCTAssertLessThanOrEqual(upscale.cpuSeconds, 5, "refusal CPU time (\(upscale.summary))")
        }
        XCTAssertLessThanOrEqual(upscale.maxRSSKiB, 300 * 1024, "refusal peak RSS")
        print("bomb \((path as NSString).lastPathComponent): inspect \(inspect.summary); "
              + "upscale refusal \(upscale.summary)")
    }

    /// MSRResNet rows shared by the safetensors and .pth bombs (4096 features, one block).
    private func msrResNetRows(parameters: Int, format: String) -> [(String, String)] {
        [("architecture", "MSRResNet"), ("scale", "×4"), ("num_feat", "4096"), ("blocks", "1"),
         ("parameters", "\(parameters)"), ("MACs / input pixel", macs(msrResNetMACs(nf: 4096, blocks: 1))),
         // 1 (first) + 2 (block) + 1 + ½ + ¼ + ¼ (tail at ×1, ×2, ×4, ×4) = 5, + 1 for the bilinear skip.
         ("receptive radius", "6 px"), ("dtype", "F32"), ("format", format), ("ignored keys", "none")]
    }

    func testSafetensorsBombIsInspectedFromItsHeaderAndRefusedByUpscale() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bomb = dir.appendingPathComponent("bomb.safetensors").path
        let parameters = try make("make_bomb.py", bomb)
        try requireSparse(bomb, size: 6_644_860_164)
        try assertBounded(bomb, weights: bomb, rows: msrResNetRows(parameters: parameters, format: "safetensors"),
                          need: 6_644_860_164 + 4 * Double(parameters) + msrResNetKernels(nf: 4096), in: dir)
    }

    func testPthBombIsInspectedFromItsPickleAndRefusedByUpscale() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bomb = dir.appendingPathComponent("bomb.pth").path
        let parameters = try make("make_pth_bomb.py", bomb)
        try requireSparse(bomb)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: bomb)[.size] as? Int)
        XCTAssertGreaterThan(size, 4 * parameters, "storages of 4 bytes per parameter")
        try assertBounded(bomb, weights: bomb, rows: msrResNetRows(parameters: parameters, format: "pth (zip)"),
                          need: Double(size) + 4 * Double(parameters) + msrResNetKernels(nf: 4096), in: dir)
    }

    func testNcnnBombIsInspectedFromItsParamAndRefusedByUpscale() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let param = dir.appendingPathComponent("bomb.param").path, bin = dir.appendingPathComponent("bomb.bin").path
        let parameters = try make("make_ncnn_bomb.py", param)
        try requireSparse(bin)
        let attributes = { (p: String) throws -> Int in
            try XCTUnwrap(FileManager.default.attributesOfItem(atPath: p)[.size] as? Int)
        }
        let binSize = try attributes(bin), paramSize = try attributes(param)
        // fp32-tagged weights: a 4-byte tag per conv (21) plus 4 bytes per parameter.
        XCTAssertEqual(binSize, 4 * parameters + 4 * 21)
        let rows: [(String, String)] = [
            ("architecture", "RRDBNet"), ("num_feat", "4096"), ("blocks", "1"), ("num_grow_ch", "32"),
            ("parameters", "\(parameters)"), ("MACs / input pixel", macs(rrdbNetMACs(nf: 4096, gc: 32, blocks: 1))),
            // 1 (first) + 15 (block) + 1 (body) + ½ + ¼ + ¼ + ¼ (×2, ×4 tail) → 19, + 1 for the upsampling.
            ("receptive radius", "20 px"), ("dtype", "F32"), ("format", "ncnn"), ("key layout", "ncnn"),
        ]
        // The files, the float32 weights and the prepared kernels.
        let need = Double(paramSize + binSize) + 4 * Double(parameters) + rrdbNetKernels(nf: 4096, gc: 32)
        try assertBounded(param, weights: bin, rows: rows, need: need, in: dir)
    }

    /// Pickle bombs: a data.pkl (written by Python's zipfile) of 15 MiB of EMPTY_DICT opcodes would
    /// build 15 M containers (about 2 GB); the unpickler stops at its opcode budget. One of 17 MiB is
    /// refused from the zip directory, before it is read.
    func testPickleBombsAreRefusedInBoundedMemory() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (mib, fragment) in [(15, "more than 1048576 opcodes"), (17, "over the 16 MiB this reader accepts")] {
            let path = dir.appendingPathComponent("pickle\(mib).pth").path
            _ = try CLI.runTool("/usr/bin/env", ["python3", "-c", """
                import sys, zipfile
                with zipfile.ZipFile(sys.argv[1], "w") as z:
                    z.writestr("archive/data.pkl", b"\\x80\\x02" + b"}" * (int(sys.argv[2]) << 20) + b".")
                """, path, "\(mib)"])
            let image = CLI.repoRoot.path + "/Assets/coffee.png"
            for args in [["models", "inspect", path], ["upscale", "--model", path, image, "-o", dir.path + "/o.png"]] {
                let m = try Measured.run(args)
                XCTAssertNotEqual(m.result.status, 0)
                let line = m.result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                XCTAssertFalse(line.contains("\n"), line)
                XCTAssertTrue(line.contains(path) && line.contains(fragment), line)
                if !Measured.sanitized {  // shadow memory inflates an instrumented binary's RSS
                    XCTAssertLessThanOrEqual(m.maxRSSKiB, 300 * 1024, "\(args[0]) of a \(mib) MiB pickle: \(m.summary)")
                }
                print("pickle bomb \(mib) MiB, \(args[0]): \(m.summary)")
            }
        }
    }

    func testMaxModelBytesRaisesAndLowersTheBudget() throws {
        let model = CLI.repoRoot.path + "/Models/enhance-x4-psnr.safetensors"
        let low = try CLI.run(["models", "inspect", "--max-model-bytes", "1000000", model])
        XCTAssertEqual(low.status, 0, low.stderr)
        XCTAssertTrue(low.stdout.contains("MACs / input pixel") && low.stdout.contains("over the budget of 1.00 MB"),
                      low.stdout)
        let ok = try CLI.run(["models", "inspect", "--max-model-bytes", "100000000", model])
        XCTAssertTrue(ok.stdout.contains("MACs / input pixel") && ok.stdout.contains("load need"), ok.stdout)
        XCTAssertFalse(ok.stdout.contains("over the budget"), ok.stdout)
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let refused = try CLI.run(["upscale", "--model", model, "--max-model-bytes", "1000000",
                                   CLI.repoRoot.path + "/Assets/coffee.png", "-o", dir.path + "/o.png"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("enhance-x4-psnr.safetensors") && refused.stderr.contains("budget"),
                      refused.stderr)
    }
}
