/// Bicubic resampling (Keys cubic, a = −0.5) of all planes, including alpha, in float without
/// intermediate rounding. Two conventions are provided:
/// - ``bicubic(_:width:height:)`` follows Pillow's `Image.resize(size, Image.BICUBIC)`: pixel-centre
///   mapping, kernel widened by the scale when shrinking (antialiasing), taps outside the image
///   dropped and the remaining weights renormalised. Pillow rounds its intermediate pass to 8 bits and
///   uses fixed-point weights, so 8-bit results agree within ±1 LSB. (Pillow resamples RGBA as
///   premultiplied alpha; this function treats every plane, alpha included, independently.)
/// - ``matlabBicubic(_:scale:)`` follows MATLAB's `imresize(x, scale, 'bicubic')`: u = x/s + ½(1 − 1/s),
///   kernel widened by 1/s when shrinking, symmetric (reflect-with-edge) border padding, weights
///   normalised. This is the convention SR benchmarks use to make LR inputs.
public enum Resample {
    /// Which coordinate convention a bicubic resize follows.
    public enum Convention: String, Sendable {
        /// Pillow's `Image.resize(size, Image.BICUBIC)` (``bicubic(_:width:height:)``).
        case pillow
        /// MATLAB's `imresize(x, scale, 'bicubic')` (``matlabBicubic(_:scale:)``), as SR benchmarks use.
        case matlab
    }

    /// Keys' cubic convolution kernel with a = −0.5 (support [−2, 2]).
    @inlinable public static func cubic(_ x: Double) -> Double {
        let a = -0.5
        let t = abs(x)
        if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
        if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
        return 0
    }

    /// Pillow-compatible bicubic resize to `width`×`height` (antialiased when shrinking).
    public static func bicubic(_ image: Image, width: Int, height: Int) -> Image {
        bicubicPlan(from: (image.width, image.height), to: (width, height)).rows(of: image, 0..<height)
    }

    /// The weights of a Pillow-compatible bicubic resize between two sizes (width, height), to
    /// produce the result band by band or region by region (``ResamplePlan``).
    public static func bicubicPlan(from input: (Int, Int), to output: (Int, Int)) -> ResamplePlan {
        precondition(output.0 > 0 && output.1 > 0, "target size must be positive")
        return ResamplePlan(horizontal: pillowAxis(input: input.0, output: output.0),
                            vertical: pillowAxis(input: input.1, output: output.1))
    }

    /// The weights of a MATLAB-style bicubic resize by `scale` (see ``matlabBicubic(_:scale:)``).
    public static func matlabPlan(from input: (Int, Int), scale: Double) -> ResamplePlan {
        precondition(scale > 0, "scale must be positive")
        let ow = outputLength(input.0, scale), oh = outputLength(input.1, scale)
        return ResamplePlan(horizontal: matlabAxis(input: input.0, output: ow, scale: scale),
                            vertical: matlabAxis(input: input.1, output: oh, scale: scale))
    }

    /// MATLAB `imresize(x, scale, 'bicubic')`-compatible resize; the output is
    /// ⌈scale·width⌉ × ⌈scale·height⌉. Antialiased when `scale < 1`.
    public static func matlabBicubic(_ image: Image, scale: Double) -> Image {
        let plan = matlabPlan(from: (image.width, image.height), scale: scale)
        return plan.rows(of: image, 0..<plan.outputHeight)
    }

    /// MATLAB-style resize with an explicit output size; `scale` sets the coordinate mapping and the
    /// antialiasing width (as in MATLAB, where it is given alongside or derived from the size).
    public static func matlabBicubic(_ image: Image, width: Int, height: Int, scale: Double) -> Image {
        precondition(width > 0 && height > 0 && scale > 0, "target size and scale must be positive")
        let h = matlabAxis(input: image.width, output: width, scale: scale)
        let v = matlabAxis(input: image.height, output: height, scale: scale)
        return separable(image, horizontal: h, vertical: v)
    }

    /// ⌈length·scale⌉, tolerant of floating-point noise (e.g. 255 · (1/3)).
    static func outputLength(_ length: Int, _ scale: Double) -> Int {
        max(1, Int((Double(length) * scale - 1e-9).rounded(.up)))
    }

    // MARK: - Axis weights

    /// Weights for one axis: output i reads `taps` inputs `index[i*taps + k]` with `weight[i*taps + k]`.
    struct Axis: Sendable {
        var taps: Int
        var index: [Int]
        var weight: [Float]
        var count: Int { index.count / taps }
    }

    static func pillowAxis(input: Int, output: Int) -> Axis {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = 2 * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var index = [Int](repeating: 0, count: output * taps)
        var weight = [Float](repeating: 0, count: output * taps)
        var w = [Double]()  // one buffer for every output (plans for whole images are made per region)
        w.reserveCapacity(taps + 1)
        for i in 0..<output {
            let center = (Double(i) + 0.5) * scale
            // Pillow truncates toward zero (C cast) before clamping.
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), input)
            w.removeAll(keepingCapacity: true)
            for x in lo..<hi { w.append(cubic((Double(x) - center + 0.5) / filterScale)) }
            let sum = w.reduce(0, +)
            for (k, x) in (lo..<hi).enumerated() where k < taps {
                index[i * taps + k] = x
                weight[i * taps + k] = Float(sum != 0 ? w[k] / sum : 0)
            }
            for k in min(hi - lo, taps)..<taps { index[i * taps + k] = lo }
        }
        return Axis(taps: taps, index: index, weight: weight)
    }

    static func matlabAxis(input: Int, output: Int, scale: Double) -> Axis {
        let antialias = scale < 1
        let kernelWidth = antialias ? 4 / scale : 4
        let taps = Int(kernelWidth.rounded(.up)) + 2
        var index = [Int](repeating: 0, count: output * taps)
        var weight = [Float](repeating: 0, count: output * taps)
        for i in 0..<output {
            let x = Double(i + 1)                        // 1-based output coordinate
            let u = x / scale + 0.5 * (1 - 1 / scale)    // 1-based input coordinate
            let left = Int((u - kernelWidth / 2).rounded(.down))
            var w = [Double](repeating: 0, count: taps)
            for k in 0..<taps {
                let d = u - Double(left + k)
                w[k] = antialias ? scale * cubic(scale * d) : cubic(d)
            }
            let sum = w.reduce(0, +)
            for k in 0..<taps {
                index[i * taps + k] = symmetric(left + k - 1, input)
                weight[i * taps + k] = Float(sum != 0 ? w[k] / sum : 0)
            }
        }
        return Axis(taps: taps, index: index, weight: weight)
    }

    /// Symmetric (half-sample, edge repeated) reflection of a 0-based index into 0..<n.
    static func symmetric(_ i: Int, _ n: Int) -> Int {
        let period = 2 * n
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - 1 - m
    }

    // MARK: - Separable application

    /// Horizontal pass then vertical pass, Float accumulation, no rounding or clamping.
    static func separable(_ image: Image, horizontal h: Axis, vertical v: Axis) -> Image {
        ResamplePlan(horizontal: h, vertical: v).rows(of: image, 0..<v.count)
    }
}
