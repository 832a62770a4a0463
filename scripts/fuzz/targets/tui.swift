import EnhanceImaging
import EnhanceTerminal
import EnhanceTUI

/// The TUI's pure core: `update` over random keys, mouse drags, resizes (down to 1×1) and job
/// results at random terminal sizes, `view` after every message; each frame must have exactly the
/// terminal's size. Effects are answered inline with synthetic listings, images, tiles and pair
/// lists (the filmstrip `s` and the pair picker `p` are among the keys).
private let keys: [Key] = [.up, .down, .left, .right, .shiftLeft, .shiftRight, .enter, .backspace, .escape, .tab,
                           .backTab, .pageUp, .pageDown, .home, .end]
    + "0123456789aqzZfhjklvV[]{}=c <>e/.?xyno-+sp".map { .char($0) }

private func flat(_ w: Int, _ h: Int, _ v: Float) -> Image {
    Image(width: w, height: h, channelCount: 3, pixels: [Float](repeating: v, count: 3 * w * h))
}

private struct Session {
    var input: FuzzInput
    var state: AppState
    var pending: [Effect] = []
    var steps = 0
    let cache = RenderCache()

    mutating func send(_ msg: Msg) {
        guard steps < 400 else { return }
        steps += 1
        let (s, fx) = update(state, msg)
        state = s
        let frame = view(state, cache: cache)
        precondition(frame.columns == max(state.columns, 0) && frame.rows == max(state.rows, 0), "frame size")
        precondition(frame.cells.count == frame.columns * frame.rows)
        for e in fx { answer(e) }
    }

    mutating func answer(_ e: Effect) {
        switch e {
        case .listDirectory(let p):
            var entries = [DirEntry(name: "..", path: p + "/..", kind: .parent),
                           DirEntry(name: "sub", path: p + "/sub", kind: .directory)]
            for i in 0 ..< input.int(0...5) {
                let (w, h) = (input.int(1...300), input.int(1...300))
                entries.append(DirEntry(name: "img\(i).png", path: "\(p)/img\(i).png", kind: .file, size: 100,
                                        probe: ImageProbe(format: "PNG", width: w, height: h)))
            }
            send(.listed(directory: p, entries: entries, error: input.int(0...9) == 0 ? "denied" : nil))
        case .load(let p):
            let ok = input.int(0...7) != 0
            let image = ok ? flat(input.int(1...300), input.int(1...300), 0.5) : nil
            send(.loaded(path: p, image: image, error: ok ? nil : "bad"))
        case .infer, .export, .checkExists, .switchPair:
            pending.append(e)
        case .listPairs:
            let pairs = (0 ..< input.int(0...3)).map {
                PairChoice(name: "p\($0)", psnr: "p\($0)-psnr", gan: "p\($0)-gan")
            }
            send(.pairsListed(pairs))
        default:
            break
        }
    }

    /// Completes the oldest pending job (or reports its failure).
    mutating func finishOne() {
        guard !pending.isEmpty else { return }
        let e = pending.removeFirst()
        switch e {
        case let .infer(job, _, _, region, _, _):
            if input.int(0...5) == 0 { return send(.inferFailed(job: job, message: "boom")) }
            let s = state.scale
            let w = max(region.width * s, 1), h = max(region.height * s, 1)
            guard w * h <= 1 << 20 else { return send(.inferFailed(job: job, message: "big")) }
            send(.inferProgress(job: job, fraction: 0.5))
            send(.inferDone(job: job, tile: Tile(region: region, image: flat(w, h, 0.25)), seconds: 0.1))
        case let .switchPair(choice):
            let ok = input.int(0...2) != 0
            send(.pairSwitched(names: ok ? (choice.psnr, choice.gan) : nil, error: ok ? nil : "cannot blend"))
        case let .checkExists(path):
            send(.existsChecked(path: path, exists: input.int(0...1) == 0))
        case let .export(_, _, path):
            send(.exportProgress(fraction: 0.3, elapsed: 1))
            send(input.int(0...3) == 0 ? .exportFailed(message: "disk full") : .exportFinished(path: path, seconds: 2))
        default:
            break
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTUI(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let (columns, rows) = (input.int(1...160), input.int(1...60))
    let color = ColorMode.allCases[input.int(0...(ColorMode.allCases.count - 1))]
    let (s, fx) = initialState(path: "/fuzz", isDirectory: true, columns: columns, rows: rows, scale: 4,
                               modelNames: "PSNR a · GAN b", colorMode: color, showHidden: false)
    var session = Session(input: input, state: s)
    for e in fx { session.answer(e) }
    while !session.input.atEnd && session.steps < 400 && !session.state.quitting {
        switch session.input.int(0...15) {
        case 0: session.send(.resize(columns: session.input.int(0...200), rows: session.input.int(0...80)))
        case 1: session.send(.drag(columns: session.input.int(0...40) - 20, rows: session.input.int(0...20) - 10))
        case 2, 3: session.finishOne()
        case 4: session.send(.interrupt)
        default: session.send(.key(keys[session.input.int(0...(keys.count - 1))]))
        }
    }
    return 0
}
