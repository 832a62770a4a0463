import EnhanceImaging
import EnhanceTerminal
import Foundation

/// Runs ``Effect``s off the UI thread and posts the outcomes as ``Msg``s.
///
/// Inference goes through one ``InferenceScheduler`` (by priority; a better job preempts a worse
/// one, and cancelled jobs stop within one network layer); listing, loading, pair switching and
/// measurements run on an I/O queue; export on a third. `post` must be thread-safe.
public final class EffectExecutor: @unchecked Sendable {
    private let engine: any PreviewEngine
    private let post: @Sendable (Msg) -> Void
    private let scheduler: InferenceScheduler
    private let ioQueue = DispatchQueue(label: "enhance.io")
    private let exportQueue = DispatchQueue(label: "enhance.export")
    /// The running export's token (cancelled when another export starts).
    private let exportFlag = Locked<CancellationToken?>(nil)

    /// Runs effects against `engine`, posting results with `post`; inference goes through `scheduler`.
    public init(engine: any PreviewEngine, post: @escaping @Sendable (Msg) -> Void,
                scheduler: InferenceScheduler = InferenceScheduler()) {
        self.engine = engine
        self.post = post
        self.scheduler = scheduler
    }

    /// Starts `effect` (``Effect/quit`` is the caller's business and ignored here).
    public func run(_ effect: Effect) {
        let engine = self.engine, post = self.post
        switch effect {
        case .listDirectory(let path):
            ioQueue.async {
                let (entries, error) = DirectoryLister.list(path) { engine.probe(path: $0) }
                post(.listed(directory: path, entries: entries, error: error))
            }
        case .load(let path):
            ioQueue.async {
                do {
                    post(.loaded(path: path, image: try engine.load(path: path), error: nil))
                } catch {
                    post(.loaded(path: path, image: nil, error: "\(error)"))
                }
            }
        case let .infer(job, image, key, region, density, priority):
            scheduler.submit(id: job, priority: priority) { flag in
                Self.infer(engine, job: job, image: image, key: key, region: region, density: density,
                           priority: priority, flag: flag, post: post)
            }
        case .cancel(let job):
            scheduler.cancel(id: job)
        case let .measureConsistency(tiles, view, input, key):
            ioQueue.async {
                post(.consistencyMeasured(consistency(tiles: tiles, view: view, input: input, scale: engine.scale,
                                                      key: key)))
            }
        case .listPairs:
            ioQueue.async { post(.pairsListed(engine.pairs())) }
        case .switchPair(let pair):
            scheduler.cancelAll()
            ioQueue.async {
                do {
                    try engine.switchPair(pair)
                    post(.pairSwitched(names: engine.modelNames, runtimes: engine.modelRuntimes, error: nil))
                } catch {
                    post(.pairSwitched(names: nil, error: "\(error)"))
                }
            }
        case .checkExists(let path):
            ioQueue.async { post(.existsChecked(path: path, exists: FileManager.default.fileExists(atPath: path))) }
        case let .export(image, key, path):
            let flag = CancellationToken()
            exportFlag.withLock { current in defer { current = flag }; return current }?.cancel()
            exportQueue.async {
                Self.export(engine: engine, image: image, key: key, path: path, flag: flag, post: post)
            }
        case .cancelExport:
            exportFlag.withLock { $0 }?.cancel()
        case .quit:
            cancelAll()
        }
    }

    /// Cancels every running job and export.
    public func cancelAll() {
        scheduler.cancelAll()
        exportFlag.withLock { $0 }?.cancel()
    }

    /// One inference: posts its progress and result; false when stopped by `flag`.
    static func infer(_ engine: any PreviewEngine, job: Int, image: Image, key: MethodKey, region: PixelRect,
                      density: Double, priority: Priority, flag: CancellationToken,
                      post: @escaping @Sendable (Msg) -> Void) -> Bool {
        let start = Date()
        let last = Progress()
        do {
            let report: @Sendable (Double) -> Void = { f in
                if last.advance(to: f) { post(.inferProgress(job: job, fraction: f)) }
            }
            let tile = priority == .refine
                ? try engine.refine(image, region: region, method: key.method, alpha: key.alpha, cancel: flag,
                                    progress: report)
                : Tile(region: region, image: try engine.upscale(image, region: region, method: key.method,
                                                                 alpha: key.alpha, cancel: flag, progress: report))
            if flag.isCancelled { trace(job, key, priority, region, start, "cancelled"); return false }
            trace(job, key, priority, region, start, "done")
            post(.inferDone(job: job, tile: reduced(tile, density: density), seconds: Date().timeIntervalSince(start)))
        } catch {
            if flag.isCancelled { trace(job, key, priority, region, start, "stopped"); return false }
            post(.inferFailed(job: job, message: "\(key): \(error)"))
        }
        return true
    }

    /// Exports through the engine (streamed, written to a temporary file renamed at the end), so a
    /// cancelled or failed export leaves no partial file.
    static func export(engine: any PreviewEngine, image: Image, key: MethodKey, path: String, flag: CancellationToken,
                       post: @escaping @Sendable (Msg) -> Void) {
        let start = Date()
        let last = Progress()
        do {
            try engine.export(image, method: key.method, alpha: key.alpha, to: path, cancel: flag) { f in
                if last.advance(to: f) { post(.exportProgress(fraction: f, elapsed: Date().timeIntervalSince(start))) }
            }
            post(.exportFinished(path: path, seconds: Date().timeIntervalSince(start)))
        } catch {
            if !flag.isCancelled { post(.exportFailed(message: "\(error)")) }
        }
    }
}

/// `tile` box-reduced to about `density` pixels per output pixel (never below what was asked)
/// when `density` < 1 (fit views keep whole-image tiles small); otherwise unchanged.
func reduced(_ tile: Tile, density: Double) -> Tile {
    let img = tile.image
    guard density < 1 else { return tile }
    let w = max(Int((Double(img.width) * density).rounded(.up)), 1)
    let h = max(Int((Double(img.height) * density).rounded(.up)), 1)
    guard w < img.width || h < img.height else { return tile }
    let g = PixelGrid.sample(img, x: 0, y: 0, width: Double(img.width), height: Double(img.height),
                             toWidth: w, height: h)
    var px = [Float](repeating: 0, count: 3 * w * h)
    for i in 0..<(w * h) { for c in 0..<3 { px[c * w * h + i] = g.rgb[i * 3 + c] } }
    let image = Image(width: w, height: h, channelCount: 3, pixels: px, bitDepth: img.bitDepth)
    return Tile(region: tile.region, image: image,
                refined: tile.refined)
}

/// Throttles progress reports to steps of at least 2 %; the first report, the last (1) and every
/// change into or out of ``statisticsPending`` pass.
final class Progress: Sendable {
    private let reported = Locked<Double?>(nil)

    func advance(to f: Double) -> Bool {
        reported.withLock { reported in
            let passes = reported.map { f >= 1 || f - $0 >= 0.02 || (f < 0) != ($0 < 0) } ?? true
            if passes { reported = f }
            return passes
        }
    }
}

/// `ENHANCE_TRACE=FILE`: one line per inference job (id, key, priority, region, start and end in
/// seconds since the epoch, outcome) appended to FILE, to see where background time goes.
private let traceFile: FileHandle? = ProcessInfo.processInfo.environment["ENHANCE_TRACE"].flatMap { path in
    guard FileManager.default.createFile(atPath: path, contents: nil) else { return nil }
    return FileHandle(forWritingAtPath: path)
}

private func trace(_ job: Int, _ key: MethodKey, _ p: Priority, _ r: PixelRect, _ start: Date, _ what: String) {
    guard let traceFile else { return }
    let line = String(format: "%d %@ %@ %@ %.3f %.3f %@\n", job, key.slug, "\(p)", r.description,
                      start.timeIntervalSince1970, Date().timeIntervalSince1970, what)
    traceFile.write(Data(line.utf8))
}
