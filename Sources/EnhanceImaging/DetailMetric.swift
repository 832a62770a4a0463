extension Metrics {
    /// Mean gradient energy of the Y channel (BT.601, 16…235 scale), border shaved:
    /// the mean over interior pixels of `(Y[x+1,y] − Y[x,y])² + (Y[x,y+1] − Y[x,y])²`.
    /// A measure of high-frequency detail; compare an SR result with its ground truth by the ratio.
    public static func gradientEnergyY(_ image: Image, shave: Int, grayscale: Bool = false) -> Double {
        let p = grayscale ? grayValues(image, shave: shave) : lumaY(image, shave: shave)
        let w = p.width, h = p.height
        guard w > 1, h > 1 else { return 0 }
        var sum = 0.0
        for y in 0..<(h - 1) {
            for x in 0..<(w - 1) {
                let v = p.values[y * w + x]
                let dx = p.values[y * w + x + 1] - v, dy = p.values[(y + 1) * w + x] - v
                sum += dx * dx + dy * dy
            }
        }
        return sum / Double((w - 1) * (h - 1))
    }
}
