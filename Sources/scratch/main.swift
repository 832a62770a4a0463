import EnhanceImaging
import EnhanceNetworks
import EnhanceSync
import EnhanceTUI
import EnhanceTUIEngine
import Foundation

let args = CommandLine.arguments
let p = try ModelLoader.load(path: args[1])
let g = try ModelLoader.load(path: args[2])
var o = UpscaleOptions(); o.threads = 2
let engine = try UpscalerEngine(psnr: p, gan: g, options: o, interactiveContext: 8)
let img = try ImageFile.read(path: "Assets/astronaut.png")
func ms(_ t0: Date) -> Double { Date().timeIntervalSince(t0) * 1000 }
let r = PixelRect(x: 241, y: 270, width: 30, height: 20)
var first: [Double] = [], again: [Double] = [], net: [Double] = []
for i in 0..<Int(args[3])! {
    let a = Float(i % 97) / 100 + 0.01
    let t0 = Date()
    _ = try engine.upscaler(for: .blend, alpha: a)
    net.append(ms(t0))
    let t1 = Date()
    _ = try engine.upscale(img, region: r, method: .blend, alpha: a, cancel: CancellationToken()) { _ in }
    first.append(ms(t1))
    let t2 = Date()
    _ = try engine.upscale(img, region: r, method: .blend, alpha: a, cancel: CancellationToken()) { _ in }
    again.append(ms(t2))
}
func med(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
print(String(format: "network %.1f ms, new α run %.1f ms, prepared run %.1f ms (medians of %d)",
             med(net), med(first), med(again), first.count))
