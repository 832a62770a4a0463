/// Encoder for the kitty terminal graphics protocol (APC `ESC _G <keys> ; <base64> ESC \`).
///
/// An image is transmitted (`a=t`, chunked) and then put (`a=p`) at the cursor, scaled to a cell
/// rectangle (`c`, `r`), with `C=1` so the cursor does not move and `q=2` so the terminal sends
/// no replies into the UI's input. Keeping the put separate lets tmux passthrough carry the
/// cursor move and the put in one sequence (tmux moves the outer cursor between sequences).
/// Each pane uses a fixed image id; drawing again first deletes that id with its data
/// (`a=d,d=I`), so scrubbing α never grows the terminal's image memory.
public enum KittyGraphics {
    /// Pixel format of the payload.
    public enum Format: Sendable {
        /// Raw 8-bit RGB (`f=24`), `width × height × 3` bytes.
        case rgb
        /// A PNG file (`f=100`), see ``PNGWriter``.
        case png
    }

    /// The largest base64 payload per escape sequence, as the protocol requires.
    public static let chunkSize = 4096

    /// ``transmit(_:id:format:)`` then ``put(id:row:column:columns:rows:)``: replaces image `id`
    /// with `image` and shows it with its top-left at 0-based screen cell (`row`, `column`),
    /// stretched over `columns × rows` cells (0 = natural size).
    public static func place(_ image: RGBImage, id: Int, row: Int, column: Int, columns: Int = 0, rows: Int = 0,
                             format: Format = .rgb) -> [UInt8] {
        transmit(image, id: id, format: format) + put(id: id, row: row, column: column, columns: columns, rows: rows)
    }

    /// Deletes image `id` and stores `image` under it without showing it (`a=t`).
    public static func transmit(_ image: RGBImage, id: Int, format: Format = .rgb) -> [UInt8] {
        var keys = "a=t,i=\(id),q=2"
        switch format {
        case .rgb: keys += ",f=24,s=\(image.width),v=\(image.height)"
        case .png: keys += ",f=100"
        }
        let payload = Base64.encode(format == .rgb ? image.bytes : PNGWriter.encode(image))
        return delete(id: id) + chunked(payload, firstKeys: keys)
    }

    /// Shows stored image `id` at 0-based cell (`row`, `column`) over `columns × rows` cells
    /// (0 = natural size); the cursor is saved and restored (`ESC 7` … `ESC 8`) around the move.
    public static func put(id: Int, row: Int, column: Int, columns: Int = 0, rows: Int = 0) -> [UInt8] {
        var keys = "a=p,i=\(id),q=2,C=1"
        if columns > 0 { keys += ",c=\(columns)" }
        if rows > 0 { keys += ",r=\(rows)" }
        return Array("\u{1B}7\u{1B}[\(row + 1);\(column + 1)H\u{1B}_G\(keys)\u{1B}\\\u{1B}8".utf8)
    }

    /// `payload` split into APC commands of at most ``chunkSize`` bytes: the first carries
    /// `firstKeys`, every one carries `m=1` except the last (`m=0`).
    static func chunked(_ payload: [UInt8], firstKeys: String) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(payload.count + payload.count / chunkSize * 16 + 64)
        var off = 0
        repeat {
            let end = min(off + chunkSize, payload.count)
            let more = end < payload.count ? 1 : 0
            let keys = off == 0 ? firstKeys + ",m=\(more)" : "m=\(more)"
            out += Array("\u{1B}_G\(keys);".utf8)
            out += payload[off..<end]
            out += [0x1B, 0x5C]
            off = end
        } while off < payload.count
        return out
    }

    /// Deletes image `id`, its placements and its stored data (`a=d,d=I`).
    public static func delete(id: Int) -> [UInt8] {
        Array("\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\".utf8)
    }

    /// The support query sent by detection: a 1×1 RGB image that is not stored (`a=q`); a kitty
    /// terminal answers `ESC _G i=31;OK ESC \`.
    public static let query = "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\"
}
