import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor

/// The benchmarked networks, built exactly as a user's checkpoint would be: seeded random weights in
/// the shapes of a family's bench configuration (``NetworkRegistry/benchmarks``; timing does not
/// depend on weight values) detected and built by `NetworkRegistry`, so the bench times the
/// product's own forward pass.
enum BenchModels {
    /// The names `--networks` accepts, in registry order.
    static var names: [String] { NetworkRegistry.benchmarks.map(\.name) }

    /// The weights of bench configuration `name`, nil for unknown names.
    static func weights(_ name: String, seed: UInt64 = 1) throws -> StateDict? {
        try NetworkRegistry.benchmarkWeights(name, seed: seed)
    }

    /// The network for a bench name, nil for unknown names. A name ending in `.onnx` is that file's
    /// graph (`enhance bench --onnx FILE`), loaded as `upscale --model FILE` would load it.
    static func network(_ name: String) throws -> (any SuperResolutionNetwork)? {
        if name.lowercased().hasSuffix(".onnx") { return try ModelLoader.load(path: name).network }
        guard let sd = try weights(name) else { return nil }
        return try NetworkRegistry.detect(sd, source: "bench-\(name)").network
    }
}
