import EnhanceImaging
import Foundation
import XCTest
@testable import EnhanceTerminal

/// Encoders checked by independent decoders: `sixel2png` (libsixel) for sixel, Foundation's
/// base64 and libpng (through ``ImageFile``) for kitty and iTerm2 payloads.
final class GraphicsDecoderTests: XCTestCase {
    /// A smooth gradient with thousands of colours plus a sharp checker corner.
    func gradient(_ w: Int, _ h: Int) -> RGBImage {
        var b = [UInt8]()
        for y in 0..<h {
            for x in 0..<w {
                if x < 8 && y < 8 { b += (x + y) % 2 == 0 ? [255, 255, 255] : [0, 0, 0]; continue }
                b += [UInt8(x * 255 / max(w - 1, 1)), UInt8(y * 255 / max(h - 1, 1)), UInt8((x * 7 + y * 3) % 256)]
            }
        }
        return RGBImage(width: w, height: h, bytes: b)
    }

    /// Few distinct colours (stripes), so a sixel palette can hold them exactly.
    func stripes(_ w: Int, _ h: Int) -> RGBImage {
        let colours: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [12, 200, 99], [0, 0, 0]]
        var b = [UInt8]()
        for y in 0..<h { for x in 0..<w { b += colours[(x / 5 + y / 3) % colours.count] } }
        return RGBImage(width: w, height: h, bytes: b)
    }

    func tempFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("enh-gfx-\(UUID().uuidString)-\(name)").path
    }

    /// Decodes a sixel stream with `sixel2png` and reads the PNG with libpng.
    func decodeSixel(_ stream: [UInt8]) throws -> Image {
        let tool = "/usr/bin/sixel2png"
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw XCTSkip("sixel2png is missing (Debian libsixel-bin; make test installs it)")
        }
        let inPath = tempFile("in.six"), outPath = tempFile("out.png")
        defer { unlink(inPath); unlink(outPath) }
        try Data(stream).write(to: URL(fileURLWithPath: inPath))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["-i", inPath, "-o", outPath]
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "sixel2png failed")
        return try ImageFile.read(path: outPath)
    }

    /// Largest and mean absolute channel difference between `decoded` and `source`.
    func difference(_ decoded: Image, _ source: RGBImage) -> (max: Int, mean: Double) {
        var worst = 0, total = 0
        for y in 0..<source.height {
            for x in 0..<source.width {
                let s = source[x, y]
                for (c, v) in [s.r, s.g, s.b].enumerated() {
                    let d = abs(Int((decoded[c, y, x] * 255).rounded()) - Int(v))
                    worst = max(worst, d); total += d
                }
            }
        }
        return (worst, Double(total) / Double(source.width * source.height * 3))
    }

    func testSixelExactPaletteRoundTrip() throws {
        let src = stripes(37, 23)  // height not a multiple of 6, odd width
        let img = try decodeSixel(Sixel.encode(src))
        XCTAssertEqual(img.width, 37)
        XCTAssertEqual(img.height, 23)
        // Colour registers are in percent: at most 255/100/2 + rounding off.
        XCTAssertLessThanOrEqual(difference(img, src).max, 2)
    }

    /// A placed image over the terminal's sixel limit is cut at cells into images within it: 20×9
    /// cells of 7×15 px (140×135) under a 64×50 limit → at most 9 columns (63 px) and 3 rows
    /// (45 px) a piece, spread evenly: columns 0, 6, 13 and rows 0, 3, 6 (of the placement).
    func testSixelSplitsAnImageOverTheLimitAtCells() throws {
        let src = stripes(140, 135)
        let placed = PlacedImage(row: 2, column: 5, columns: 20, rows: 9, image: src, slot: 1)
        let limit = (width: 64, height: 50)
        let pieces = Sixel.split(placed, limit: limit)
        XCTAssertEqual(pieces.map { [$0.row, $0.column, $0.columns, $0.rows] }, [
            [2, 5, 6, 3], [2, 11, 7, 3], [2, 18, 7, 3],
            [5, 5, 6, 3], [5, 11, 7, 3], [5, 18, 7, 3],
            [8, 5, 6, 3], [8, 11, 7, 3], [8, 18, 7, 3],
        ])
        for piece in pieces {
            XCTAssertLessThanOrEqual(piece.image.width, limit.width)
            XCTAssertLessThanOrEqual(piece.image.height, limit.height)
            XCTAssertEqual(piece.image.width, piece.columns * 7)
            XCTAssertEqual(piece.image.height, piece.rows * 15)
            // Each piece, decoded by libsixel, is the source's pixels under its cells.
            let decoded = try decodeSixel(Sixel.encode(piece.image))
            let x0 = (piece.column - 5) * 7, y0 = (piece.row - 2) * 15
            var bytes = [UInt8]()
            for y in 0..<piece.image.height {
                for x in 0..<piece.image.width {
                    let c = src[x0 + x, y0 + y]
                    bytes += [c.r, c.g, c.b]
                }
            }
            let under = RGBImage(width: piece.image.width, height: piece.image.height, bytes: bytes)
            XCTAssertLessThanOrEqual(difference(decoded, under).max, 2, "piece at \(piece.row), \(piece.column)")
        }
        // The encoder places every piece at its cell (CUP is 1-based), one DCS each.
        var encoder = GraphicsEncoder(.sixel)
        encoder.sixelLimit = limit
        let out = String(decoding: encoder.draw(placed), as: UTF8.self)
        XCTAssertEqual(out.components(separatedBy: "\u{1B}P").count - 1, 9)
        for piece in pieces { XCTAssertTrue(out.contains("\u{1B}[\(piece.row + 1);\(piece.column + 1)H")) }
        // Within the limit (xterm's default 1000×1000 when the terminal does not say): one image.
        XCTAssertEqual(Sixel.split(placed, limit: Sixel.defaultLimit), [placed])
        XCTAssertEqual(GraphicsEncoder(.sixel).draw(placed), Sixel.place(src, row: 2, column: 5))
    }

    func testSixelQuantisedGradientRoundTrip() throws {
        for dither in [false, true] {
            let src = gradient(160, 96)
            let img = try decodeSixel(Sixel.encode(src, dither: dither))
            XCTAssertEqual(img.width, 160)
            XCTAssertEqual(img.height, 96)
            let d = difference(img, src)
            print("sixel gradient, dither \(dither): mean |error| \(d.mean), max \(d.max) (of 255)")
            // img2sixel -d none on this image: mean 8.19, max 38 (libsixel 1.10.3); ours 7.98, 48.
            XCTAssertLessThan(d.mean, dither ? 12 : 8.5, "dither \(dither): mean error \(d.mean)")
            XCTAssertLessThanOrEqual(d.max, 64, "dither \(dither)")
            // The checker corner survives exactly enough to be seen.
            XCTAssertGreaterThan(img[0, 0, 0], 0.9)
            XCTAssertLessThan(img[0, 0, 1], 0.1)
        }
    }

    func testSixelRunLengthEncodesFlatAreas() throws {
        let src = RGBImage(width: 300, height: 12, bytes: [UInt8](repeating: 200, count: 300 * 12 * 3))
        let s = Sixel.encode(src)
        XCTAssertLessThan(s.count, 100, "a flat image should be a few runs: \(String(decoding: s, as: UTF8.self))")
        let img = try decodeSixel(s)
        XCTAssertLessThanOrEqual(difference(img, src).max, 2)
    }

    /// The payload of kitty APC commands, the keys of the first transmitting one and of the put.
    func kittyPayload(_ bytes: [UInt8]) -> (keys: [String: String], payload: [UInt8], chunks: [Int]) {
        kittyCommands(bytes).0
    }

    func kittyCommands(_ bytes: [UInt8]) -> ((keys: [String: String], payload: [UInt8], chunks: [Int]), [String: String]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var keys = [String: String](), put = [String: String](), b64 = "", chunks = [Int]()
        for part in text.components(separatedBy: "\u{1B}_G").dropFirst() {
            guard let end = part.range(of: "\u{1B}\\") else { continue }
            let body = part[..<end.lowerBound]
            let fields = body.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            let kv = fields[0].split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
            let dict = Dictionary(kv.filter { $0.count == 2 }.map { ($0[0], $0[1]) }) { a, _ in a }
            if dict["a"] == "d" { continue }
            if dict["a"] == "p" { put = dict; continue }
            if keys.isEmpty { keys = dict }
            let data = fields.count > 1 ? String(fields[1]) : ""
            chunks.append(data.utf8.count)
            b64 += data
        }
        return ((keys, Array(Data(base64Encoded: b64) ?? Data()), chunks), put)
    }

    func testKittyRGBPayloadDecodesExactly() throws {
        let src = gradient(123, 45)
        let out = KittyGraphics.place(src, id: 7, row: 3, column: 4, columns: 12, rows: 5)
        let ((keys, payload, chunks), put) = kittyCommands(out)
        XCTAssertEqual(keys["a"], "t"); XCTAssertEqual(keys["f"], "24"); XCTAssertEqual(keys["i"], "7")
        XCTAssertEqual(keys["s"], "123"); XCTAssertEqual(keys["v"], "45")
        XCTAssertEqual(put["i"], "7"); XCTAssertEqual(put["c"], "12"); XCTAssertEqual(put["r"], "5")
        XCTAssertEqual(put["C"], "1")
        XCTAssertEqual(payload, src.bytes)
        XCTAssertTrue(chunks.allSatisfy { $0 <= 4096 }, "\(chunks)")
        XCTAssertGreaterThan(chunks.count, 1)
        let text = String(decoding: out, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("\u{1B}_Ga=d,d=I,i=7"), "old image of the id is deleted first")
        XCTAssertTrue(text.contains("\u{1B}7\u{1B}[4;5H\u{1B}_Ga=p,"), "put right after the cursor move")
        XCTAssertTrue(text.hasSuffix("\u{1B}8"), "cursor restored for ncurses")
        XCTAssertEqual(text.components(separatedBy: "m=0;").count, 2, "exactly one final chunk")
    }

    func testKittyAndITermPNGPayloadsDecodeExactly() throws {
        let src = gradient(77, 31)
        let (keys, kittyPNG, _) = kittyPayload(KittyGraphics.place(src, id: 1, row: 0, column: 0, format: .png))
        XCTAssertEqual(keys["f"], "100")
        let iterm = String(decoding: ITerm2Graphics.place(src, row: 1, column: 2, columns: 10, rows: 4), as: UTF8.self)
        let head = try XCTUnwrap(iterm.range(of: "\u{1B}]1337;File="))
        let colon = try XCTUnwrap(iterm.range(of: ":", range: head.upperBound..<iterm.endIndex))
        let bel = try XCTUnwrap(iterm.range(of: "\u{07}"))
        let args = iterm[head.upperBound..<colon.lowerBound]
        XCTAssertTrue(args.contains("inline=1") && args.contains("width=10") && args.contains("height=4"), "\(args)")
        let itermPNG = Array(try XCTUnwrap(Data(base64Encoded: String(iterm[colon.upperBound..<bel.lowerBound]))))
        XCTAssertTrue(args.contains("size=\(itermPNG.count)"))
        for png in [kittyPNG, itermPNG] {
            let path = tempFile("p.png")
            defer { unlink(path) }
            try Data(png).write(to: URL(fileURLWithPath: path))
            let img = try ImageFile.read(path: path)  // libpng
            XCTAssertEqual(img.width, 77); XCTAssertEqual(img.height, 31)
            XCTAssertEqual(difference(img, src).max, 0)
        }
    }

    func testBase64MatchesFoundation() {
        for n in 0..<10 {
            let d = (0..<(n * 7 + n % 3)).map { UInt8(truncatingIfNeeded: $0 * 37 + n) }
            XCTAssertEqual(String(decoding: Base64.encode(d), as: UTF8.self), Data(d).base64EncodedString())
        }
    }

    func testTmuxWrapDoublesEscapesPerCommand() {
        let inner = KittyGraphics.place(gradient(4, 4), id: 9, row: 0, column: 0)
        let enc = GraphicsEncoder(.kitty, tmuxPassthrough: true, idBase: 9)
        let wrappedBytes = enc.draw(PlacedImage(row: 0, column: 0, columns: 0, rows: 0, image: gradient(4, 4), slot: 0))
        let wrapped = String(decoding: wrappedBytes, as: UTF8.self)
        XCTAssertTrue(wrapped.hasPrefix("\u{1B}Ptmux;\u{1B}\u{1B}_Ga=d,d=I,i=9,q=2\u{1B}\u{1B}\\\u{1B}\\"), wrapped)
        XCTAssertTrue(wrapped.hasSuffix("\u{1B}Ptmux;\u{1B}\u{1B}7\u{1B}\u{1B}[1;1H\u{1B}\u{1B}_Ga=p,i=9,q=2,C=1\u{1B}\u{1B}\\"
                                        + "\u{1B}\u{1B}8\u{1B}\\"), "cursor move and put share one passthrough: \(wrapped)")
        // Unwrapping every passthrough sequence gives back the original bytes.
        var unwrapped = "", rest = Substring(wrapped)
        while let a = rest.range(of: "\u{1B}Ptmux;") {
            let body = rest[a.upperBound...]
            var end = body.startIndex, text = ""
            while true {
                let c = body[end], next = body.index(after: end)
                if c == "\u{1B}" && body[next] == "\u{1B}" { text.append("\u{1B}"); end = body.index(after: next); continue }
                if c == "\u{1B}" && body[next] == "\\" { rest = body[body.index(after: next)...]; break }
                text.append(c); end = next
            }
            unwrapped += text
        }
        XCTAssertEqual(unwrapped, String(decoding: inner, as: UTF8.self))
    }
}

/// The 1:1 copy path of `PixelGrid.sample` against direct indexing (alpha over the background).
final class PixelCopyTests: XCTestCase {
    func testIntegerWindowIsTheImagePixels() {
        var img = Image(width: 9, height: 5, hasAlpha: true)
        for c in 0..<4 { for y in 0..<5 { for x in 0..<9 { img[c, y, x] = Float((x * 3 + y * 7 + c * 5) % 11) / 10 } } }
        let bg: (Float, Float, Float) = (0.1, 0.2, 0.3)
        for (ox, oy) in [(0, 0), (3, -2), (-4, 2), (8, 4)] {
            let g = PixelGrid.sample(img, x: Double(ox), y: Double(oy), width: 6, height: 4, toWidth: 6, height: 4,
                                     background: bg)
            for y in 0..<4 { for x in 0..<6 {
                let sx = x + ox, sy = y + oy
                let inside = sx >= 0 && sx < 9 && sy >= 0 && sy < 5
                let a = inside ? img[3, sy, sx] : 0
                let want = [bg.0, bg.1, bg.2].enumerated().map { c, b in inside ? a * img[c, sy, sx] + (1 - a) * b : b }
                let got = g[x, y]
                XCTAssertEqual(got.0, want[0], accuracy: 1e-6); XCTAssertEqual(got.1, want[1], accuracy: 1e-6)
                XCTAssertEqual(got.2, want[2], accuracy: 1e-6)
            } }
        }
    }
}
