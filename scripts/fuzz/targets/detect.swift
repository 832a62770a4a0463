import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor

/// Architecture detection and network build from a parsed state dict. The input is text, one
/// tensor per line: `key d0 d1 …` (values are a fixed ramp, so only names and shapes matter,
/// which is what detection reads). Built networks run one forward pass on a tiny image.
let pool = ThreadPool(threads: 1)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDetect(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var sd = StateDict()
    var total = 0
    for line in text.split(separator: "\n").prefix(512) {
        let parts = line.split(separator: " ")
        guard let key = parts.first, parts.count <= 6 else { continue }
        let dims = parts.dropFirst().compactMap { Int($0) }
        guard dims.count == parts.count - 1, dims.allSatisfy({ (0...4096).contains($0) }) else { continue }
        let count = dims.reduce(1) { $0 * $1 }
        total += count
        guard count <= 1 << 16, total <= 1 << 18 else { return 0 }
        sd[String(key)] = WeightTensor(shape: dims, values: (0 ..< count).map { Float($0 % 7) * 0.01 - 0.03 })
    }
    guard let model = try? LoadedModel(stateDict: sd, name: "fuzz") else { return 0 }
    precondition(model.scale >= 1 && model.info.rows.count > 5)
    guard model.info.macsPerInputPixel < 5e6 else { return 0 }
    let m = model.network.inputMultiple
    let x = Tensor(channels: 3, height: 2 * m, width: 3 * m, data: (0 ..< 18 * m * m).map { Float($0 % 5) / 4 })
    if let y = try? model.network.forward(x, pool: pool, cancel: nil) {
        precondition(y.channels == 3 && y.height == 2 * m * model.scale && y.width == 3 * m * model.scale)
    }
    return 0
}
