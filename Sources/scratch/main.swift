import EnhanceImaging
import EnhanceNetworks
import EnhanceTensor
import Foundation

let path = ProcessInfo.processInfo.environment["M"] ?? "/tmp/enhance-real-size/swinir_real.weights.safetensors"
let m = try ModelLoader.load(path: path)
let net = m.detected.network
let n = Int(ProcessInfo.processInfo.environment["N"] ?? "64")!
var rng = SystemRandomNumberGenerator()
let x = Tensor(channels: 3, height: n, width: n, data: (0..<(3 * n * n)).map { _ in Float.random(in: 0...1, using: &rng) })
for th in (ProcessInfo.processInfo.environment["T"].map { [Int($0)!] } ?? [1, 2]) {
    let pool = ThreadPool(threads: th)
    _ = try net.forward(x, pool: pool, cancel: nil)
    var t: [Double] = []
    for _ in 0..<(Int(ProcessInfo.processInfo.environment["R"] ?? "3")!) { let s = Date(); _ = try net.forward(x, pool: pool, cancel: nil); t.append(Date().timeIntervalSince(s)) }
    print("threads \(th): median \(String(format: "%.3f", t.sorted()[1])) s")
}
