import EnhanceTensor

/// The network families EnhanceNetworks can run.
public enum Architecture: String, Sendable, Equatable, CaseIterable {
    /// ESRGAN / Real-ESRGAN Residual-in-Residual Dense Block network.
    case rrdbNet = "RRDBNet"
    /// BasicSR MSRResNet (SRResNet without BatchNorm, bilinear input skip).
    case msrResNet = "MSRResNet"
    /// SRGAN generator in the leftthomas/SRGAN layout (BatchNorm folded at load time).
    case srganGenerator = "SRGAN"
    /// Real-ESRGAN SRVGGNetCompact (PReLU VGG-style body, nearest input skip).
    case srvggNetCompact = "SRVGGNetCompact"
}

/// One convolution of a network, in execution order, used for MAC counts and receptive fields.
public struct LayerInfo: Sendable, Equatable {
    /// State-dict prefix of the layer (e.g. `body.0.rdb1.conv1`).
    public var name: String
    public var inChannels: Int
    public var outChannels: Int
    public var kernelSize: Int
    /// Spatial resolution the layer runs at, relative to the network input (0.5, 1, 2, 4, …).
    public var resolution: Double

    public init(name: String, inChannels: Int, outChannels: Int, kernelSize: Int, resolution: Double) {
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.resolution = resolution
    }

    /// Multiply-accumulates this layer performs per *input* pixel of the network.
    public var macsPerInputPixel: Double {
        Double(outChannels * inChannels * kernelSize * kernelSize) * resolution * resolution
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

/// A network's structure read from its tensor shapes alone (each architecture's `layout(_:)`):
/// what describes it without weights, and what its build follows.
struct NetworkLayout: Sendable, Equatable {
    var scale: Int
    var numFeat: Int
    /// Residual / RRDB blocks (SRVGGNetCompact: hidden convs).
    var numBlocks: Int
    var growChannels: Int? = nil
    /// Input sides must be multiples of this (RRDBNet's pixel-unshuffle factor).
    var inputMultiple: Int
    /// Convolutions in execution order.
    var layers: [LayerInfo]
}

/// A single-image super-resolution network with loaded weights.
///
/// Inputs and outputs are CHW ``Tensor``s: `x` is `[3, H, W]` RGB in [0, 1] with `H` and `W`
/// multiples of ``inputMultiple``; the result is `[3, H·scale, W·scale]` (not clamped).
public protocol SuperResolutionNetwork: Sendable {
    /// Which family this network belongs to.
    var architecture: Architecture { get }
    /// Integer upscaling factor.
    var scale: Int { get }
    /// Input width and height must be multiples of this (pixel-unshuffle factor, usually 1).
    var inputMultiple: Int { get }
    /// Convolutions in execution order (every one of these networks is a chain with skips).
    var layers: [LayerInfo] { get }
    /// Rough peak activation floats per input pixel during ``forward(_:pool:cancel:)``, for
    /// choosing tile sizes (default: the largest layer's input plus twice its output).
    var peakFloatsPerInputPixel: Double { get }
    /// Runs the network. Checks `cancel` between blocks and throws `CancellationError` when set.
    func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor
}

extension SuperResolutionNetwork {
    /// Multiply-accumulates per input pixel, summed over ``layers``.
    public var macsPerInputPixel: Double { LayerInfo.macsPerInputPixel(layers) }

    /// Input pixels on each side that can influence one output pixel
    /// (``LayerInfo/receptiveRadius(_:inputMultiple:)``). Tiles whose context margin is at least
    /// this produce exactly the untiled result.
    public var receptiveRadius: Int { LayerInfo.receptiveRadius(layers, inputMultiple: inputMultiple) }

    /// The default ``peakFloatsPerInputPixel``: the largest layer's input plus twice its output.
    public var peakFloatsPerInputPixel: Double { peakFloats(of: layers) }

    /// The largest input-plus-twice-output activation among `layers`, floats per input pixel.
    public func peakFloats(of layers: [LayerInfo]) -> Double {
        layers.map { Double($0.inChannels + 2 * $0.outChannels) * $0.resolution * $0.resolution }
            .max() ?? 1
    }
}

extension SuperResolutionNetwork {
    /// Throws unless `x` is `[3, H, W]` with `H` and `W` positive multiples of ``inputMultiple``.
    func validateInput(_ x: Tensor) throws {
        let m = inputMultiple
        guard x.channels == 3, x.height > 0, x.width > 0, x.height % m == 0, x.width % m == 0 else {
            throw NetworkError(architecture.rawValue,
                               "input [\(x.channels), \(x.height), \(x.width)] must be RGB with sides divisible by \(m)")
        }
    }
}
