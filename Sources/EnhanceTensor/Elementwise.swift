/// Element-wise binary operations.
public enum BinaryOp: Sendable {
    case add, sub, mul

    @inline(__always) func apply(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        }
    }
}

/// `a ⊕ b` element-wise for tensors of one shape and layout (the result has theirs).
public func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp, pool: ThreadPool? = nil) -> Tensor {
    b.require(a.layout, "binary")
    precondition(a.channels == b.channels && a.height == b.height && a.width == b.width, "binary: shape mismatch")
    return b.data.withUnsafeBufferPointer { pb in
        let rb = UnsafeRawPointer(pb.baseAddress!)
        return mapVectors(a, pool: pool) { v, _, dst, i, valid in
            if valid == 16 {
                let w = rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(dst + i).storeBytes(of: op.apply(v, w), as: SIMD16<Float>.self)
            } else {
                var w = SIMD16<Float>()
                for l in 0..<valid { w[l] = pb[i + l] }
                let r = op.apply(v, w)
                for l in 0..<valid { dst[i + l] = r[l] }
            }
        }
    }
}

/// `a ⊕ v[c]` with one value per channel (`v.count` = C; PyTorch's `x ⊕ v.view(1, C, 1, 1)`), in the
/// layout of `a` (CHW or ``TensorLayout/packed16``).
public func binary(_ a: Tensor, perChannel v: [Float], _ op: BinaryOp, pool: ThreadPool? = nil) -> Tensor {
    precondition(v.count == a.channels, "binary: \(v.count) values for \(a.channels) channels")
    let packed = a.layout == .packed16
    return v.withUnsafeBufferPointer { pv in
        mapVectors(a, pool: pool) { x, c, dst, i, valid in
            let s = packed ? UnsafeRawPointer(pv.baseAddress! + 16 * c).loadUnaligned(as: SIMD16<Float>.self)
                : SIMD16(repeating: pv[c])
            store(op.apply(x, s), dst, i, valid)
        }
    }
}

/// `a ⊕ s` for a scalar `s`, in the layout of `a`.
public func binary(_ a: Tensor, scalar s: Float, _ op: BinaryOp, pool: ThreadPool? = nil) -> Tensor {
    mapVectors(a, pool: pool) { x, _, dst, i, valid in store(op.apply(x, SIMD16(repeating: s)), dst, i, valid) }
}

/// `a + b` (same shape and layout).
public func add(_ a: Tensor, _ b: Tensor, pool: ThreadPool? = nil) -> Tensor { binary(a, b, .add, pool: pool) }
/// `a − b` (same shape and layout).
public func sub(_ a: Tensor, _ b: Tensor, pool: ThreadPool? = nil) -> Tensor { binary(a, b, .sub, pool: pool) }
/// `a · b` (same shape and layout).
public func mul(_ a: Tensor, _ b: Tensor, pool: ThreadPool? = nil) -> Tensor { binary(a, b, .mul, pool: pool) }

/// The first `valid` lanes of `v` at `dst + i`.
@inline(__always)
private func store(_ v: SIMD16<Float>, _ dst: UnsafeMutablePointer<Float>, _ i: Int, _ valid: Int) {
    if valid == 16 {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: v, as: SIMD16<Float>.self)
    } else {
        for l in 0..<valid { dst[i + l] = v[l] }
    }
}

extension Tensor {
    /// Channels `range` as a tensor of this layout (a copy; for ``TensorLayout/packed16`` the bounds
    /// must be multiples of 16). PyTorch `x[:, a:b]`, ONNX `Slice` on axis 1.
    public func channels(_ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= channels, "Tensor.channels: \(range) outside")
        precondition(layout == .chw || (range.lowerBound % 16 == 0 && range.upperBound % 16 == 0),
                     "Tensor.channels: packed16 slices need 16-channel bounds")
        if range == 0..<channels { return self }
        let plane = planeSize
        return data.withUnsafeBufferPointer { src in
            makeTensor(channels: range.count, height: height, width: width, layout: layout) { dst in
                dst.update(from: src.baseAddress! + range.lowerBound * plane, count: range.count * plane)
            }
        }
    }

    /// Consecutive channel groups of the given sizes (summing to ``channels``): PyTorch
    /// `torch.split(x, sizes, dim=1)`, ONNX `Split` on axis 1.
    public func splitChannels(_ sizes: [Int]) -> [Tensor] {
        precondition(sizes.reduce(0, +) == channels, "splitChannels: sizes \(sizes) do not sum to \(channels)")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return channels(start..<(start + n))
        }
    }
}
