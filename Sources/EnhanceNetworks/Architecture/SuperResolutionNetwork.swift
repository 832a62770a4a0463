import EnhanceTensor

/// One convolution of a network, in execution order, used for MAC counts, receptive fields and
/// the memory its prepared kernels take. A token-wise fully connected layer (``Linear``) is
/// recorded as the 1×1 convolution it equals.
public struct LayerInfo: Sendable, Equatable {
    /// State-dict prefix of the layer (e.g. `body.0.rdb1.conv1`).
    public var name: String
    public var inChannels: Int
    public var outChannels: Int
    public var kernelSize: Int
    /// Spatial resolution the layer runs at, relative to the network input (0.5, 1, 2, 4, …).
    public var resolution: Double
    /// The layout of the activations it reads and writes (it picks the kernel, ``Conv2D``).
    public var layout: TensorLayout
    /// Channel groups (1: dense; `inChannels`: depthwise).
    public var groups: Int

    public init(name: String, inChannels: Int, outChannels: Int, kernelSize: Int, resolution: Double,
                layout: TensorLayout = .chw, groups: Int = 1) {
        (self.name, self.inChannels, self.outChannels) = (name, inChannels, outChannels)
        (self.kernelSize, self.resolution, self.layout, self.groups) = (kernelSize, resolution, layout, groups)
    }

    /// Multiply-accumulates this layer performs per *input* pixel of the network.
    public var macsPerInputPixel: Double {
        Double(outChannels * (inChannels / groups) * kernelSize * kernelSize) * resolution * resolution
    }

    /// Bytes of the kernels the layer prepares (``Conv2D/kernelBytes(inChannels:outChannels:kernelSize:layout:)``),
    /// saturating at `Int.max / 4` for shapes no file could hold.
    public var kernelBytes: Int {
        let floats = Double(inChannels) * Double(outChannels) * Double(kernelSize * kernelSize)
        guard floats * 64 < Double(Int.max / 4) else { return Int.max / 4 }
        return Conv2D.kernelBytes(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize,
                                  groups: groups, layout: layout)
    }

    /// Multiply-accumulates per input pixel of a network made of `layers`.
    public static func macsPerInputPixel(_ layers: [LayerInfo]) -> Double {
        layers.reduce(0) { $0 + $1.macsPerInputPixel }
    }

    /// Input pixels on each side that can influence one output pixel of a network made of `layers`
    /// whose input sides are multiples of `inputMultiple`: the kernels' radii at their resolutions,
    /// rounded up to `inputMultiple`, plus one for the nearest/bilinear/unshuffle resampling steps.
    public static func receptiveRadius(_ layers: [LayerInfo], inputMultiple m: Int) -> Int {
        let r = layers.reduce(0.0) { $0 + Double($1.kernelSize / 2) / $1.resolution }
        return ((Int(r.rounded(.up)) + 1 + m - 1) / m) * m
    }
}

/// A single-image super-resolution network with loaded weights.
///
/// Inputs and outputs are CHW ``Tensor``s: `x` is `[3, H, W]` RGB in [0, 1] with `H` and `W`
/// multiples of ``windowMultiple``; the result is `[3, H·scale, W·scale]` (not clamped).
public protocol SuperResolutionNetwork: Sendable {
    /// What the network is: family, configuration, layers (``NetworkRegistry/describe(_:source:)``).
    var modelDescription: ModelDescription { get }
    /// Runs the network. Checks `cancel` between blocks and throws `CancellationError` when set.
    func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?, options: ForwardOptions) throws -> Tensor
}

extension SuperResolutionNetwork {
    /// The family's name (``NetworkArchitecture/name``).
    public var family: String { modelDescription.family }
    /// Integer upscaling factor.
    public var scale: Int { modelDescription.scale }
    /// Tiles start on multiples of this (pixel-unshuffle factor, usually 1).
    public var inputMultiple: Int { modelDescription.inputMultiple }
    /// Tile cores and margins are multiples of this (``ModelDescription/tileMultiple``).
    public var tileMultiple: Int { modelDescription.tileMultiple }
    /// Input width and height must be multiples of this (``ModelDescription/windowMultiple``).
    public var windowMultiple: Int { modelDescription.windowMultiple }
    /// Whether a tile's output depends on where whole-map statistics come from
    /// (``ModelDescription/hasWholeImageStatistics``).
    public var hasWholeImageStatistics: Bool { modelDescription.hasWholeImageStatistics }
    /// Convolutions in execution order.
    public var layers: [LayerInfo] { modelDescription.layers }
    /// Rough peak activation floats per input pixel during a forward pass, for choosing tile sizes.
    public var peakFloatsPerInputPixel: Double { modelDescription.peakFloatsPerInputPixel }
    /// Multiply-accumulates per input pixel, summed over ``layers``.
    public var macsPerInputPixel: Double { modelDescription.macsPerInputPixel }
    /// Input pixels on each side that can influence one output pixel. Tiles whose context margin is
    /// at least this produce exactly the untiled result.
    public var receptiveRadius: Int { modelDescription.receptiveRadius }

    /// Runs the network with default ``ForwardOptions``.
    public func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
        try forward(x, pool: pool, cancel: cancel, options: ForwardOptions())
    }
}

/// A family's blocks with the description they were built from: every network is one of these.
final class BuiltNetwork: SuperResolutionNetwork, @unchecked Sendable {
    let modelDescription: ModelDescription
    let body: any NetworkBody

    init(_ description: ModelDescription, _ body: any NetworkBody) {
        (modelDescription, self.body) = (description, body)
    }

    func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?, options: ForwardOptions) throws -> Tensor {
        let m = windowMultiple
        guard x.layout == .chw, x.channels == modelDescription.inChannels, x.height > 0, x.width > 0,
              x.height % m == 0, x.width % m == 0 else {
            throw NetworkError(family, "input [\(x.channels), \(x.height), \(x.width)] must be RGB with sides "
                               + "divisible by \(m)")
        }
        return try body.forward(x, pool: pool, cancel: cancel, options: options)
    }
}
