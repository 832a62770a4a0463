import EnhanceCheckpoints

/// Maps a Real-ESRGAN ncnn graph (RRDBNet exported through ONNX) onto a BasicSR-keyed RRDBNet
/// state dict by walking its `Convolution` layers in graph order: `conv_first`, 15 per RRDB
/// (`body.N.rdbR.convC`), `conv_body`, `conv_up1`, `conv_up2`, `conv_hr`, `conv_last`.
/// Every shape and fused activation is checked against that structure, from the layers'
/// ``NCNNNet/Layer/weightShapes`` alone.
enum NCNNMapping {
    /// One canonical tensor: its BasicSR key and where it is in the graph (layer index, weight index).
    typealias Placement = (key: String, layer: Int, index: Int)

    static func rrdbKeys(_ net: NCNNNet, source: String) throws -> [Placement] {
        let convIndices = net.layers.indices.filter { net.layers[$0].type == "Convolution" }
        let convs = convIndices.map { net.layers[$0] }
        let others = Set(net.layers.map(\.type)).subtracting(["Input", "Convolution", "Split", "Concat",
                                                              "Eltwise", "BinaryOp", "Interp"])
        guard others.isEmpty else {
            throw NetworkError(source, "ncnn graph has layer types \(others.sorted()) that are not part of an RRDBNet")
        }
        guard convs.count >= 21, (convs.count - 6) % 15 == 0 else {
            throw NetworkError(source, "ncnn graph has \(convs.count) convolutions; an RRDBNet has 6 + 15·blocks")
        }
        let nb = (convs.count - 6) / 15
        var names = ["conv_first"]
        for n in 0..<nb { for r in 1...3 { for c in 1...5 { names.append("body.\(n).rdb\(r).conv\(c)") } } }
        names += ["conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last"]
        guard let first = convs.first?.weightShapes.first, first.shape.count == 4,
              let grow = convs[1].weightShapes.first?.shape.first else {
            throw NetworkError(source, "ncnn conv layers carry no OIHW weights")
        }
        let nf = first.shape[0]
        var out: [Placement] = []
        for (i, (layer, name)) in zip(convs, names).enumerated() {
            guard layer.weightShapes.count == 2, layer.weightShapes[0].shape.count == 4 else {
                throw NetworkError(source, "ncnn layer '\(layer.name)' (\(name)) must have a weight and a bias")
            }
            let w = layer.weightShapes[0], b = layer.weightShapes[1]
            let (o, inCh, k) = (w.shape[0], w.shape[1], w.shape[2])
            var wantIn = nf, wantOut = nf, wantLeaky = true
            if name.hasPrefix("body.") {
                let c = Int(String(name.last!))!
                wantIn = nf + (c - 1) * grow
                wantOut = c == 5 ? nf : grow
                wantLeaky = c < 5
            } else if name == "conv_first" {
                wantIn = inCh
                wantLeaky = false
            } else if name == "conv_body" {
                wantLeaky = false
            } else if name == "conv_last" {
                wantOut = o
                wantLeaky = false
            }
            let act = layer.int(9), slope = layer.params[10]?.floatArray?.first ?? 0
            let leaky = act == 2 && abs(slope - 0.2) < 1e-6
            guard o == wantOut, inCh == wantIn, k == 3, w.shape[3] == 3, b.shape == [o],
                  leaky == wantLeaky, wantLeaky || act == 0, layer.int(2, default: 1) == 1,
                  layer.int(3, default: 1) == 1, layer.int(4) == 1 else {
                throw NetworkError(source, "ncnn convolution #\(i) '\(layer.name)' (\(w.shape), activation \(act)) does not fit RRDBNet layer \(name) [\(wantOut), \(wantIn), 3, 3]\(wantLeaky ? " + LeakyReLU 0.2" : "")")
            }
            out += [(name + ".weight", convIndices[i], 0), (name + ".bias", convIndices[i], 1)]
        }
        let interps = net.layers.filter { $0.type == "Interp" }
        guard interps.count == 2, interps.allSatisfy({ $0.int(0) == 1 && $0.float(1) == 2 && $0.float(2) == 2 }) else {
            throw NetworkError(source, "ncnn graph must upsample with two nearest ×2 Interp layers (found \(interps.count))")
        }
        return out
    }
}

extension NetworkRegistry {
    /// Detects and builds a Real-ESRGAN RRDBNet from a parsed ncnn graph (see ``NCNNMapping``).
    public static func detect(ncnn net: NCNNNet, source: String) throws -> DetectedModel {
        var sd = StateDict()
        for p in try NCNNMapping.rrdbKeys(net, source: source) {
            let weights = net.layers[p.layer].weights
            guard p.index < weights.count else { throw NetworkError(source, "ncnn graph was read without its weights") }
            sd[p.key] = weights[p.index]
        }
        return try build(.rrdbNet, sd, source: source, layout: "ncnn")
    }

    /// Describes the Real-ESRGAN RRDBNet an ncnn graph holds from its layers' weight shapes alone.
    public static func describe(ncnn net: NCNNNet, source: String) throws -> ModelDescription {
        var shapes = TensorShapes()
        for p in try NCNNMapping.rrdbKeys(net, source: source) {
            shapes[p.key] = net.layers[p.layer].weightShapes[p.index]
        }
        return try describe(.rrdbNet, shapes, sourceKeys: KeyPlan(identity: shapes.keys), source: source,
                            layout: "ncnn")
    }
}
