import CVectorISA
import Foundation
import XCTest
@testable import EnhanceTensor

/// Fast convolution paths against the naive loop nest (`Conv2D.reference`).
///
/// Tolerance: max |fast − ref| ≤ tol · (max |ref| + 1). Direct conv only reorders float32 sums
/// (tol 1e-5); Winograd F(4×4,3×3) multiplies by transform constants up to 8 and 1/24, which
/// costs roughly two decimal digits (tol 2e-4 for the sizes here, ≤ 192 input channels).
final class ConvTests: XCTestCase {
    let pool = ThreadPool(threads: 2)

    func compare(c: [Int], k: Int, size: Int, h: Int, w: Int, act: Activation, scale: Float,
                 residual: Bool, algorithm: Conv2D.Algorithm, seed: UInt64, isa: KernelISA = .compiled,
                 file: StaticString = #filePath, line: UInt = #line) {
        var rng = SplitMix(seed: seed)
        let ci = c.reduce(0, +)
        let conv = Conv2D(weight: rng.floats(k * ci * size * size, scale: 1 / Float(ci * size * size).squareRoot()),
                          bias: rng.floats(k, scale: 0.5), inChannels: ci, outChannels: k, kernelSize: size)
        let inputs = c.map { Tensor(channels: $0, height: h, width: w, data: rng.floats($0 * h * w, scale: 1)) }
        let res = residual ? Tensor(channels: k, height: h, width: w, data: rng.floats(k * h * w, scale: 1)) : nil
        let ref = conv.reference(inputs, activation: act, outputScale: scale, residual: res, pool: pool)
        let fast = conv.run(inputs, activation: act, outputScale: scale, residual: res, pool: pool,
                            algorithm: algorithm, isa: isa)
        XCTAssertEqual(fast.channels, k, file: file, line: line)
        XCTAssertEqual(fast.height, h, file: file, line: line)
        XCTAssertEqual(fast.width, w, file: file, line: line)
        let peak = ref.data.reduce(0) { max($0, abs($1)) }
        var worst: Float = 0
        for i in 0..<ref.data.count { worst = max(worst, abs(ref.data[i] - fast.data[i])) }
        let tol: Float = algorithm == .direct ? 1e-5 : 2e-4
        XCTAssertLessThanOrEqual(worst, tol * (peak + 1),
                                 "c=\(c) k=\(k) \(size)x\(size) \(h)x\(w) \(algorithm) \(act) \(isa)",
                                 file: file, line: line)
        XCTAssertFalse(fast.data.contains { !$0.isFinite }, file: file, line: line)
    }

    func testWinogradShapes() {
        let shapes: [(Int, Int)] = [(1, 1), (2, 3), (3, 2), (4, 4), (5, 7), (17, 9), (13, 70), (33, 65), (8, 131)]
        for (i, s) in shapes.enumerated() {
            compare(c: [3], k: 5, size: 3, h: s.0, w: s.1, act: .identity, scale: 1, residual: false,
                    algorithm: .winograd, seed: UInt64(i))
        }
    }

    func testWinogradMultiInputEpilogues() {
        let acts: [Activation] = [.identity, .relu, .leakyReLU(0.2), .prelu([0.25]),
                                  .prelu((0..<12).map { Float($0) / 12 })]
        for (i, a) in acts.enumerated() {
            compare(c: [16, 8, 7], k: 12, size: 3, h: 19, w: 37, act: a, scale: 0.2, residual: i % 2 == 0,
                    algorithm: .winograd, seed: 100 + UInt64(i))
        }
    }

    func testWinogradManyChannelsCrossesBlocks() {
        compare(c: [64, 32, 32, 32, 32], k: 64, size: 3, h: 12, w: 20, act: .leakyReLU(0.2), scale: 1,
                residual: true, algorithm: .winograd, seed: 7)
        compare(c: [70], k: 3, size: 3, h: 9, w: 67, act: .identity, scale: 1, residual: false,
                algorithm: .winograd, seed: 8)
    }

    /// Inputs with fewer tile chunks than threads (a preview's first piece): the inputs are
    /// transformed in channel ranges on several threads and the output blocks are split over them.
    func testWinogradSmallInputsSplitOverThreads() {
        let four = ThreadPool(threads: 4)
        for (i, s) in [(24, 24, [64, 32, 32], 32), (20, 40, [19, 13], 40), (6, 9, [33], 7)].enumerated() {
            var rng = SplitMix(seed: 60 + UInt64(i))
            let ci = s.2.reduce(0, +), k = s.3
            let conv = Conv2D(weight: rng.floats(k * ci * 9, scale: 1 / Float(ci * 9).squareRoot()),
                              bias: rng.floats(k, scale: 0.5), inChannels: ci, outChannels: k, kernelSize: 3)
            let inputs = s.2.map {
                Tensor(channels: $0, height: s.0, width: s.1, data: rng.floats($0 * s.0 * s.1, scale: 1))
            }
            let ref = conv.reference(inputs, activation: .leakyReLU(0.2), outputScale: 1, residual: nil, pool: four)
            let fast = conv.run(inputs, activation: .leakyReLU(0.2), outputScale: 1, residual: nil, pool: four,
                                algorithm: .winograd, isa: .compiled)
            let peak = ref.data.reduce(0) { max($0, abs($1)) }
            let worst = zip(ref.data, fast.data).reduce(0) { max($0, abs($1.0 - $1.1)) }
            XCTAssertLessThanOrEqual(worst, 2e-4 * (peak + 1), "\(s.0)×\(s.1) c=\(s.2) k=\(k)")
        }
    }

    /// One tensor given twice (a multi-input call whose inputs share storage), and inputs whose
    /// channel counts share no segment length (one accumulating pass per input).
    func testWinogradRepeatedAndUnevenInputs() {
        var rng = SplitMix(seed: 31)
        let conv = Conv2D(weight: rng.floats(5 * 16 * 9, scale: 0.2), bias: rng.floats(5, scale: 0.1),
                          inChannels: 16, outChannels: 5, kernelSize: 3)
        let c = Tensor(channels: 8, height: 9, width: 21, data: rng.floats(8 * 9 * 21, scale: 1))
        let ref = conv.reference([c, c], activation: .identity, outputScale: 1, residual: nil, pool: pool)
        let fast = conv([c, c], pool: pool)
        let worst = zip(ref.data, fast.data).reduce(0) { max($0, abs($1.0 - $1.1)) }
        XCTAssertLessThanOrEqual(worst, 2e-4 * (ref.data.reduce(0) { max($0, abs($1)) } + 1))
        compare(c: [5, 3, 9], k: 10, size: 3, h: 11, w: 75, act: .relu, scale: 1, residual: true,
                algorithm: .winograd, seed: 32)
    }

    func testDirectKernelSizes() {
        for (i, size) in [1, 3, 5, 9].enumerated() {
            compare(c: [3, 5], k: 11, size: size, h: 7 + i, w: 50 + 3 * i, act: .prelu([0.1]), scale: 0.5,
                    residual: true, algorithm: .direct, seed: 200 + UInt64(i))
            compare(c: [4], k: 3, size: size, h: 1, w: 2, act: .relu, scale: 1, residual: false,
                    algorithm: .direct, seed: 300 + UInt64(i))
        }
    }

    /// Every kernel shape (AVX-512 8×48, AVX2 4×24, NEON 8×12, portable 4×8) runs here whatever the
    /// host: narrower vectors lower to the host's registers. Channel counts that are not multiples
    /// of any shape's rows, widths that are not multiples of its columns, several inputs, epilogues.
    func testEveryKernelShapeMatchesTheReference() {
        for (i, isa) in KernelISA.allCases.enumerated() {
            let seed = 400 + UInt64(10 * i)
            compare(c: [16, 8, 7], k: 13, size: 3, h: 19, w: 53, act: .leakyReLU(0.2), scale: 0.2, residual: true,
                    algorithm: .winograd, seed: seed, isa: isa)
            compare(c: [64, 32], k: 32, size: 3, h: 9, w: 70, act: .prelu((0..<32).map { Float($0) / 32 }),
                    scale: 1, residual: false, algorithm: .winograd, seed: seed + 1, isa: isa)
            compare(c: [3], k: 5, size: 3, h: 1, w: 1, act: .identity, scale: 1, residual: false,
                    algorithm: .winograd, seed: seed + 2, isa: isa)
            for size in [1, 3, 9] {
                compare(c: [3, 5], k: 11, size: size, h: 7, w: 29, act: .relu, scale: 0.5, residual: true,
                        algorithm: .direct, seed: seed + 3 + UInt64(size), isa: isa)
            }
        }
    }

    func testCompiledKernelFollowsTheTarget() {
        XCTAssertEqual(KernelISA.compiled, KernelISA(code: Int(enhance_c_vector_isa())),
                       "Swift and C see the same -march")
        #if arch(arm64)
        XCTAssertEqual(KernelISA.compiled, .neon)
        #elseif arch(x86_64) && os(Linux)
        // With -march=native (no ENHANCE_MARCH override) the kernel follows the host's flags.
        guard ProcessInfo.processInfo.environment["ENHANCE_MARCH"] == nil,
              let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let set = Set(flags.split(separator: " ").map(String.init))
        let expected: KernelISA = set.contains("avx512f") ? .avx512
            : set.contains("avx2") && set.contains("fma") ? .avx2 : .portable
        XCTAssertEqual(KernelISA.compiled, expected, "flags: avx512f \(set.contains("avx512f"))")
        #endif
    }

    func testAutomaticPathAndSingleThread() {
        let one = ThreadPool(threads: 1)
        var rng = SplitMix(seed: 9)
        let conv = Conv2D(weight: rng.floats(8 * 4 * 9, scale: 0.3), bias: nil, inChannels: 4, outChannels: 8,
                          kernelSize: 3)
        let x = Tensor(channels: 4, height: 10, width: 11, data: rng.floats(440, scale: 1))
        let a = conv(x, activation: .relu, pool: one), b = conv(x, activation: .relu, pool: pool)
        XCTAssertEqual(a, b, "thread count must not change results")
        let ref = conv.reference([x], activation: .relu, pool: one)
        for i in 0..<a.data.count { XCTAssertEqual(a.data[i], ref.data[i], accuracy: 1e-4) }
    }
}

/// Deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-scale, scale].
    mutating func floats(_ n: Int, scale: Float) -> [Float] {
        (0..<n).map { _ in (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale }
    }
}
