import EnhanceCheckpoints
import EnhanceONNX
import EnhanceTensor
import Foundation

/// `.onnx` files through the seams every other format uses: ``ModelInspection/network(path:)``
/// describes one, ``ModelLoader/load(path:budget:)`` loads one.
enum ONNXModelFile {
    /// Whether `path` is read as an ONNX model (its extension).
    static func handles(_ path: String) -> Bool { ONNXReader.isONNX(path: path) }

    /// Reads the graph at `path` (refused over `budget`), prepares it and describes it from a dry
    /// probe: at its fixed input size, with what it computes at other sizes
    /// (``ONNXProgram/probeFixedSize(pool:)``), else at ``ONNXGraph/probeSide`` (64 px when that
    /// fails). With `probesOnly` the convolutions' weights stay in the file (``ONNXProgram``'s
    /// probes-only mode): enough to describe it, not to run it.
    static func open(path: String, budget: LoadBudget, probesOnly: Bool = false) throws
        -> (ONNXProgram, ModelDescription) {
        let program = try ONNXProgram(try ONNXReader.scan(path: path, budget: budget), probesOnly: probesOnly)
        let name = (path as NSString).lastPathComponent
        if let (probe, check) = try program.probeFixedSize() {
            let multiple = check.reach == .anySize ? check.sideMultiple : 1
            return (program, try ONNXGraph.describe(program, probe: probe, source: name, sideMultiple: multiple,
                                                    sizeCheck: check))
        }
        let probe: ONNXProbe
        do {
            probe = try program.probe(height: ONNXGraph.probeSide, width: ONNXGraph.probeSide)
        } catch {
            guard let p = try? program.probe(height: 2 * ONNXGraph.probeSide, width: 2 * ONNXGraph.probeSide)
            else { throw error }
            probe = p
        }
        let multiple = sideMultiple(program, scale: probe.output[2] / probe.input[2])
        return (program, try ONNXGraph.describe(program, probe: probe, source: name, sideMultiple: multiple))
    }

    /// The smallest power of two (up to 32) that input sides must be multiples of for the graph to
    /// run and upscale by `scale` (a pixel-unshuffle, a U-Net's stride-2 levels), found by dry probes
    /// at sides that are odd multiples of each; 1 when none can be told.
    static func sideMultiple(_ program: ONNXProgram, scale: Int) -> Int {
        for m in [1, 2, 4, 8, 16, 32] {
            var k = (24 + m - 1) / m
            if k % 2 == 0 { k += 1 }
            let s = m * k
            if let p = try? program.probe(height: s, width: s), p.output[2] == s * scale, p.output[3] == s * scale {
                return m
            }
        }
        return 1
    }

    /// ``ModelInspection/network(path:)`` for an ONNX file: its graph is read and probed dry, its
    /// convolutions' weights left in the file (memory bounded by the graph, not the weights); a file
    /// declaring more than the default budget (half of memory) is still refused rather than described.
    /// The row `runs as` says what a load will try (``ONNXNative/expectation(_:source:)``).
    static func describe(path: String) throws -> (network: ModelDescription, file: CheckpointDescription,
                                                   parameters: Int?) {
        let (program, graph) = try open(path: path, budget: .default, probesOnly: true)
        let m = program.model
        let check = (graph.config as? ONNXGraph.Config)?.sizeCheck
        let runsAs = ONNXNative.expectation(m, sizeCheck: check, source: (path as NSString).lastPathComponent)
        let d = ONNXGraph.adding(("runs as", runsAs), to: graph)
        let file = CheckpointDescription(format: .onnx, content: .tensors(d.shapes), weightsPath: path,
                                         fileBytes: m.fileBytes, budgetParameters: m.parameterCount)
        return (d, file, m.parameterCount)
    }

    /// The file's SHA-256 computed on another thread while this one reads and probes the graph; nil
    /// (hashed after, if at all) for a file over `budget`, which is refused before then.
    static func earlyHash(_ path: String, budget: LoadBudget) -> BackgroundHash? {
        guard let size = try? FileIO.size(path), size <= budget.maxBytes else { return nil }
        return BackgroundHash(path: path)
    }

    /// ``ModelLoader/load(path:budget:)`` for an ONNX file: refused over `budget` before its values are
    /// decoded (the file's declared tensors) and again before any kernel is prepared (the network's
    /// need: file, float32 weights, kernels).
    static func load(path: String, budget: LoadBudget) throws -> LoadedModel {
        let hash = earlyHash(path, budget: budget)
        let (program, d) = try open(path: path, budget: budget)
        try budget.check(file: path, need: d.loadNeed(fileBytes: program.model.fileBytes))
        let m = program.model
        var weights = StateDict()
        for name in m.initializerNames {
            guard let t = m.initializers[name], case .float(let v) = t.values else { continue }
            weights[name] = WeightTensor(shape: t.shape, values: v, dtype: ONNXGraph.dtype(t.storedType))
        }
        let name = (path as NSString).lastPathComponent
        let decision = ONNXNative.decide(m, program: program, scale: d.scale,
                                         sizeCheck: (d.config as? ONNXGraph.Config)?.sizeCheck, source: name)
        let sha = try hash?.value() ?? CheckpointFile.sha256Hex(path: path)
        if var native = decision.native {
            native.onnx = m  // not the program: its folded constants are freed with it
            let family = native.modelDescription.family
            var info = ModelInfo(native.modelDescription, sha256: sha, sourceFormat: "onnx, run natively as \(family)",
                                 parameterCount: m.parameterCount)
            info.runtime = "onnx → \(family) native"
            info.runtimeReason = decision.summary
            return LoadedModel(name: name, detected: native, info: info)
        }
        let graph = ONNXGraph.adding(("runs as", decision.summary), to: d)
        let detected = DetectedModel(stateDict: weights, network: ONNXNetwork(program, graph), onnx: m)
        var info = ModelInfo(graph, sha256: sha, sourceFormat: "onnx", parameterCount: m.parameterCount)
        info.runtime = "onnx graph"
        info.runtimeReason = decision.summary
        return LoadedModel(name: name, detected: detected, info: info)
    }
}
