import EnhanceCheckpoints

extension RRDBNet {
    /// Maps a Real-ESRGAN ncnn graph (RRDBNet exported through ONNX) onto the canonical keys by
    /// walking its `Convolution` layers in graph order against the block tree's convolutions (the
    /// configuration read from the graph): every shape and fused activation is checked, from the
    /// layers' ``NCNNNet/Layer/weightShapes`` alone.
    static func ncnnPlacements(_ net: NCNNNet, source: String) throws -> [NCNNPlacement]? {
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
        guard let first = convs.first?.weightShapes.first, first.shape.count == 4,
              let grow = convs[1].weightShapes.first?.shape.first,
              let out = convs.last?.weightShapes.first?.shape.first, out > 0 else {
            throw NetworkError(source, "ncnn conv layers carry no OIHW weights")
        }
        let u = [1, 2, 4].first { first.shape[1] == out * $0 * $0 } ?? 1
        let config = Config(scale: 4 / u, unshuffle: u, numFeat: first.shape[0], numGrow: grow,
                            numBlocks: (convs.count - 6) / 15)
        let store = ParameterStore(source: source, shapes: nil)
        _ = try Network(config, Scope(store: store, prefix: ""))
        var placements: [NCNNPlacement] = []
        for (i, (layer, want)) in zip(convs, store.layers).enumerated() {
            guard layer.weightShapes.count == 2, layer.weightShapes[0].shape.count == 4 else {
                throw NetworkError(source, "ncnn layer '\(layer.name)' (\(want.name)) must have a weight and a bias")
            }
            let w = layer.weightShapes[0], b = layer.weightShapes[1]
            let act = layer.int(9), slope = layer.params[10]?.floatArray?.first ?? 0
            let leaky = act == 2 && abs(slope - 0.2) < 1e-6, wantLeaky = followedByLeakyReLU(want.name)
            guard w.shape == [want.outChannels, want.inChannels, 3, 3], b.shape == [want.outChannels],
                  leaky == wantLeaky, wantLeaky || act == 0, layer.int(2, default: 1) == 1,
                  layer.int(3, default: 1) == 1, layer.int(4) == 1 else {
                throw NetworkError(source, "ncnn convolution #\(i) '\(layer.name)' (\(w.shape), activation \(act)) "
                                   + "does not fit RRDBNet layer \(want.name) [\(want.outChannels), "
                                   + "\(want.inChannels), 3, 3]\(wantLeaky ? " + LeakyReLU 0.2" : "")")
            }
            placements += [NCNNPlacement(key: want.name + ".weight", layer: convIndices[i], index: 0),
                           NCNNPlacement(key: want.name + ".bias", layer: convIndices[i], index: 1)]
        }
        let interps = net.layers.filter { $0.type == "Interp" }
        guard interps.count == 2, interps.allSatisfy({ $0.int(0) == 1 && $0.float(1) == 2 && $0.float(2) == 2 }) else {
            throw NetworkError(source, "ncnn graph must upsample with two nearest ×2 Interp layers "
                               + "(found \(interps.count))")
        }
        return placements
    }

    /// Whether the network applies LeakyReLU 0.2 right after conv `name` (what ncnn fuses into it):
    /// the dense convs but the fifth, and the upsampling convs.
    private static func followedByLeakyReLU(_ name: String) -> Bool {
        if name.hasPrefix("body.") { return !name.hasSuffix(".conv5") }
        return ["conv_up1", "conv_up2", "conv_hr"].contains(name)
    }
}
