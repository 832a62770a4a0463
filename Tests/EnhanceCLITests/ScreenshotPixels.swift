import EnhanceImaging
import Foundation

/// Pixel measurements on screenshots for ``GraphicsEndToEndTests``: colour counts, bounding
/// boxes, the status bar, luma (0–255).
extension GraphicsEndToEndTests {
    struct Box: CustomStringConvertible {
        var x0: Int, y0: Int, x1: Int, y1: Int
        var width: Int { x1 - x0 }
        var height: Int { y1 - y0 }
        var description: String { "\(width)×\(height) at (\(x0), \(y0))" }
    }

    /// Number of pixels within `tolerance` of `c`.
    func count(_ c: (Int, Int, Int), in img: Image, _ tolerance: Int) -> Int {
        var n = 0
        for y in 0..<img.height { for x in 0..<img.width {
            if abs(Int((img[0, y, x] * 255).rounded()) - c.0) <= tolerance
                && abs(Int((img[1, y, x] * 255).rounded()) - c.1) <= tolerance
                && abs(Int((img[2, y, x] * 255).rounded()) - c.2) <= tolerance { n += 1 }
        } }
        return n
    }

    /// Bounding box of the pixels within `tolerance` of `c` (nil if fewer than 100).
    func find(_ c: (Int, Int, Int), in img: Image, _ tolerance: Int) -> Box? {
        var box = Box(x0: .max, y0: .max, x1: .min, y1: .min), n = 0
        for y in 0..<img.height { for x in 0..<img.width {
            let v = (0..<3).map { Int((img[$0, y, x] * 255).rounded()) }
            guard abs(v[0] - c.0) <= tolerance, abs(v[1] - c.1) <= tolerance, abs(v[2] - c.2) <= tolerance else { continue }
            n += 1
            box.x0 = min(box.x0, x); box.y0 = min(box.y0, y); box.x1 = max(box.x1, x + 1); box.y1 = max(box.y1, y + 1)
        } }
        return n >= 100 ? box : nil
    }

    /// Whether the bottom 40 pixel rows hold a light bar (≥ 1500 pixels of luma > 150).
    func statusBar(_ img: Image) -> Bool {
        var n = 0
        for y in max(img.height - 40, 0)..<img.height { for x in 0..<img.width where luma(img, x, y) > 150 { n += 1 } }
        return n >= 1500
    }

    func luma(_ img: Image, _ x: Int, _ y: Int) -> Double {
        (0.2126 * Double(img[0, y, x]) + 0.7152 * Double(img[1, y, x]) + 0.0722 * Double(img[2, y, x])) * 255
    }
}
