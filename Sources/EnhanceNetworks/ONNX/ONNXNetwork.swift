import EnhanceONNX
import EnhanceTensor

/// An ONNX graph as a ``SuperResolutionNetwork``: `[3, H, W]` in, `[3, H·scale, W·scale]` out.
///
/// A graph exported with a fixed input size that computes the same at any size
/// (``ONNXSizeCheck/Reach/anySize``) runs as a dynamic graph. Any other runs only at that size: a
/// smaller input is padded to it (edge pixels repeated) and the output cropped; a larger one is
/// cut into windows of that size with a margin of a quarter of its shorter side (at most 16 px)
/// and run window by window.
final class ONNXNetwork: SuperResolutionNetwork, @unchecked Sendable {
    let modelDescription: ModelDescription
    let program: ONNXProgram

    init(_ program: ONNXProgram, _ description: ModelDescription) {
        (self.program, modelDescription) = (program, description)
    }

    func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?, options: ForwardOptions) throws -> Tensor {
        guard x.layout == .chw, x.channels == 3, x.height > 0, x.width > 0 else {
            throw NetworkError(family, "input [\(x.channels), \(x.height), \(x.width)] must be RGB")
        }
        let s = scale
        let config = modelDescription.config as? ONNXGraph.Config
        let m = config?.sideMultiple ?? 1
        if m > 1, x.height % m != 0 || x.width % m != 0 {
            let (h, w) = ((x.height + m - 1) / m * m, (x.width + m - 1) / m * m)
            let y = try checked(program.run(edgePad(x, height: h, width: w), pool: pool, cancel: cancel),
                                Tensor(channels: 3, height: h, width: w))
            return y.cropped(y: 0, x: 0, height: x.height * s, width: x.width * s)
        }
        guard config?.sizeCheck?.reach != .anySize, let (fh, fw) = program.fixedSize,
              (fh, fw) != (x.height, x.width) else {
            return try checked(program.run(x, pool: pool, cancel: cancel), x)
        }
        if x.height <= fh && x.width <= fw {
            let y = try checked(program.run(edgePad(x, height: fh, width: fw), pool: pool, cancel: cancel),
                                Tensor(channels: 3, height: fh, width: fw))
            return y.cropped(y: 0, x: 0, height: x.height * s, width: x.width * s)
        }
        let margin = min(16, min(fh, fw) / 4), core = min(fh, fw) - 2 * margin
        guard core > 0 else { throw NetworkError(family, "fixed input \(fw)×\(fh) is too small to run in windows") }
        return try Tiler.run(self, x, tileSize: core, margin: margin, pool: pool, cancel: cancel, options: options)
    }

    /// The same graph with every float initializer `(1 − α)·a + α·b` of this network's and
    /// `other`'s (ends exactly at α = 0 and 1); its convolutions make their kernels on first use.
    func blended(with other: ONNXNetwork, alpha: Float, threads: Int) throws -> ONNXNetwork {
        var model = program.model
        let pool = ThreadPool(threads: threads)
        for (name, t) in model.initializers {
            guard case .float(let a) = t.values, case .float(let b)? = other.program.model.initializers[name]?.values,
                  a.count == b.count else { continue }
            let v = alpha == 0 ? a : alpha == 1 ? b : blend(a, b, alpha: alpha, pool: pool)
            model.initializers[name] = ONNXTensor(shape: t.shape, values: .float(v), storedType: t.storedType)
        }
        return ONNXNetwork(try ONNXProgram(model, pool: pool), modelDescription)
    }

    /// `y` after checking it is `x` upscaled by the scale.
    private func checked(_ y: Tensor, _ x: Tensor) throws -> Tensor {
        guard y.channels == 3, y.height == x.height * scale, y.width == x.width * scale else {
            throw NetworkError(family, "the graph made [\(y.channels), \(y.height), \(y.width)] from "
                               + "[3, \(x.height), \(x.width)], not ×\(scale) RGB")
        }
        return y
    }

    /// `x` padded at the bottom and right to `height × width` by repeating its edge pixels.
    private func edgePad(_ x: Tensor, height: Int, width: Int) -> Tensor {
        var out = Tensor(channels: x.channels, height: height, width: width)
        for c in 0..<x.channels { for y in 0..<height { for i in 0..<width {
            out[c, y, i] = x[c, min(y, x.height - 1), min(i, x.width - 1)]
        } } }
        return out
    }
}
