import EnhanceImaging
import EnhanceTerminal
import Foundation

/// Runs ``Effect``s off the UI thread and posts the outcomes as ``Msg``s.
///
/// Inference runs on one serial queue (jobs are cancelled through their ``CancelFlag``, so a
/// stale job stops early and the next starts); listing/loading on another; export on a third.
/// `post` is called from background threads and must be thread-safe.
public final class EffectExecutor: @unchecked Sendable {
    private let engine: any PreviewEngine
    private let post: @Sendable (Msg) -> Void
    private let inferQueue = DispatchQueue(label: "enhance.infer")
    private let ioQueue = DispatchQueue(label: "enhance.io")
    private let exportQueue = DispatchQueue(label: "enhance.export")
    private let lock = NSLock()
    private var flags: [Int: CancelFlag] = [:]
    private var exportFlag: CancelFlag?

    public init(engine: any PreviewEngine, post: @escaping @Sendable (Msg) -> Void) {
        self.engine = engine
        self.post = post
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
        case let .infer(job, image, method, region, density):
            let flag = CancelFlag()
            lock.lock(); flags[job] = flag; lock.unlock()
            inferQueue.async { [weak self] in
                defer { self?.forget(job) }
                guard !flag.isCancelled else { return }
                let start = Date()
                let last = Progress()
                do {
                    let out = try engine.upscale(image, region: region, method: method, cancel: flag) { f in
                        if last.advance(to: f) { post(.inferProgress(job: job, fraction: f)) }
                    }
                    guard !flag.isCancelled else { return }
                    post(.inferDone(job: job, tile: reduced(Tile(region: region, image: out), density: density),
                                    seconds: Date().timeIntervalSince(start)))
                } catch {
                    if !flag.isCancelled { post(.inferFailed(job: job, message: "\(method): \(error)")) }
                }
            }
        case .cancel(let job):
            lock.lock(); let f = flags[job]; lock.unlock()
            f?.cancel()
        case .checkExists(let path):
            ioQueue.async { post(.existsChecked(path: path, exists: FileManager.default.fileExists(atPath: path))) }
        case let .export(image, method, path):
            let flag = CancelFlag()
            lock.lock(); exportFlag?.cancel(); exportFlag = flag; lock.unlock()
            exportQueue.async { Self.export(engine: engine, image: image, method: method, path: path, flag: flag, post: post) }
        case .cancelExport:
            lock.lock(); exportFlag?.cancel(); lock.unlock()
        case .quit:
            cancelAll()
        }
    }

    /// Cancels every running job and export.
    public func cancelAll() {
        lock.lock()
        for f in flags.values { f.cancel() }
        exportFlag?.cancel()
        lock.unlock()
    }

    private func forget(_ job: Int) {
        lock.lock(); flags[job] = nil; lock.unlock()
    }

    /// Exports through the engine (streamed, written to a temporary file renamed at the end), so a
    /// cancelled or failed export leaves no partial file.
    static func export(engine: any PreviewEngine, image: Image, method: PreviewMethod, path: String, flag: CancelFlag,
                       post: @escaping @Sendable (Msg) -> Void) {
        let start = Date()
        let last = Progress()
        do {
            try engine.export(image, method: method, to: path, cancel: flag) { f in
                if last.advance(to: f) { post(.exportProgress(fraction: f, elapsed: Date().timeIntervalSince(start))) }
            }
            post(.exportFinished(path: path, seconds: Date().timeIntervalSince(start)))
        } catch {
            if !flag.isCancelled { post(.exportFailed(message: "\(error)")) }
        }
    }
}

/// Output tiles larger than this many pixels are stored reduced when the view allows it.
public let reduceAbovePixels = 8_000_000

/// `tile` box-reduced to about `density` pixels per output pixel (never below what was asked),
/// when it is larger than ``reduceAbovePixels`` and `density` < 1; otherwise unchanged.
func reduced(_ tile: Tile, density: Double) -> Tile {
    let img = tile.image
    guard density < 1, img.planeSize > reduceAbovePixels else { return tile }
    let w = max(Int((Double(img.width) * density).rounded(.up)), 1)
    let h = max(Int((Double(img.height) * density).rounded(.up)), 1)
    guard w < img.width || h < img.height else { return tile }
    let g = PixelGrid.sample(img, x: 0, y: 0, width: Double(img.width), height: Double(img.height), toWidth: w, height: h)
    var px = [Float](repeating: 0, count: 3 * w * h)
    for i in 0..<(w * h) { for c in 0..<3 { px[c * w * h + i] = g.rgb[i * 3 + c] } }
    return Tile(region: tile.region, image: Image(width: w, height: h, channelCount: 3, pixels: px, bitDepth: img.bitDepth))
}

/// Throttles progress reports to steps of at least 2 %.
final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private var reported = -1.0

    func advance(to f: Double) -> Bool {
        lock.lock(); defer { lock.unlock() }
        if f >= 1 || f - reported >= 0.02 { reported = f; return true }
        return false
    }
}
