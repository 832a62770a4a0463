import EnhanceCheckpoints
import EnhanceTensor

/// One architecture family. Everything Enhance knows about a family lives in its folder under
/// `Architectures/<Name>/`: detection conditions (data), the key layouts it accepts, a typed
/// configuration read from tensor shapes, the block tree that names every checkpoint key once, and
/// the network that runs it. ``ArchitectureRegistry/families`` lists the folders; nothing outside
/// them switches on a family.
///
/// A family's ``makeNetwork(_:_:)`` builds its blocks from a ``Scope``; the same code describes the
/// network (shapes only: parameters, layers, MACs, the strict key check), builds it (values), and
/// builds a blend of two checkpoints (values blended on read), so no list of keys is written twice.
protocol NetworkArchitecture: SendableMetatype {
    associatedtype Config: ArchitectureConfig
    /// The family's name as users see it (`models inspect`, errors), as its reference implementation spells it.
    static var name: String { get }
    /// Conditions a canonically keyed checkpoint meets (spandrel's `KeyCondition`s, as data).
    static var detection: KeyCondition { get }
    /// The name of the canonical key layout (what ``makeNetwork(_:_:)`` reads), e.g. the training repository's.
    static var canonicalLayout: String { get }
    /// Other key layouts of this family, renamed to the canonical one before detection.
    static var keyConversions: [KeyConversion] { get }
    /// Reads the hyper-parameters from the canonical tensors' shapes (checks what it reads).
    static func config(_ shapes: ShapeReader) throws -> Config
    /// Builds the family's blocks for `config`, reading every parameter through `scope`.
    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody
    /// Named configurations that `enhance bench --networks NAME` times, on seeded random weights.
    static var benchmarks: [BenchmarkEntry] { get }
    /// The canonical keys of an ncnn graph's weights, if this family maps ncnn graphs.
    static func ncnnPlacements(_ net: NCNNNet, source: String) throws -> [NCNNPlacement]?
    /// The checkpoint an inference export of this family stands for, when an export keeps some of
    /// its tensors only in another form (re-parameterised branches fused into one convolution,
    /// buffers the forward pass never reads): `dict`, keys recovered from the export's graph
    /// (``ONNXKeyRecovery``), completed so the family builds what the export computes; nil when
    /// nothing applies (the default).
    static func checkpoint(fromExport dict: StateDict) -> StateDict?
}

extension ArchitectureConfig {
    /// RGB in and out.
    var inChannels: Int { 3 }
    var outChannels: Int { 3 }
    /// Any input size.
    var inputMultiple: Int { 1 }
    /// Tiles and margins on multiples of the input multiple.
    var tileMultiple: Int { inputMultiple }
    /// Every multiply-accumulate is in a layer.
    var macsOutsideLayers: Double { 0 }
    /// The layers' kernels bound the receptive field.
    var extraReceptiveRadius: Int { 0 }
    /// No other settings.
    var settings: [(name: String, value: String)] { [] }
    /// No whole-map statistics.
    var wholeImageStatistics: Bool { false }
    /// Sides must be multiples of the input multiple.
    var padsToInputMultiple: Bool { false }
}

extension NetworkArchitecture {
    static var keyConversions: [KeyConversion] { [] }
    static var benchmarks: [BenchmarkEntry] { [] }
    static func ncnnPlacements(_ net: NCNNNet, source: String) throws -> [NCNNPlacement]? { nil }
    static func checkpoint(fromExport dict: StateDict) -> StateDict? { nil }
}

/// A family's hyper-parameters, read from tensor shapes; what the description reports.
protocol ArchitectureConfig: Sendable {
    /// Upscaling factor.
    var scale: Int { get }
    /// Image channels in and out.
    var inChannels: Int { get }
    var outChannels: Int { get }
    /// Input sides must be multiples of this (e.g. a pixel-unshuffle factor), usually 1; tiles
    /// start on multiples of it.
    var inputMultiple: Int { get }
    /// Tile cores and margins are rounded up to multiples of this (a multiple of ``inputMultiple``):
    /// e.g. an attention window, so that every tile's windows are the untiled pass's.
    var tileMultiple: Int { get }
    /// Whether the network pads other sides to ``inputMultiple`` itself, as its reference does (so
    /// a window that ends at the image's right or bottom edge is passed as it is).
    var padsToInputMultiple: Bool { get }
    /// Whether some layer takes statistics over the whole feature map (GroupNorm, a global average
    /// pool): such layers take them through the pass's ``StatisticsSource``.
    var wholeImageStatistics: Bool { get }
    /// Rough peak activation floats per input pixel during a forward pass (tile sizing).
    var peakFloatsPerInputPixel: Double { get }
    /// Multiply-accumulates per input pixel that no layer (``LayerInfo``) accounts for, e.g. the
    /// score and weighted-sum products of attention.
    var macsOutsideLayers: Double { get }
    /// Input pixels of receptive radius beyond the layers' kernels, e.g. what attention windows add.
    var extraReceptiveRadius: Int { get }
    /// Hyper-parameters by their checkpoint-convention names, in display order (`num_feat`, …).
    var hyperParameters: [(name: String, value: Int)] { get }
    /// Settings that are not integers (`upsampler`, `depths`), by the reference's names, in display order.
    var settings: [(name: String, value: String)] { get }
}

/// What a family's network does with an input; the blocks built by ``NetworkArchitecture/makeNetwork(_:_:)``.
protocol NetworkBody: Sendable {
    /// `x` is CHW `[3, H, W]` with sides multiples of the window multiple; returns CHW
    /// `[3, H·scale, W·scale]`. Checks `cancel` between blocks.
    func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?, options: ForwardOptions) throws -> Tensor
}

/// A configuration `enhance bench --networks` can time: a name, a label, and the checkpoint shapes.
struct BenchmarkEntry: Sendable {
    /// What `--networks` accepts, e.g. `rrdbnet`.
    let name: String
    /// What reports print: the family and its size, e.g. `<family>-23` for 23 blocks.
    let label: String
    /// A state dict of this configuration's shapes (values are filled in with seeded random numbers).
    let config: any ArchitectureConfig
}

/// One canonical tensor of an ncnn graph: its key and where it is (layer index, weight index).
struct NCNNPlacement: Sendable {
    let key: String
    let layer: Int
    let index: Int
}

/// A key layout other than the canonical one (e.g. the original ESRGAN repository's), as data:
/// when `matches` holds on a checkpoint's keys, `rename` maps them onto the canonical keys.
struct KeyConversion: Sendable {
    /// Its name as `models inspect` reports it, e.g. `ESRGAN`.
    let name: String
    let matches: KeyCondition
    let rename: @Sendable (KeyPlan, String) throws -> KeyPlan
}

/// A condition on a checkpoint's canonical keys and shapes (spandrel's `KeyCondition`), as data.
indirect enum KeyCondition: Sendable {
    /// The key is present.
    case has(String)
    /// The key is present with this many dimensions.
    case rank(String, Int)
    /// Some key starts with this.
    case prefix(String)
    /// Every condition holds.
    case all([KeyCondition])
    /// At least one condition holds.
    case any([KeyCondition])

    /// Whether the condition holds on `shapes`.
    func holds(in shapes: TensorShapes) -> Bool {
        switch self {
        case .has(let k): shapes[k] != nil
        case .rank(let k, let n): shapes[k]?.shape.count == n
        case .prefix(let p): shapes.keys.contains { $0.hasPrefix(p) }
        case .all(let cs): cs.allSatisfy { $0.holds(in: shapes) }
        case .any(let cs): cs.contains { $0.holds(in: shapes) }
        }
    }
}

/// Per-call settings of a forward pass.
public struct ForwardOptions: Sendable, Equatable {
    /// Low-resolution rows per strip of an upsampling tail that runs in strips; nil: the network's
    /// default. Any value gives the same result (tests set small ones).
    public var tailStripRows: Int?
    /// Where whole-map statistic layers take their statistics (the map's own by default; the
    /// ``Upscaler`` replays an image's first pass on every tile). Ignored by networks without.
    public var statistics: StatisticsSource

    public init(tailStripRows: Int? = nil, statistics: StatisticsSource = .own) {
        self.tailStripRows = tailStripRows
        self.statistics = statistics
    }
}
