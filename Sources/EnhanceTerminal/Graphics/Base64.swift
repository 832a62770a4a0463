/// Standard base64 (RFC 4648, `+/`, `=` padding) as ASCII bytes, for graphics payloads.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The base64 text of `data`, `4 × ⌈n / 3⌉` ASCII bytes.
    public static func encode(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (data.count + 2) / 3 * 4)
        alphabet.withUnsafeBufferPointer { a in
            data.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer { o in
                    var i = 0, j = 0
                    while i + 3 <= d.count {
                        let v = Int(d[i]) << 16 | Int(d[i + 1]) << 8 | Int(d[i + 2])
                        o[j] = a[v >> 18]; o[j + 1] = a[(v >> 12) & 63]
                        o[j + 2] = a[(v >> 6) & 63]; o[j + 3] = a[v & 63]
                        i += 3; j += 4
                    }
                    let rest = d.count - i
                    if rest > 0 {
                        let v = Int(d[i]) << 16 | (rest == 2 ? Int(d[i + 1]) << 8 : 0)
                        o[j] = a[v >> 18]; o[j + 1] = a[(v >> 12) & 63]
                        o[j + 2] = rest == 2 ? a[(v >> 6) & 63] : 61
                        o[j + 3] = 61
                    }
                }
            }
        }
        return out
    }
}
