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
    /// probe: at its fixed input size, else at ``ONNXGraph/probeSide`` (64 px when that fails).
    static func open(path: String, budget: LoadBudget) throws -> (ONNXProgram, ModelDescription) {
        let model = try ONNXReader.read(path: path, budget: budget)
        let program = try ONNXProgram(model)
        let name = (path as NSString).lastPathComponent
        let probe: ONNXProbe
        if let (h, w) = program.fixedSize {
            probe = try program.probe(height: h, width: w)
        } else {
            do {
                probe = try program.probe(height: ONNXGraph.probeSide, width: ONNXGraph.probeSide)
            } catch {
                guard let p = try? program.probe(height: 2 * ONNXGraph.probeSide, width: 2 * ONNXGraph.probeSide)
                else { throw error }
                probe = p
            }
        }
        let multiple = program.fixedSize == nil ? sideMultiple(program, scale: probe.output[2] / probe.input[2]) : 1
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

    /// ``ModelInspection/network(path:)`` for an ONNX file. Unlike the other formats an ONNX file is
    /// read whole to be described (its graph is probed, and a load's native check made: the row
    /// `runs as` says whether it runs natively, as which family, how that was recognised and what
    /// the probe found), so a file declaring more than the default budget (half of memory) is
    /// refused rather than described.
    static func describe(path: String) throws -> (network: ModelDescription, file: CheckpointDescription,
                                                   parameters: Int?) {
        let (program, graph) = try open(path: path, budget: .default)
        let m = program.model
        let decision = ONNXNative.decide(m, program: program, scale: graph.scale,
                                         source: (path as NSString).lastPathComponent)
        let d = ONNXGraph.adding(("runs as", decision.summary), to: graph)
        let file = CheckpointDescription(format: .onnx, content: .tensors(d.shapes), weightsPath: path,
                                         fileBytes: m.fileBytes, budgetParameters: m.parameterCount)
        return (d, file, m.parameterCount)
    }

    /// ``ModelLoader/load(path:budget:)`` for an ONNX file: refused over `budget` before its values are
    /// decoded (the file's declared tensors) and again before any kernel is prepared (the network's
    /// need: file, float32 weights, kernels).
    static func load(path: String, budget: LoadBudget) throws -> LoadedModel {
        let (program, d) = try open(path: path, budget: budget)
        try budget.check(file: path, need: d.loadNeed(fileBytes: program.model.fileBytes))
        let m = program.model
        var weights = StateDict()
        for name in m.initializerNames {
            guard let t = m.initializers[name], case .float(let v) = t.values else { continue }
            weights[name] = WeightTensor(shape: t.shape, values: v, dtype: ONNXGraph.dtype(t.storedType))
        }
        let name = (path as NSString).lastPathComponent
        let hash = BackgroundHash(path: path)  // read on another thread while the native check runs
        let decision = ONNXNative.decide(m, program: program, scale: d.scale, source: name)
        let sha = try hash.value()
        if var native = decision.native {
            native.onnx = m  // not the program: its folded constants are freed with it
            let family = native.modelDescription.family
            var info = ModelInfo(native.modelDescription, sha256: sha, sourceFormat: "onnx, run natively as \(family)",
                                 parameterCount: m.parameterCount)
            info.runtime = "onnx → \(family) native"
            return LoadedModel(name: name, detected: native, info: info)
        }
        let graph = ONNXGraph.adding(("runs as", decision.summary), to: d)
        let detected = DetectedModel(stateDict: weights, network: ONNXNetwork(program, graph), onnx: m)
        var info = ModelInfo(graph, sha256: sha, sourceFormat: "onnx", parameterCount: m.parameterCount)
        info.runtime = "onnx graph"
        return LoadedModel(name: name, detected: detected, info: info)
    }
}
