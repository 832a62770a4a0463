import EnhanceCheckpoints

/// A strict walk of an `.onnx` file's protobuf wire format that leaves the weights where they are.
///
/// It walks `ModelProto`, its `graph` (field 7) and the graph's `initializer`s (field 5), and
/// returns the model re-encoded without the initializers' `raw_data` (field 9): the **skeleton**,
/// a few hundred kB for a 67 MB model, which swift-protobuf then decodes (nodes, inputs, outputs,
/// each initializer's name, dims, type, typed values and external data entries), together with the
/// byte range of each initializer's `raw_data` in the file, in the order of `graph.initializer`.
/// Every other field is copied as it is (in runs: one read per run of fields); `raw_data` is only
/// skipped, never read.
///
/// Every tag, varint and length walked is checked before it is used: a truncated varint or one over
/// 64 bits, field number 0, a length past the end of its message, a group or an unknown wire type,
/// and a `graph`, `initializer` or `raw_data` that is not length-delimited are each a one-line
/// ``CheckpointError`` (`not an ONNX model (malformed protobuf: … at byte N)`). Repeated
/// occurrences merge as protobuf merges them: initializers of a second `graph` follow the first's,
/// and of two `raw_data` in one tensor the last counts.
struct ONNXWireScan {
    /// The model without its initializers' `raw_data`.
    var skeleton: [UInt8] = []
    /// For each initializer in `graph.initializer` order, the bytes of its `raw_data` (nil: none).
    var rawData: [Range<Int>?] = []

    /// Scans all of `bytes`.
    static func scan(_ bytes: ONNXBytes) throws -> ONNXWireScan {
        var walker = Walker(bytes: bytes)
        let skeleton = try walker.message(0 ..< bytes.count, .model)
        return ONNXWireScan(skeleton: skeleton, rawData: walker.rawData)
    }

    /// The three messages walked; everything else is copied.
    enum Level {
        case model, graph, tensor

        /// The level of a length-delimited field walked into, with its name.
        func child(_ field: UInt64) -> (Level, String)? {
            switch (self, field) {
            case (.model, 7): (.graph, "ModelProto.graph")
            case (.graph, 5): (.tensor, "GraphProto.initializer")
            default: nil
            }
        }
    }

    private struct Walker {
        let bytes: ONNXBytes
        var rawData: [Range<Int>?] = []
        /// The bytes at `base ..< base + filled`: tags and lengths are read through it.
        private var window = [UInt8](repeating: 0, count: 4096)
        private var base = 0, filled = 0

        init(bytes: ONNXBytes) { self.bytes = bytes }

        func fail(_ problem: String, at offset: Int) -> CheckpointError {
            CheckpointError(file: bytes.path, "not an ONNX model (malformed protobuf: \(problem) at byte \(offset))")
        }

        mutating func byte(_ i: Int) throws -> UInt8 {
            if i < base || i >= base + filled {
                (base, filled) = (i, min(window.count, bytes.count - i))
                try window.withUnsafeMutableBytes {
                    try bytes.read(at: i, into: .init(rebasing: $0[..<filled]), "protobuf field")
                }
            }
            return window[i - base]
        }

        /// The varint at `p` (before `end`), `p` moved past it.
        mutating func varint(_ p: inout Int, end: Int, _ what: String) throws -> UInt64 {
            let start = p
            var value: UInt64 = 0
            for k in 0..<10 {
                guard p < end else { throw fail("truncated \(what)", at: start) }
                let b = try byte(p)
                p += 1
                if k == 9 && b > 1 { break }
                value |= UInt64(b & 0x7f) << (7 * k)
                if b < 0x80 { return value }
            }
            throw fail("\(what) over 64 bits", at: start)
        }

        /// The skeleton of the message in `range`, a message of `level`.
        mutating func message(_ range: Range<Int>, _ level: Level) throws -> [UInt8] {
            var out: [UInt8] = []
            var p = range.lowerBound, copied = p
            var raw: Range<Int>?
            /// Copies the fields since the last one left out.
            func flush(_ to: Int, _ out: inout [UInt8]) throws {
                if to > copied { try bytes.append(at: copied, length: to - copied, to: &out, "protobuf fields") }
            }
            while p < range.upperBound {
                let start = p
                let tag = try varint(&p, end: range.upperBound, "field tag")
                let (field, wire) = (tag >> 3, tag & 7)
                guard field >= 1, field < 1 << 29 else { throw fail("field number \(field)", at: start) }
                let child = level.child(field)
                let isRaw = level == .tensor && field == 9
                if (child != nil || isRaw) && wire != 2 {
                    let name = child?.1 ?? "TensorProto.raw_data"
                    throw fail("\(name) (field \(field)) has wire type \(wire), not a length-delimited field",
                               at: start)
                }
                switch wire {
                case 0:
                    _ = try varint(&p, end: range.upperBound, "varint of field \(field)")
                case 1, 5:
                    let size = wire == 1 ? 8 : 4
                    guard range.upperBound - p >= size else {
                        throw fail("truncated \(size)-byte value of field \(field)", at: start)
                    }
                    p += size
                case 2:
                    let length = try varint(&p, end: range.upperBound, "length of field \(field)")
                    guard length <= UInt64(range.upperBound - p) else {
                        throw fail("field \(field) of \(length) bytes runs past the end of its message "
                                   + "(\(range.upperBound - p) bytes left)", at: start)
                    }
                    let body = p ..< p + Int(length)
                    p = body.upperBound
                    if let (inner, _) = child {
                        try flush(start, &out)
                        let encoded = try message(body, inner)
                        Self.appendVarint(tag, to: &out)
                        Self.appendVarint(UInt64(encoded.count), to: &out)
                        out += encoded
                        copied = p
                    } else if isRaw {
                        try flush(start, &out)
                        raw = body
                        copied = p
                    }
                default:
                    throw fail("wire type \(wire) of field \(field) (groups and unknown types are not read)", at: start)
                }
            }
            try flush(range.upperBound, &out)
            if level == .tensor { rawData.append(raw) }
            return out
        }

        static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
            var v = value
            while v >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
    }
}
