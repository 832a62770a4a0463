import EnhanceCheckpoints

extension SPAN {
    /// An inference export (spandrel's eval forward runs each `Conv3XC` as its fused `eval_conv`)
    /// keeps only `eval_conv` of each; the branches are made here so that they fuse to it exactly
    /// (``fuse(_:in:out:)``): `conv.0` passes the input to the first `in` of its `2·in` channels,
    /// `conv.1` holds the fused weight and bias in its first `out` outputs and `in` inputs,
    /// `conv.2` takes its first `out` channels, and `sk` and the other biases are zero (products by
    /// 1 and sums of 0: no rounding). Nil when no `Conv3XC` lacks its branches.
    static func checkpoint(fromExport dict: StateDict) -> StateDict? {
        var out = dict, changed = false
        for key in dict.keys where key.hasSuffix(".eval_conv.weight") {
            let p = String(key.dropLast("eval_conv.weight".count))
            guard out[p + "sk.weight"] == nil, let w = dict[key], w.shape.count == 4, w.shape[2] == 3,
                  w.shape[3] == 3, let b = dict[p + "eval_conv.bias"], b.values.count == w.shape[0] else { continue }
            let (o, i) = (w.shape[0], w.shape[1]), (m1, m2) = (2 * w.shape[1], 2 * w.shape[0])
            func zeros(_ shape: [Int]) -> [Float] { [Float](repeating: 0, count: shape.reduce(1, *)) }
            var w1 = zeros([m1, i]), w2 = zeros([m2, m1, 3, 3]), b2 = zeros([m2]), w3 = zeros([o, m2])
            for c in 0..<i { w1[c * i + c] = 1 }
            for c in 0..<o {
                w3[c * m2 + c] = 1
                b2[c] = b.values[c]
                for j in 0..<i { for t in 0..<9 { w2[(c * m1 + j) * 9 + t] = w.values[(c * i + j) * 9 + t] } }
            }
            let tensors: [(String, [Int], [Float])] = [
                ("sk.weight", [o, i, 1, 1], zeros([o, i])), ("sk.bias", [o], zeros([o])),
                ("conv.0.weight", [m1, i, 1, 1], w1), ("conv.0.bias", [m1], zeros([m1])),
                ("conv.1.weight", [m2, m1, 3, 3], w2), ("conv.1.bias", [m2], b2),
                ("conv.2.weight", [o, m2, 1, 1], w3), ("conv.2.bias", [o], zeros([o])),
            ]
            for (leaf, shape, values) in tensors {
                out[p + leaf] = WeightTensor(shape: shape, values: values, dtype: w.dtype)
            }
            changed = true
        }
        return changed ? out : nil
    }
}
