import EnhanceSync
import EnhanceTensor

/// The values a network's whole-map statistic layers took in one forward pass, in execution
/// order: for GroupNorm, the G group means then the G (biased) variances; for a global average
/// pool, the C channel means (stored as the float means the pool returned). Recorded by a first
/// pass over the whole image, or over a small copy of it
/// (``SuperResolutionNetwork/recordStatistics(_:pool:cancel:)``), and replayed by every tile's
/// forward pass (``StatisticsSource/replay(_:)``): the network then computes no statistic of
/// its own, so each output pixel depends only on the input pixels around it and tiles (core plus
/// a margin of the receptive radius) equal the untiled pass that replays the same values.
///
/// Immutable, so one record serves concurrent forward passes.
public final class WholeImageStatistics: Sendable {
    /// One entry per statistic layer, in execution order.
    public let layers: [[Double]]
    /// The size (input pixels) of the map the first pass ran on.
    public let width: Int, height: Int

    init(layers: [[Double]], width: Int, height: Int) {
        (self.layers, self.width, self.height) = (layers, width, height)
    }
}

/// Where a forward pass takes the statistics of its whole-map layers (GroupNorm, global average
/// pooling) from. Networks without such layers ignore it.
public enum StatisticsSource: Sendable, Equatable {
    /// From the map the pass is given (an untiled image: its own; a tile: the tile's, as chaiNNer
    /// runs such networks). The default.
    case own
    /// From the map the pass is given, and appended to `recorder` (a first pass).
    case record(StatisticsRecorder)
    /// From a record, none computed (a tile of an image whose first pass made the record).
    case replay(WholeImageStatistics)

    public static func == (a: StatisticsSource, b: StatisticsSource) -> Bool {
        switch (a, b) {
        case (.own, .own): true
        case (.record(let x), .record(let y)): x === y
        case (.replay(let x), .replay(let y)): x === y
        default: false
        }
    }
}

/// Collects what a recording forward pass (``StatisticsSource/record(_:)``) computes.
public final class StatisticsRecorder: Sendable {
    private let recorded = Locked<[[Double]]>([])

    public init() {}

    /// The entries recorded so far, in order.
    public var layers: [[Double]] { recorded.withLock { $0 } }

    func append(_ values: [[Double]]) {
        recorded.withLock { $0 += values }
    }
}

/// The statistic layers of one forward pass: each layer asks it for its statistics in execution
/// order, and it computes them (``StatisticsSource/own``, ``StatisticsSource/record(_:)``) or
/// hands out the next recorded entry (``StatisticsSource/replay(_:)``). Made per pass, by the
/// network's `forward`, and used by that pass's thread only; ``finish()`` checks a replay used
/// every entry.
final class StatisticsPass {
    private let source: StatisticsSource
    private var next = 0
    private var recorded: [[Double]] = []

    init(_ source: StatisticsSource) {
        self.source = source
    }

    /// The next recorded entry, which must hold `count` values; nil unless replaying.
    private func replayed(_ count: Int, _ what: String) throws -> [Double]? {
        guard case .replay(let record) = source else { return nil }
        guard next < record.layers.count, record.layers[next].count == count else {
            throw NetworkError("statistics", "replayed statistics do not fit this network (\(what) "
                               + "#\(next) needs \(count) values; the record has \(record.layers.count) layers)")
        }
        defer { next += 1 }
        return record.layers[next]
    }

    private func keep(_ values: [Double]) {
        if case .record = source { recorded.append(values) }
        next += 1
    }

    /// `groupNorm(x, groups:…)` (CHW) with the group means and variances this pass takes.
    func groupNorm(_ x: Tensor, groups: Int, weight: [Float], bias: [Float], eps: Float = 1e-5,
                   pool: ThreadPool) throws -> Tensor {
        let moments: [Double]
        if let r = try replayed(2 * groups, "GroupNorm") {
            moments = r
        } else {
            moments = groupMoments(x, groups: groups, pool: pool)
            keep(moments)
        }
        return EnhanceTensor.groupNorm(x, moments: moments, weight: weight, bias: bias, eps: eps, pool: pool)
    }

    /// The channel means of CHW or packed `x` this pass takes: `C` values (a global average pool).
    func channelMeans(_ x: Tensor, pool: ThreadPool) throws -> [Float] {
        if let r = try replayed(x.channels, "average pool") { return r.map { Float($0) } }
        let means = globalAveragePool(x, pool: pool).data
        keep(means.map { Double($0) })
        return means
    }

    /// The column means of token-major `x` `[N, C]` this pass takes: `C` values (a global average
    /// pool of the image the tokens are).
    func channelMeans(_ x: Matrix) throws -> [Float] {
        if let r = try replayed(x.columns, "average pool") { return r.map { Float($0) } }
        let means = columnMeans(x)
        keep(means)
        return means.map { Float($0) }
    }

    /// `count` values derived from the whole map (e.g. a channel self-attention's `[heads][d][d]`
    /// weights, which sum over every token) this pass takes: `compute()`'s, or the record's.
    func values(_ count: Int, _ what: String, compute: () throws -> [Float]) throws -> [Float] {
        if let r = try replayed(count, what) { return r.map { Float($0) } }
        let values = try compute()
        precondition(values.count == count, "StatisticsPass.values: \(what) gave \(values.count) values, not \(count)")
        keep(values.map { Double($0) })
        return values
    }

    /// Ends the pass: a replay must have used every entry; a recording hands its entries over.
    func finish() throws {
        switch source {
        case .own: break
        case .record(let recorder): recorder.append(recorded)
        case .replay(let record):
            guard next == record.layers.count else {
                throw NetworkError("statistics", "replayed statistics do not fit this network (it used \(next) "
                                   + "of \(record.layers.count) layers)")
            }
        }
    }
}

extension SuperResolutionNetwork {
    /// Runs `x` (CHW `[3, H, W]`, as ``forward(_:pool:cancel:options:)`` takes it) through the
    /// network once with its own statistics and returns them, for tiles to replay. The first
    /// pass of an image: the whole image, or a small copy of it (``Upscaler``).
    public func recordStatistics(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws
        -> WholeImageStatistics {
        let recorder = StatisticsRecorder()
        _ = try forward(x, pool: pool, cancel: cancel, options: ForwardOptions(statistics: .record(recorder)))
        return WholeImageStatistics(layers: recorder.layers, width: x.width, height: x.height)
    }
}
