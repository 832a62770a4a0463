import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor

/// The benchmarked networks, built exactly as a user's checkpoint would be: a seeded random
/// BasicSR-layout state dict (timing does not depend on weight values) detected and built by
/// `NetworkRegistry`, so the bench times the product's own forward pass.
enum BenchModels {
    /// ESRGAN RRDBNet ×4 (BasicSR keys): 23 blocks, 64 features, growth 32 by default.
    static func rrdbNet(blocks: Int = 23, nf: Int = 64, gc: Int = 32, seed: UInt64 = 1) -> StateDict {
        var ws = WeightSource(state: seed)
        var sd = StateDict()
        ws.conv(&sd, "conv_first", 3, nf, 3)
        for b in 0..<blocks {
            for r in 1...3 {
                for c in 0..<5 { ws.conv(&sd, "body.\(b).rdb\(r).conv\(c + 1)", nf + c * gc, c == 4 ? nf : gc, 3) }
            }
        }
        for name in ["conv_body", "conv_up1", "conv_up2", "conv_hr"] { ws.conv(&sd, name, nf, nf, 3) }
        ws.conv(&sd, "conv_last", nf, 3, 3)
        return sd
    }

    /// MSRResNet ×4 (BasicSR keys): 16 residual blocks of 64 features by default.
    static func msrResNet(blocks: Int = 16, nf: Int = 64, seed: UInt64 = 2) -> StateDict {
        var ws = WeightSource(state: seed)
        var sd = StateDict()
        ws.conv(&sd, "conv_first", 3, nf, 3)
        for b in 0..<blocks {
            ws.conv(&sd, "body.\(b).conv1", nf, nf, 3)
            ws.conv(&sd, "body.\(b).conv2", nf, nf, 3)
        }
        ws.conv(&sd, "upconv1", nf, 4 * nf, 3)
        ws.conv(&sd, "upconv2", nf, 4 * nf, 3)
        ws.conv(&sd, "conv_hr", nf, nf, 3)
        ws.conv(&sd, "conv_last", nf, 3, 3)
        return sd
    }

    /// The network for a bench name (`rrdbnet`, `msrresnet`), nil for unknown names.
    static func network(_ name: String) throws -> (any SuperResolutionNetwork)? {
        switch name {
        case "rrdbnet": return try NetworkRegistry.detect(rrdbNet(), source: "bench-rrdbnet").network
        case "msrresnet": return try NetworkRegistry.detect(msrResNet(), source: "bench-msrresnet").network
        default: return nil
        }
    }
}

/// Seeded uniform weights (SplitMix64) scaled like a He-uniform init so activations stay finite.
struct WeightSource {
    var state: UInt64

    /// Adds `name.weight` (OIHW) and `name.bias` for a `cin → cout`, `k×k` convolution.
    mutating func conv(_ sd: inout StateDict, _ name: String, _ cin: Int, _ cout: Int, _ k: Int) {
        let bound = (6 / Float(cin * k * k)).squareRoot() * 0.5
        sd[name + ".weight"] = WeightTensor(shape: [cout, cin, k, k],
                                            values: (0..<(cout * cin * k * k)).map { _ in uniform() * bound })
        sd[name + ".bias"] = WeightTensor(shape: [cout], values: (0..<cout).map { _ in uniform() * 0.01 })
    }

    mutating func uniform() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1
    }
}
