/// An 8-bit-per-channel sRGB colour as sent to a terminal.
public struct RGB8: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// Rounds float channels in [0, 1] (clamped) to the nearest 8-bit value.
    public init(unit r: Float, _ g: Float, _ b: Float) {
        self.init(RGB8.quantize(r), RGB8.quantize(g), RGB8.quantize(b))
    }

    /// `round(v * 255)` after clamping `v` to [0, 1]; NaN maps to 0.
    public static func quantize(_ v: Float) -> UInt8 {
        guard v > 0 else { return 0 }
        if v >= 1 { return 255 }
        return UInt8((v * 255).rounded())
    }

    public static let black = RGB8(0, 0, 0)
    public static let white = RGB8(255, 255, 255)

    public var description: String { "rgb(\(r),\(g),\(b))" }
}

/// How colours are sent to the terminal.
public enum ColorMode: String, Sendable, CaseIterable {
    /// 24-bit SGR `38;2;r;g;b` / `48;2;r;g;b`.
    case trueColor
    /// xterm 256-colour SGR `38;5;n` / `48;5;n`, using only the 6×6×6 cube and the grey ramp.
    case ansi256
    /// No colour escapes at all (NO_COLOR): images are drawn as black/white glyph masks.
    case none

    /// Chooses a mode from environment variables: `NO_COLOR` (any value) → ``none``;
    /// `COLORTERM` of `truecolor` or `24bit` → ``trueColor``; otherwise ``ansi256``.
    public static func detect(environment: [String: String]) -> ColorMode {
        if environment["NO_COLOR"] != nil { return .none }
        let ct = environment["COLORTERM"]?.lowercased() ?? ""
        if ct == "truecolor" || ct == "24bit" { return .trueColor }
        return .ansi256
    }

    /// Parses a `--color` value: `truecolor` or `24bit`, `256`, `none` (any case); nil otherwise.
    /// The one parse of colour names: the commands validate with it, ``resolve(option:environment:)``
    /// uses it.
    public init?(option: String) {
        switch option.lowercased() {
        case "truecolor", "24bit": self = .trueColor
        case "256": self = .ansi256
        case "none": self = .none
        default: return nil
        }
    }

    /// The mode `option` names (``init(option:)``), or ``detect(environment:)`` when `option` is
    /// nil or names none.
    public static func resolve(option: String?, environment: [String: String]) -> ColorMode {
        option.flatMap(ColorMode.init(option:)) ?? detect(environment: environment)
    }
}

/// The xterm 256-colour palette restricted to its terminal-independent part: indices 16–231
/// (6×6×6 cube with levels 0, 95, 135, 175, 215, 255) and 232–255 (greys 8, 18, …, 238).
public enum Palette256 {
    /// Channel levels of the colour cube.
    public static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The sRGB value of palette index `index` (16...255).
    public static func color(of index: UInt8) -> RGB8 {
        let i = Int(index)
        if i >= 232 {
            let v = UInt8(8 + 10 * (i - 232))
            return RGB8(v, v, v)
        }
        let c = max(i, 16) - 16
        return RGB8(UInt8(cubeLevels[c / 36]), UInt8(cubeLevels[(c / 6) % 6]), UInt8(cubeLevels[c % 6]))
    }

    /// The index (16...255) whose colour is nearest to `c` in squared RGB distance; ties favour the cube.
    public static func nearest(_ c: RGB8) -> UInt8 {
        let ri = nearestLevel(Int(c.r)), gi = nearestLevel(Int(c.g)), bi = nearestLevel(Int(c.b))
        let cubeIndex = 16 + 36 * ri + 6 * gi + bi
        let cubeErr = dist2(c, color(of: UInt8(cubeIndex)))
        // Nearest grey to the mean, then check its neighbours (distance is convex along the ramp).
        let mean = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let g0 = min(max((mean - 8 + 5) / 10, 0), 23)
        var bestGrey = 232 + g0
        var bestGreyErr = dist2(c, color(of: UInt8(bestGrey)))
        for g in [g0 - 1, g0 + 1] where g >= 0 && g <= 23 {
            let e = dist2(c, color(of: UInt8(232 + g)))
            if e < bestGreyErr { bestGreyErr = e; bestGrey = 232 + g }
        }
        return bestGreyErr < cubeErr ? UInt8(bestGrey) : UInt8(cubeIndex)
    }

    /// Index into ``cubeLevels`` of the level nearest to `v` (0...255); ties go to the lower level.
    static func nearestLevel(_ v: Int) -> Int {
        var best = 0
        for (i, l) in cubeLevels.enumerated() where abs(l - v) < abs(cubeLevels[best] - v) { best = i }
        return best
    }

    static func dist2(_ a: RGB8, _ b: RGB8) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }
}
