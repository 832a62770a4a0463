import EnhanceCheckpoints

/// Checked access to a checkpoint's canonical tensor shapes while a family reads its configuration
/// (``NetworkArchitecture/config(_:)``): a missing key or a wrong shape becomes a one-line
/// ``NetworkError`` naming the source. Whether every tensor is used is checked by the block tree.
struct ShapeReader {
    let shapes: TensorShapes
    let source: String

    func has(_ key: String) -> Bool { shapes[key] != nil }

    /// The shape of `key`.
    func shape(_ key: String) throws -> [Int] {
        guard let t = shapes[key] else { throw NetworkError(source, "missing tensor '\(key)'") }
        return t.shape
    }

    /// The length of 1-D `key`.
    func vectorLength(_ key: String) throws -> Int {
        let s = try shape(key)
        guard s.count == 1 else { throw NetworkError(source, "tensor '\(key)' has shape \(s), expected [n]") }
        return s[0]
    }

    /// Shape `[O, I, k, k]` of `prefix.weight`, validated as a square odd-kernel conv weight.
    func convShape(_ prefix: String) throws -> (out: Int, in: Int, k: Int) {
        let key = prefix + ".weight"
        let s = try shape(key)
        guard s.count == 4, s[2] == s[3], s[2] % 2 == 1, s[0] > 0, s[1] > 0 else {
            throw NetworkError(source, "tensor '\(key)' has shape \(s), expected a square odd-sized conv weight "
                               + "[O, I, k, k]")
        }
        return (s[0], s[1], s[2])
    }

    /// Throws unless `channels`, the image channels that `layer` reads or writes, are 3 (RGB).
    func requireRGB(_ channels: Int, _ layer: String) throws {
        guard channels == 3 else {
            throw NetworkError(source, "layer '\(layer)' works on \(channels) image channels; only RGB (3) networks "
                               + "are supported")
        }
    }

    /// Indices `i` for which `"\(prefix)\(i)\(suffix)"` exists, ascending.
    func indices(prefix: String, suffix: String) -> [Int] {
        var out = Set<Int>()
        for key in shapes.keys where key.hasPrefix(prefix) && key.hasSuffix(suffix) {
            if let i = Int(key.dropFirst(prefix.count).dropLast(suffix.count)) { out.insert(i) }
        }
        return out.sorted()
    }

    /// `indices(prefix:suffix:)`, which must be 0…n−1 (`first` … for other starts) and not empty.
    func consecutive(prefix: String, suffix: String, from first: Int = 0, what: String) throws -> Int {
        let found = indices(prefix: prefix, suffix: suffix)
        guard let last = found.last, found.first == first, found.count == last - first + 1 else {
            let gap = (first...(found.last ?? first)).first { !found.contains($0) } ?? first
            throw NetworkError(source, "missing tensor '\(prefix)\(gap)\(suffix)': \(what) must be numbered "
                               + "\(prefix)\(first)…\(prefix)n (found \(found.prefix(5)))")
        }
        return found.count
    }
}
