import Foundation
import XCTest
import EnhanceImaging
import EnhanceTerminal
@testable import EnhanceTUI

/// Deterministic engine: bicubic = nearest-neighbour replication, PSNR/GAN = flat colours, the
/// blend at α the flat colour (0, 1 − α², 0.4·α).
/// Files whose content starts with `FAKEIMG <w> <h>` are images (whatever their name).
final class FakeEngine: PreviewEngine, @unchecked Sendable {
    let scale = 4
    var modelNames: (psnr: String, gan: String) { names.withLock { $0 } }
    var modelRuntimes: (psnr: String, gan: String) { runtimes.withLock { $0 } }
    var psnrColor: (Float, Float, Float) = (1, 0, 0)
    var ganColor: (Float, Float, Float) = (0, 0, 1)
    /// When set, `upscale` waits until cancelled (to test cancellation), signalling ``blocked``
    /// once it waits.
    var blockUntilCancelled = false
    let blocked = DispatchSemaphore(value: 0)
    /// What `pairs()` lists, and whether `switchPair` refuses (with this message).
    var offered: [PairChoice] = []
    var refuse: String?
    let names = Locked(("psnr-net", "gan-net"))
    /// How each model runs (none told by default); a switch takes `runtimeOf` the pair's paths.
    let runtimes = Locked(("", ""))
    var runtimeOf: [String: String] = [:]

    func probe(path: String) -> ImageProbe? {
        // Reads the first 40 bytes only: random sessions may browse up into folders of big files.
        guard let fh = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? fh.close() }
        guard let d = try? fh.read(upToCount: 40), let s = String(data: d, encoding: .utf8),
              s.hasPrefix("FAKEIMG ") else { return nil }
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count >= 3, let w = Int(parts[1]), let h = Int(parts[2]) else { return nil }
        return ImageProbe(format: "FAKE", width: w, height: h)
    }

    func load(path: String) throws -> Image {
        guard let p = probe(path: path) else { throw NSError(domain: "fake", code: 1) }
        return gradient(p.width, p.height)
    }

    func upscale(_ image: Image, region: PixelRect, method: Method, alpha: Float, cancel: CancellationToken,
                 progress: @escaping @Sendable (Double) -> Void) throws -> Image {
        if blockUntilCancelled {
            let cancelled = DispatchSemaphore(value: 0)
            cancel.onCancel { cancelled.signal() }
            blocked.signal()
            cancelled.wait()
            throw CancellationError()
        }
        progress(0.5)
        let w = region.width * scale, h = region.height * scale
        let color: (Float, Float, Float)
        switch method {
        case .bicubic:
            var px = [Float](repeating: 0, count: 3 * w * h)
            for c in 0..<3 { for y in 0..<h { for x in 0..<w {
                px[c * w * h + y * w + x] = image[c, region.y + y / scale, region.x + x / scale]
            } } }
            return Image(width: w, height: h, channelCount: 3, pixels: px)
        case .psnr: color = psnrColor
        case .gan: color = ganColor
        case .blend: color = (0, 1 - alpha * alpha, 0.4 * alpha)  // not linear in α: ≈ differs from exact
        }
        return flat(w, h, color)
    }

    func pairs() -> [PairChoice] { offered }

    func switchPair(_ pair: PairChoice) throws {
        if let refuse { throw NSError(domain: refuse, code: 1) }
        names.withLock { $0 = (pair.psnr, pair.gan) }
        runtimes.withLock { $0 = (runtimeOf[pair.psnr] ?? "", runtimeOf[pair.gan] ?? "") }
    }

    /// Writes a text file describing the export: `<w>x<h> <method>`.
    func export(_ image: Image, method: Method, alpha: Float, to path: String, cancel: CancellationToken,
                progress: @escaping @Sendable (Double) -> Void) throws {
        let out = try upscale(image, region: PixelRect(x: 0, y: 0, width: image.width, height: image.height),
                              method: method, alpha: alpha, cancel: cancel, progress: progress)
        try cancel.check()
        let slug = MethodKey(method, alpha: alpha).slug
        try "\(out.width)x\(out.height) \(slug)".write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// The messages an ``EffectExecutor`` posts, and waiting for one without sleeping (a condition
/// variable, like the scheduler tests' `EventLog`).
final class MessageLog: @unchecked Sendable {
    private let cond = NSCondition()
    private var messages: [Msg] = []

    @Sendable func post(_ m: Msg) {
        cond.lock(); messages.append(m); cond.broadcast(); cond.unlock()
    }

    /// The first message matching `match` (waiting for it up to `timeout` s; nil after that).
    func first(timeout: Double = 10, where match: (Msg) -> Bool) -> Msg? {
        cond.lock(); defer { cond.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            if let m = messages.first(where: match) { return m }
            if !cond.wait(until: deadline) { return messages.first(where: match) }
        }
    }

    /// Everything posted so far.
    var all: [Msg] { cond.lock(); defer { cond.unlock() }; return messages }
}

func flat(_ w: Int, _ h: Int, _ c: (Float, Float, Float)) -> Image {
    Image(width: w, height: h, channelCount: 3,
          pixels: [c.0, c.1, c.2].flatMap { [Float](repeating: $0, count: w * h) })
}

/// R = x/(w−1), G = y/(h−1), B = 0.5.
func gradient(_ w: Int, _ h: Int) -> Image {
    var px = [Float](repeating: 0.5, count: 3 * w * h)
    for y in 0..<h { for x in 0..<w {
        px[y * w + x] = Float(x) / Float(max(w - 1, 1))
        px[w * h + y * w + x] = Float(y) / Float(max(h - 1, 1))
    } }
    return Image(width: w, height: h, channelCount: 3, pixels: px)
}

/// Drives `update` synchronously, running effects inline against the fake engine. Inference
/// effects are held in `pendingInfer` until `finishJobs()` so tests can look at in-between states.
final class Harness {
    var state: AppState
    let engine: FakeEngine
    var effects: [Effect] = []
    var pendingInfer: [Effect] = []
    /// The seconds each finished job reports per input pixel of its region.
    var secondsPerPixel = 0.25 / 16384

    init(directory: String, columns: Int = 60, rows: Int = 16, engine: FakeEngine = FakeEngine(),
         options: TUIOptions = TUIOptions()) {
        self.engine = engine
        var options = options
        options.exportFolder = options.exportFolder ?? directory  // exports stay in the test's folder
        let (s, fx) = initialState(path: directory, isDirectory: true, columns: columns, rows: rows, scale: 4,
                                   models: engine.modelNames, runtimes: engine.modelRuntimes, colorMode: .trueColor,
                                   options: options)
        state = s
        run(fx)
    }

    func send(_ m: Msg) {
        let (s, fx) = update(state, m)
        state = s
        run(fx)
    }

    func keys(_ ks: Key...) { for k in ks { send(.key(k)) } }
    func type(_ text: String) { for c in text { send(.key(.char(c))) } }

    func run(_ fx: [Effect]) {
        effects += fx
        for e in fx {
            switch e {
            case .listDirectory(let p):
                let (entries, err) = DirectoryLister.list(p) { self.engine.probe(path: $0) }
                send(.listed(directory: p, entries: entries, error: err))
            case .load(let p):
                send(.loaded(path: p, image: try? engine.load(path: p), error: "cannot load"))
            case .infer:
                pendingInfer.append(e)
            case .cancel(let id):
                pendingInfer.removeAll { if case .infer(id, _, _, _, _, _) = $0 { return true } else { return false } }
            case let .measureConsistency(tiles, view, input, key):
                send(.consistencyMeasured(consistency(tiles: tiles, view: view, input: input, scale: 4, key: key)))
            case .listPairs:
                send(.pairsListed(engine.pairs()))
            case .switchPair(let pair):
                do {
                    try engine.switchPair(pair)
                    send(.pairSwitched(names: engine.modelNames, runtimes: engine.modelRuntimes, error: nil))
                } catch {
                    send(.pairSwitched(names: nil, error: "\(error)"))
                }
            default:
                break
            }
        }
    }

    /// Completes the inference jobs queued now (only those whose key matches `only`, if given),
    /// in priority order as the scheduler would run them; jobs they cause stay queued.
    func finishJobs(only: ((MethodKey) -> Bool)? = nil) {
        var rest: [Effect] = []
        let jobs = pendingInfer.sorted { priority($0) < priority($1) }
        pendingInfer = []
        for e in jobs {
            guard case let .infer(id, image, key, region, density, priority) = e, only?(key) ?? true else {
                rest.append(e)
                continue
            }
            guard state.preview?.jobs[id] != nil else { continue }  // cancelled meanwhile
            let tile = priority == .refine
                ? try! engine.refine(image, region: region, method: key.method, alpha: key.alpha,
                                     cancel: CancellationToken()) { _ in }
                : Tile(region: region,
                       image: try! engine.upscale(image, region: region, method: key.method, alpha: key.alpha,
                                                  cancel: CancellationToken()) { _ in })
            // Timed like a network: 0.25 s for a 128² region.
            send(.inferDone(job: id, tile: reduced(tile, density: density),
                            seconds: Double(region.area) * secondsPerPixel))
        }
        pendingInfer = rest + pendingInfer
    }

    /// Runs inference until nothing is queued (at most `rounds` rounds).
    func settle(rounds: Int = 20) {
        for _ in 0..<rounds where !pendingInfer.isEmpty { finishJobs() }
    }

    private func priority(_ e: Effect) -> Int {
        if case let .infer(_, _, _, _, _, p) = e { return p.rawValue }
        return 99
    }

    let renderCache = RenderCache()
    var screen: ScreenBuffer { view(state, cache: renderCache) }
}

/// A scratch directory removed at the end of the test.
func makeTempDir() throws -> String {
    let dir = NSTemporaryDirectory() + "enhance-tui-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func writeFakeImage(_ path: String, _ w: Int, _ h: Int) {
    _ = FileManager.default.createFile(atPath: path, contents: Data("FAKEIMG \(w) \(h)\n".utf8))
}

/// Deterministic xorshift generator so failures reproduce.
struct XorShift: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
}

/// A test case with a fresh temporary folder holding `photo.dat` (a fake 8×6 image), removed after.
class PhotoDirTestCase: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try makeTempDir()
        writeFakeImage(dir + "/photo.dat", 8, 6)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }
}

extension PhotoDirTestCase {
    /// Opens photo.dat (8×6 → 32×24) in a `columns × rows` terminal.
    func open(columns: Int = 40, rows: Int = 8) -> Harness {
        let h = Harness(directory: dir, columns: columns, rows: rows)
        h.keys(.enter)
        XCTAssertEqual(h.state.screen, .preview)
        return h
    }

    /// Keys of the inference effects in `fx` (of one priority, if given), in order.
    func inferKeys(_ fx: [Effect], _ priority: Priority? = nil) -> [MethodKey] {
        fx.compactMap {
            guard case let .infer(_, _, k, _, _, p) = $0, priority.map({ $0 == p }) ?? true else { return nil }
            return k
        }
    }
}
