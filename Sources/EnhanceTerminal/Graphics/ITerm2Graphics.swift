/// Encoder for iTerm2 inline images (`OSC 1337 ; File=… : <base64 PNG> BEL`), also understood by
/// WezTerm, mintty and Konsole.
public enum ITerm2Graphics {
    /// Escapes that draw `image` with its top-left at 0-based screen cell (`row`, `column`),
    /// stretched over exactly `columns × rows` cells (aspect not preserved: the caller sized the
    /// pixels for that area). The cursor, which the image moves, is saved and restored.
    public static func place(_ image: RGBImage, row: Int, column: Int, columns: Int, rows: Int) -> [UInt8] {
        let png = PNGWriter.encode(image)
        var out = Array("\u{1B}7\u{1B}[\(row + 1);\(column + 1)H".utf8)
        out += Array("\u{1B}]1337;File=inline=1;size=\(png.count);width=\(columns);height=\(rows);".utf8)
        out += Array("preserveAspectRatio=0:".utf8)
        out += Base64.encode(png)
        out += [0x07]
        out += Array("\u{1B}8".utf8)
        return out
    }
}
