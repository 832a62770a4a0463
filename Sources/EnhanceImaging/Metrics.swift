/// Image-quality metrics as super-resolution papers compute them: on the BT.601 luma channel
/// Y = 16 + 65.481 R + 128.553 G + 24.966 B (R, G, B in [0, 1]; Y in [16, 235], not rounded),
/// after shaving `shave` pixels from every border, with peak 255.
///
/// Grayscale sources: with `grayscale: true` the R plane's gray value (0…255) is compared instead
/// of Y, as the MATLAB benchmark scripts do for single-channel files (Set14 `bridge`, see
/// ``ImageInfo/isGrayscale``); this is what makes Set14 bicubic ×4 come out at the published 26.00 dB.
public enum Metrics {
    /// The planes compared by ``psnrY(_:_:shave:grayscale:)`` / ``ssimY(_:_:shave:grayscale:)``.
    static func comparedPlanes(_ a: Image, _ b: Image, shave: Int, grayscale gray: Bool)
        -> (a: [Double], b: [Double], width: Int, height: Int) {
        let pa = gray ? grayValues(a, shave: shave) : lumaY(a, shave: shave)
        let pb = gray ? grayValues(b, shave: shave) : lumaY(b, shave: shave)
        return (pa.values, pb.values, pa.width, pa.height)
    }

    /// The R plane scaled to 0…255 (the gray value of a grayscale image), shaved.
    static func grayValues(_ image: Image, shave: Int) -> (values: [Double], width: Int, height: Int) {
        let w = image.width - 2 * shave, h = image.height - 2 * shave
        precondition(w > 0 && h > 0, "shave leaves no pixels")
        var v = [Double](repeating: 0, count: w * h)
        for row in 0..<h {
            for col in 0..<w {
                v[row * w + col] = 255 * Double(image.pixels[(row + shave) * image.width + col + shave])
            }
        }
        return (v, w, h)
    }

    /// BT.601 luma of the RGB planes in the 16…235 scale, row-major, with `shave` pixels cut off each side.
    public static func lumaY(_ image: Image, shave: Int = 0) -> (values: [Double], width: Int, height: Int) {
        let w = image.width - 2 * shave, h = image.height - 2 * shave
        precondition(w > 0 && h > 0, "shave leaves no pixels")
        let plane = image.planeSize
        var y = [Double](repeating: 0, count: w * h)
        for row in 0..<h {
            for col in 0..<w {
                let i = (row + shave) * image.width + col + shave
                let r = Double(image.pixels[i]), g = Double(image.pixels[plane + i])
                let b = Double(image.pixels[2 * plane + i])
                y[row * w + col] = 16 + 65.481 * r + 128.553 * g + 24.966 * b
            }
        }
        return (y, w, h)
    }

    /// PSNR in dB between the Y channels of `a` and `b` (same size), peak 255; +∞ when identical.
    public static func psnrY(_ a: Image, _ b: Image, shave: Int, grayscale: Bool = false) -> Double {
        precondition(a.width == b.width && a.height == b.height, "PSNR needs equal sizes")
        let (ya, yb, _, _) = comparedPlanes(a, b, shave: shave, grayscale: grayscale)
        var sum = 0.0
        for i in ya.indices { let d = ya[i] - yb[i]; sum += d * d }
        let mse = sum / Double(ya.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// Mean SSIM between the Y channels (Wang et al. 2004): 11×11 Gaussian window σ = 1.5, valid
    /// region only, K1 = 0.01, K2 = 0.03, L = 255.
    public static func ssimY(_ a: Image, _ b: Image, shave: Int, grayscale: Bool = false) -> Double {
        precondition(a.width == b.width && a.height == b.height, "SSIM needs equal sizes")
        let (x, y, w, h) = comparedPlanes(a, b, shave: shave, grayscale: grayscale)
        return ssim(x, y, width: w, height: h)
    }

    /// Mean SSIM of two single-channel 0…255 planes (row-major), valid 11×11 Gaussian windows.
    public static func ssim(_ x: [Double], _ y: [Double], width: Int, height: Int) -> Double {
        let c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255)
        let g = gaussian(size: 11, sigma: 1.5)
        let mx = filterValid(x, width, height, g), my = filterValid(y, width, height, g)
        let sxx = filterValid(zip(x, x).map(*), width, height, g)
        let syy = filterValid(zip(y, y).map(*), width, height, g)
        let sxy = filterValid(zip(x, y).map(*), width, height, g)
        guard !mx.isEmpty else { return .nan }
        var total = 0.0
        for i in mx.indices {
            let mux = mx[i], muy = my[i]
            let vx = sxx[i] - mux * mux, vy = syy[i] - muy * muy, cov = sxy[i] - mux * muy
            total += ((2 * mux * muy + c1) * (2 * cov + c2)) / ((mux * mux + muy * muy + c1) * (vx + vy + c2))
        }
        return total / Double(mx.count)
    }

    static func gaussian(size: Int, sigma: Double) -> [Double] {
        let half = Double(size - 1) / 2
        let g = (0..<size).map { exp(-(Double($0) - half) * (Double($0) - half) / (2 * sigma * sigma)) }
        let s = g.reduce(0, +)
        return g.map { $0 / s }
    }

    /// Separable 2-D correlation keeping only positions where the window fits.
    static func filterValid(_ p: [Double], _ w: Int, _ h: Int, _ k: [Double]) -> [Double] {
        let n = k.count, ow = w - n + 1, oh = h - n + 1
        guard ow > 0, oh > 0 else { return [] }
        var rows = [Double](repeating: 0, count: h * ow)
        for y in 0..<h {
            for x in 0..<ow {
                var acc = 0.0
                for j in 0..<n { acc += p[y * w + x + j] * k[j] }
                rows[y * ow + x] = acc
            }
        }
        var out = [Double](repeating: 0, count: oh * ow)
        for y in 0..<oh {
            for j in 0..<n {
                let kj = k[j], base = (y + j) * ow
                for x in 0..<ow { out[y * ow + x] += rows[base + x] * kj }
            }
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
