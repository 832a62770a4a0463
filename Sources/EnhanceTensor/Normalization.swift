// Normalisations and pooling over CHW tensors.

/// Layer normalisation over the channels of each pixel (CHW): `y[c] = (x[c] − μ) / √(σ² + eps) · weight[c]
/// + bias[c]` with μ, σ² the mean and (biased) variance of the pixel's C values — PyTorch
/// `LayerNorm(C)` on `x.permute(0, 2, 3, 1)`, ONNX `LayerNormalization` over axis 1 of NHWC.
/// Pixels go 16 at a time, rows of pixels spread over `pool`.
public func layerNormChannels(_ x: Tensor, weight: [Float], bias: [Float], eps: Float = 1e-5,
                              pool: ThreadPool? = nil) -> Tensor {
    x.require(.chw, "layerNormChannels")
    let c = x.channels, plane = x.planeSize
    precondition(weight.count == c && bias.count == c, "layerNormChannels: weight/bias need \(c) values")
    typealias V = SIMD16<Float>
    return x.data.withUnsafeBufferPointer { src in weight.withUnsafeBufferPointer { wt in
        bias.withUnsafeBufferPointer { bs in
            makeTensor(channels: c, height: x.height, width: x.width) { dst in
                let s = src.baseAddress!, blocks = (plane + 15) / 16
                func block(_ b: Int) {
                    let i = b * 16, valid = min(16, plane - i)
                    @inline(__always) func load(_ ch: Int) -> V {
                        if valid == 16 { return UnsafeRawPointer(s + ch * plane + i).loadUnaligned(as: V.self) }
                        var v = V()
                        for l in 0..<valid { v[l] = s[ch * plane + i + l] }
                        return v
                    }
                    var sum = V()
                    for ch in 0..<c { sum += load(ch) }
                    let mean = sum / Float(c)
                    var sq = V()
                    for ch in 0..<c { let d = load(ch) - mean; sq.addProduct(d, d) }
                    let rstd = 1 / (sq / Float(c) + eps).squareRoot()
                    for ch in 0..<c {
                        let y = (load(ch) - mean) * rstd * wt[ch] + bs[ch]
                        if valid == 16 {
                            UnsafeMutableRawPointer(dst + ch * plane + i).storeBytes(of: y, as: V.self)
                        } else {
                            for l in 0..<valid { dst[ch * plane + i + l] = y[l] }
                        }
                    }
                }
                if let pool, plane * c >= 1 << 15 { pool.parallelFor(blocks, block) } else {
                    for b in 0..<blocks { block(b) }
                }
            }
        }
    } }
}

/// Per-channel sums `(Σ x, Σ (x − m[c])²)` of a CHW tensor's planes, for `m` the given centres (nil:
/// the second sum is not computed). Float vectors over runs of 1024, accumulated in double.
func channelSums(_ x: Tensor, centres m: [Double]?, pool: ThreadPool?) -> [(Double, Double)] {
    var out = [(Double, Double)](repeating: (0, 0), count: x.channels)
    let plane = x.planeSize
    x.data.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { res in
        func channel(_ c: Int) {
            let p = src.baseAddress! + c * plane, centre = Float(m?[c] ?? 0)
            var s1 = 0.0, s2 = 0.0, i = 0
            while i < plane {
                let end = min(plane, i + 1024)
                var a = SIMD16<Float>(), b = SIMD16<Float>()
                while i + 16 <= end {
                    let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
                    a += v
                    if m != nil { let d = v - centre; b.addProduct(d, d) }
                    i += 16
                }
                var ta = a.sum(), tb = b.sum()
                while i < end { ta += p[i]; tb += (p[i] - centre) * (p[i] - centre); i += 1 }
                s1 += Double(ta); s2 += Double(tb)
            }
            res[c] = (s1, m == nil ? 0 : s2)
        }
        spread(x.channels, over: pool, channel)
    } }
    return out
}

/// Group normalisation (CHW): channels in `groups` consecutive groups; each group's C/G·H·W values
/// normalised by their own mean and (biased) variance, then `· weight[c] + bias[c]` per channel —
/// PyTorch `GroupNorm(groups, C, eps)`. Statistics are two-pass, accumulated in double
/// (``groupMoments(_:groups:pool:)``, then ``groupNorm(_:moments:weight:bias:eps:pool:)``).
public func groupNorm(_ x: Tensor, groups: Int, weight: [Float], bias: [Float], eps: Float = 1e-5,
                      pool: ThreadPool? = nil) -> Tensor {
    groupNorm(x, moments: groupMoments(x, groups: groups, pool: pool), weight: weight, bias: bias, eps: eps,
              pool: pool)
}

/// Each channel group's mean and (biased) variance over a CHW tensor's `C/G·H·W` values, the
/// statistics ``groupNorm(_:groups:weight:bias:eps:pool:)`` normalises by: `groups` means, then
/// `groups` variances. Two-pass, accumulated in double. CHW or ``TensorLayout/packed16``.
public func groupMoments(_ x: Tensor, groups: Int, pool: ThreadPool? = nil) -> [Double] {
    let c = x.channels, per = c / max(groups, 1)
    precondition(groups >= 1 && c % groups == 0, "groupNorm: \(groups) groups do not divide \(c) channels")
    let n = Double(per * x.planeSize)
    let channelSums = x.layout == .packed16 ? packedChannelSums : EnhanceTensor.channelSums
    let sums = channelSums(x, nil, pool)
    let means = (0..<groups).map { g in sums[(g * per)..<((g + 1) * per)].reduce(0) { $0 + $1.0 } / n }
    let centred = channelSums(x, (0..<c).map { means[$0 / per] }, pool)
    return means + (0..<groups).map { g in centred[(g * per)..<((g + 1) * per)].reduce(0) { $0 + $1.1 } / n }
}

/// Group normalisation by given statistics (CHW or ``TensorLayout/packed16``, the result in `x`'s
/// layout): `moments` holds G group means then G variances (``groupMoments(_:groups:pool:)``, of
/// this map or another: a whole image's, replayed on a tile); each channel becomes
/// `(x − mean) / √(variance + eps) · weight[c] + bias[c]`.
public func groupNorm(_ x: Tensor, moments: [Double], weight: [Float], bias: [Float], eps: Float = 1e-5,
                      pool: ThreadPool? = nil) -> Tensor {
    let c = x.channels, groups = moments.count / 2
    precondition(groups >= 1 && moments.count == 2 * groups && c % groups == 0,
                 "groupNorm: \(moments.count) moments for \(c) channels")
    precondition(weight.count == c && bias.count == c, "groupNorm: weight/bias need \(c) values")
    let per = c / groups
    var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
    for g in 0..<groups {
        let mean = moments[g], rstd = 1 / (moments[groups + g] + Double(eps)).squareRoot()
        for ch in (g * per)..<((g + 1) * per) {
            scale[ch] = Float(rstd * Double(weight[ch]))
            shift[ch] = Float(Double(bias[ch]) - mean * rstd * Double(weight[ch]))
        }
    }
    let packed = x.layout == .packed16
    return scale.withUnsafeBufferPointer { sc in shift.withUnsafeBufferPointer { sh in
        mapVectors(x, pool: pool) { v, unit, dst, i, valid in
            // CHW: `unit` is the channel; packed16: the 16-channel group, one channel per lane.
            let y = packed
                ? v * UnsafeRawPointer(sc.baseAddress! + 16 * unit).loadUnaligned(as: SIMD16<Float>.self)
                    + UnsafeRawPointer(sh.baseAddress! + 16 * unit).loadUnaligned(as: SIMD16<Float>.self)
                : v * sc[unit] + sh[unit]
            if valid == 16 {
                UnsafeMutableRawPointer(dst + i).storeBytes(of: y, as: SIMD16<Float>.self)
            } else {
                for l in 0..<valid { dst[i + l] = y[l] }
            }
        }
    } }
}

/// The mean of each channel plane (CHW or ``TensorLayout/packed16`` in, CHW `[C, 1, 1]` out): PyTorch
/// `AdaptiveAvgPool2d(1)`, ONNX `GlobalAveragePool` (channel attention).
public func globalAveragePool(_ x: Tensor, pool: ThreadPool? = nil) -> Tensor {
    let n = Double(max(x.planeSize, 1))
    if x.layout == .packed16 { return packedChannelMeans(x, count: n, pool: pool) }
    x.require(.chw, "globalAveragePool")
    return Tensor(channels: x.channels, height: 1, width: 1,
                  data: channelSums(x, centres: nil, pool: pool).map { Float($0.0 / n) })
}

/// ``globalAveragePool(_:pool:)`` of a packed tensor.
private func packedChannelMeans(_ x: Tensor, count n: Double, pool: ThreadPool?) -> Tensor {
    Tensor(channels: x.channels, height: 1, width: 1,
           data: packedChannelSums(x, centres: nil, pool: pool).map { Float($0.0 / n) })
}

/// ``channelSums(_:centres:pool:)`` of a ``TensorLayout/packed16`` tensor: each 16-channel group's
/// pixel vectors (16 channels at once) summed in runs of 1024 (float), the runs in double.
func packedChannelSums(_ x: Tensor, centres m: [Double]?, pool: ThreadPool?) -> [(Double, Double)] {
    x.require(.packed16, "packedChannelSums")
    let plane = x.planeSize, groups = x.channels / 16
    var out = [(Double, Double)](repeating: (0, 0), count: x.channels)
    x.data.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { res in
        func group(_ g: Int) {
            let p = UnsafeRawPointer(src.baseAddress! + g * plane * 16)
            var centre = SIMD16<Float>()
            if let m { for l in 0..<16 { centre[l] = Float(m[16 * g + l]) } }
            var t1 = SIMD16<Double>(), t2 = SIMD16<Double>(), i = 0
            while i < plane {
                let end = min(plane, i + 1024)
                var a = SIMD16<Float>(), b = SIMD16<Float>()
                while i < end {
                    let v = p.loadUnaligned(fromByteOffset: 64 * i, as: SIMD16<Float>.self)
                    a += v
                    if m != nil { let d = v - centre; b.addProduct(d, d) }
                    i += 1
                }
                t1 += SIMD16<Double>(a)
                t2 += SIMD16<Double>(b)
            }
            for l in 0..<16 { res[16 * g + l] = (t1[l], t2[l]) }
        }
        spread(groups, over: pool, group)
    } }
    return out
}
