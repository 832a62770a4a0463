import EnhanceCheckpoints
import EnhanceONNX
import EnhanceTensor

/// An `.onnx` file's graph as the network description everything else reads (`models inspect`, the
/// tiler, the pair checks): not an architecture family (it is not in the registry, and detects
/// nothing), but the graph itself, run by ``ONNXProgram``. Its configuration comes from a dry
/// probe of the graph at a reference size (``ONNXProgram/probe(height:width:pool:)``).
enum ONNXGraph: NetworkArchitecture {
    static let name = "ONNX graph"
    static let canonicalLayout = "onnx"
    static let detection = KeyCondition.all([.has("\u{0}onnx graphs are not detected from keys")])

    /// The tile margin: an ONNX graph's receptive field is not known (attention, global pools), so
    /// tiles get the margin the largest families use (``UpscaleOptions/margin(for:)`` caps at 48 px;
    /// SwinIR-M measured float-rounding seams at 32–48 px, `docs/architectures.md` §7).
    static let margin = 48

    /// The side of the reference input a dynamic graph is probed at (MACs per input pixel, scale).
    static let probeSide = 32

    struct Config: ArchitectureConfig {
        var scale: Int
        var peakFloatsPerInputPixel: Double
        var macsOutsideLayers: Double
        var extraReceptiveRadius: Int
        var hyperParameters: [(name: String, value: Int)]
        var settings: [(name: String, value: String)]
        /// One line per node (op, inputs, outputs, attributes): two files blend when these are equal.
        var graph: [String]
        /// Input sides must be multiples of this: ``ONNXNetwork`` pads others with edge pixels.
        var sideMultiple = 1
        /// For a graph that declares a fixed input size, what it computes at other sizes: one that
        /// runs at any size runs on whole tiles, as a dynamic graph; others in windows of that size.
        var sizeCheck: ONNXSizeCheck?
    }

    static func config(_ shapes: ShapeReader) throws -> Config {
        throw NetworkError(shapes.source, "an ONNX graph is described from its file, not from tensor shapes")
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        throw NetworkError(name, "an ONNX graph is built from its file")
    }

    /// The description of `program`'s graph from its probe `p`, for file `source`; `sizeCheck`
    /// for a graph that declares a fixed input size.
    static func describe(_ program: ONNXProgram, probe p: ONNXProbe, source: String,
                         sideMultiple: Int = 1, sizeCheck: ONNXSizeCheck? = nil) throws -> ModelDescription {
        let m = program.model
        let (h, w) = (p.input[2], p.input[3])
        guard p.output.count == 4, p.output[1] == 3, p.input[1] == 3, p.output[2] % h == 0, p.output[3] % w == 0,
              p.output[2] / h == p.output[3] / w, p.output[2] >= h else {
            throw NetworkError(source, "the graph maps [1, \(p.input[1]), \(h), \(w)] to \(p.output); Enhance runs "
                               + "RGB graphs whose output is an integer multiple of the input")
        }
        let pixels = Double(h * w)
        let layers = p.convs.map { c in
            let res = Double(c.output[2] > c.input[2] ? c.input[2] : c.output[2]) / Double(h)
            return LayerInfo(name: c.name, inChannels: c.inChannels, outChannels: c.outChannels,
                             kernelSize: c.kernelSize, resolution: res, groups: c.groups)
        }
        let convMACs = p.convs.reduce(0) { $0 + $1.macs } / pixels
        let counted = LayerInfo.macsPerInputPixel(layers)
        var ops: [String: Int] = [:]
        for n in m.nodes { ops[n.opType, default: 0] += 1 }
        let histogram = ops.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let dims = m.input.dims.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")
        let radius = LayerInfo.receptiveRadius(layers, inputMultiple: 1)
        var settings: [(name: String, value: String)] = [
            ("producer", [m.producer, m.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")),
            ("ops", histogram),
            ("input", "\(m.input.name) [\(dims)] \(m.input.elementType)"),
            ("external data", m.externalFiles.isEmpty ? "none" : m.externalFiles.joined(separator: ", ")),
            ("tile margin", "\(margin) px (the receptive field of a graph is not known)"),
        ]
        if sideMultiple > 1 {
            settings.append(("side multiple", "\(sideMultiple) (other sides are padded with edge pixels)"))
        }
        if let sizeCheck { settings.append(("fixed input size", sizeCheck.summary)) }
        let config = Config(scale: p.output[2] / h, peakFloatsPerInputPixel: Double(p.peakFloats) / pixels,
                            macsOutsideLayers: max(0, convMACs - counted) + p.productMACs / pixels,
                            extraReceptiveRadius: max(0, margin - radius),
                            hyperParameters: [("opset", m.opset), ("nodes", m.nodes.count),
                                              ("initializers", m.declared.count)],
                            settings: settings, graph: ["opset \(m.opset), input [\(dims)]"] + m.nodes.map(signature),
                            sideMultiple: sideMultiple, sizeCheck: sizeCheck)
        let s = shapes(m)
        return ModelDescription(architecture: ONNXGraph.self, config: config, keyLayout: "onnx", layers: layers,
                                shapes: s, sourceKeys: s.keys.map { ($0, $0) }, derivedKeys: [])
    }

    /// `d`, a graph's description, with one more `models inspect` row.
    static func adding(_ row: (name: String, value: String), to d: ModelDescription) -> ModelDescription {
        guard var c = d.config as? Config else { return d }
        c.settings.append(row)
        return ModelDescription(architecture: ONNXGraph.self, config: c, keyLayout: d.keyLayout, layers: d.layers,
                                shapes: d.shapes, sourceKeys: d.sourceKeys, derivedKeys: d.derivedKeys)
    }

    /// The float initializers' names, shapes and element types.
    static func shapes(_ m: ONNXModel) -> TensorShapes {
        var shapes = TensorShapes()
        for t in m.declared where t.isFloat {
            shapes[t.name] = TensorShape(shape: t.shape, dtype: dtype(t.storedType))
        }
        return shapes
    }

    /// A node as one line: what must be equal for two graphs to be the same.
    static func signature(_ n: ONNXNode) -> String {
        let attributes = n.attributes.keys.sorted().map { "\($0)=\(n.attributes[$0]!)" }.joined(separator: " ")
        return "\(n.opType)(\(n.inputs.joined(separator: ", "))) -> \(n.outputs.joined(separator: ", ")) \(attributes)"
    }

    /// Throws unless `a` and `b` describe the same graph, naming the first node that differs.
    static func checkSameGraph(_ a: ModelDescription, _ b: ModelDescription, _ names: String) throws {
        guard let ga = (a.config as? Config)?.graph, let gb = (b.config as? Config)?.graph else { return }
        let first = ga.indices.first { $0 >= gb.count || ga[$0] != gb[$0] } ?? (gb.count > ga.count ? ga.count : nil)
        if let i = first {
            let which = i < ga.count ? ga[i].prefix(80) : gb[i].prefix(80)
            let at = i == 0 ? "(\(which))" : "at node \(i) (\(which))"
            throw NetworkError(names, "cannot blend: the graphs differ \(at)")
        }
    }

    static func dtype(_ stored: String) -> DType {
        switch stored {
        case "float16": .float16
        case "bfloat16": .bfloat16
        default: .float32
        }
    }
}
