import Foundation

/// The `enhance:*` record as an XMP packet, for JPEG (APP1), where PNG uses text chunks: each
/// `enhance:NAME` entry is the simple property `NAME` of the namespace ``namespace`` (prefix
/// `enhance`), which exiftool shows as `XMP-enhance:NAME`.
public enum XMP {
    /// The namespace URI of the `enhance` properties (the reserved `.invalid` domain: never resolved).
    public static let namespace = "https://enhance.invalid/xmp/1.0/"
    static let prefix = "enhance:"

    /// The packet for the `enhance:*` entries of `text` (other entries, and names that are not XML
    /// names, are left out), or nil when there are none.
    public static func packet(_ text: [String: String]) -> [UInt8]? {
        let entries = text.filter { $0.key.hasPrefix(prefix) && isName($0.key.dropFirst(prefix.count)) }
            .sorted { $0.key < $1.key }
        guard !entries.isEmpty else { return nil }
        var xml = "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
            + "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
            + " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
            + "  <rdf:Description rdf:about=\"\" xmlns:enhance=\"\(namespace)\">\n"
        for (key, value) in entries {
            xml += "   <\(key)>\(escape(value))</\(key)>\n"
        }
        xml += "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>"
        return Array(xml.utf8)
    }

    /// The `enhance:*` entries of an XMP packet: the simple properties of ``namespace`` (under
    /// whatever prefix the packet binds it to), written as elements or as attributes.
    public static func properties(_ packet: [UInt8]) -> [String: String] {
        let xml = String(decoding: packet, as: UTF8.self)
        guard let local = boundPrefix(xml) else { return [:] }
        var out: [String: String] = [:]
        // Elements: <p:NAME>value</p:NAME>
        var rest = Substring(xml)
        while let open = rest.range(of: "<" + local + ":") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: ">") else { break }
            let name = after[..<close]
            rest = after[close...]
            guard isName(name), let end = rest.range(of: "</" + local + ":" + name + ">") else { continue }
            out[prefix + name] = unescape(String(rest.dropFirst()[..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        // Attributes: p:NAME="value" (or 'value')
        rest = Substring(xml)
        while let at = rest.range(of: local + ":") {
            let before = rest[..<at.lowerBound].last
            let after = rest[at.upperBound...]
            rest = after
            guard before == " " || before == "\n" || before == "\t" || before == "\r",
                  let eq = after.firstIndex(of: "="), isName(after[..<eq]),
                  let quote = after[after.index(after: eq)...].first, quote == "\"" || quote == "'" else { continue }
            let valueStart = after.index(eq, offsetBy: 2)
            guard let valueEnd = after[valueStart...].firstIndex(of: quote) else { break }
            out[prefix + after[..<eq]] = unescape(String(after[valueStart..<valueEnd]))
            rest = after[valueEnd...]
        }
        return out
    }

    /// The prefix `xmlns:PREFIX="namespace"` binds in `xml`.
    private static func boundPrefix(_ xml: String) -> String? {
        for quote in ["\"", "'"] {
            guard let r = xml.range(of: "=" + quote + namespace + quote) else { continue }
            let head = xml[..<r.lowerBound]
            guard let colon = head.range(of: "xmlns:", options: .backwards) else { continue }
            let name = head[colon.upperBound...]
            if isName(name) { return String(name) }
        }
        return nil
    }

    /// An XML name without a colon: a letter or `_`, then letters, digits, `-`, `.` or `_`.
    static func isName(_ s: Substring) -> Bool {
        guard let first = s.first, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case _ where ch.value < 0x20 && ch != "\n" && ch != "\t": out += "?"  // not allowed in XML 1.0
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = "", rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let hex = entity.hasPrefix("#x") || entity.hasPrefix("#X")
                let digits = entity.dropFirst(hex ? 2 : 1)
                if entity.hasPrefix("#"), let v = UInt32(digits, radix: hex ? 16 : 10), let u = Unicode.Scalar(v) {
                    out.unicodeScalars.append(u)
                } else {
                    out += "&" + entity + ";"
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
