import EnhanceImaging
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One export measured in its own process: wall time and peak resident memory (`wait4`'s rusage).
public struct ExportBenchResult: Sendable {
    /// What was exported (method and model).
    public var label: String
    /// Input size in pixels.
    public var input: (width: Int, height: Int)
    /// Wall-clock seconds from spawn to exit.
    public var wallSeconds: Double
    /// Peak resident memory of the child, bytes (`ru_maxrss`).
    public var peakRSSBytes: Int
    /// Exit status (128 + signal when killed).
    public var status: Int32
}

/// Streamed-export benchmark: synthesises inputs, runs `enhance upscale` on each in a child process
/// (so every peak RSS is that export's alone) and prints wall time and peak RSS.
public enum ExportBench {
    /// A deterministic photo-like test image: smooth gradients plus fine texture, 8-bit RGB.
    public static func synthesize(width: Int, height: Int, to path: String) throws {
        var img = Image(width: width, height: height)
        img.pixels.withUnsafeMutableBufferPointer { p in
            let plane = width * height
            for y in 0..<height {
                for x in 0..<width {
                    let i = y * width + x, t = Float((x * 37 + y * 91) % 23) / 23
                    p[i] = 0.5 + 0.4 * sinf(Float(x) / 97) * cosf(Float(y) / 61) + 0.08 * t
                    p[plane + i] = Float(y) / Float(height) * 0.8 + 0.1
                    p[2 * plane + i] = 0.5 + 0.3 * sinf(Float(x + y) / 41) - 0.05 * t
                }
            }
        }
        try ImageFile.write(img, to: path, overwrite: true)
    }

    /// Runs `executable args` and measures it.
    public static func measure(_ label: String, executable: String, args: [String],
                               input: (Int, Int)) throws -> ExportBenchResult {
        var pid: pid_t = 0
        let argv = ([executable] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let start = Date()
        let rc = posix_spawn(&pid, executable, nil, nil, argv, environ)
        guard rc == 0 else { throw BenchError(message: "cannot start \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = Date().timeIntervalSince(start)
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ExportBenchResult(label: label, input: input, wallSeconds: wall, peakRSSBytes: usage.ru_maxrss * 1024,
                                 status: exit)
    }

    /// One printed line per result: label, input size, wall seconds, peak RSS in MiB and exit status.
    public static func line(_ r: ExportBenchResult) -> String {
        r.label.padding(toLength: 32, withPad: " ", startingAt: 0)
            + String(format: " %5dx%-5d  wall %7.1f s  peak RSS %7.1f MiB", r.input.width, r.input.height,
                     r.wallSeconds, Double(r.peakRSSBytes) / 1_048_576)
            + (r.status == 0 ? "" : "  FAILED (exit \(r.status))")
    }
}
