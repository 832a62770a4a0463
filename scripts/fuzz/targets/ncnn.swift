@testable import EnhanceCheckpoints

/// ncnn `.param` text and `.bin` weights in one input: the first byte pair gives the length of
/// the `.param` part (little-endian), the rest is the `.bin`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNCNN(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let paramLength = Int(input.byte()) | Int(input.byte()) << 8
    let rest = input.rest()
    let split = min(paramLength, rest.count)
    guard let text = String(validating: rest[..<split], as: UTF8.self) else { return 0 }
    let bin = Array(rest[split...])
    if let net = try? NCNN.decode(paramText: text, paramFile: "fuzz.param", binBytes: bin, binFile: "fuzz.bin") {
        for layer in net.layers {
            for t in layer.weights { precondition(t.values.count == t.shape.reduce(1, *)) }
        }
    }
    return 0
}
