import Foundation
import XCTest
@testable import EnhanceTensor

/// ``VectorMath`` against double-precision libm (Foundation), on a dense sweep of [−30, 30]
/// plus tiny arguments. The bounds are the documented maximum errors.
final class VectorMathTests: XCTestCase {
    /// Worst `|got − want| / (|want| + absFloor)` over the sweep.
    func worst(_ f: (SIMD16<Float>) -> SIMD16<Float>, _ g: (Double) -> Double, range: ClosedRange<Float>,
               absFloor: Double = 1e-30) -> (error: Double, at: Float) {
        var xs: [Float] = stride(from: range.lowerBound, through: range.upperBound, by: 1 / 512).map { $0 }
        xs += [1e-6, -1e-6, 1e-3, -3e-4, 0.4999, 0.5001, 0.62, 0.63, -0.62, -0.63].filter { range.contains($0) }
        while xs.count % 16 != 0 { xs.append(range.lowerBound) }
        var worst: (Double, Float) = (0, 0)
        for i in stride(from: 0, to: xs.count, by: 16) {
            var v = SIMD16<Float>()
            for l in 0..<16 { v[l] = xs[i + l] }
            let r = f(v)
            for l in 0..<16 {
                let want = g(Double(v[l]))
                let e = abs(Double(r[l]) - want) / (abs(want) + absFloor)
                if e > worst.0 { worst = (e, v[l]) }
            }
        }
        return worst
    }

    func testTranscendentals() {
        typealias M = VectorMath
        typealias Check = (String, (SIMD16<Float>) -> SIMD16<Float>, (Double) -> Double, ClosedRange<Float>, Double,
                           Double)
        let checks: [Check] = [
            ("exp", M.exp, { Foundation.exp($0) }, -87 ... 88, 1e-30, 2e-7),
            ("erfc", M.erfc, { Foundation.erfc($0) }, 0 ... 2, 1e-30, 4e-7),
            // The rounding of x² in exp(−x²) grows as ~10⁻⁷·x² (6 · 10⁻⁶ at x = 8, erfc 10⁻²⁹).
            ("erfc tail", M.erfc, { Foundation.erfc($0) }, 2 ... 9, 1e-30, 7e-6),
            ("erf", M.erf, { Foundation.erf($0) }, -30 ... 30, 1, 3e-7),
            ("erf small", M.erf, { Foundation.erf($0) }, -0.5 ... 0.5, 1e-30, 3e-7),
            ("tanh", M.tanh, { Foundation.tanh($0) }, -30 ... 30, 1e-30, 4e-7),
            ("sigmoid", M.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }, -30 ... 30, 1e-30, 4e-7),
        ]
        for (name, f, g, range, floor, bound) in checks {
            let (e, at) = worst(f, g, range: range, absFloor: floor)
            XCTAssertLessThanOrEqual(e, bound, "\(name): error \(e) at \(at)")
        }
    }

    func testActivationsAgainstDoubleFormulas() {
        let acts: [Activation] = [.sigmoid, .silu, .gelu, .geluTanh, .tanh, .mish]
        for act in acts {
            let form = act.epilogueForm(1)
            let (e, at) = worst({ form.smooth.apply($0) }, { Double(act.apply(Float($0), channel: 0)) },
                                range: -30 ... 30, absFloor: 1e-3)
            XCTAssertLessThanOrEqual(e, 1e-6, "\(act): error \(e) at \(at)")
        }
    }
}
