import EnhanceCheckpoints
import EnhanceTensor

@testable import EnhanceONNX

/// An `.onnx` file's bytes: decoded (64 MB budget), checked and prepared as a program (values
/// limited to 2²² elements), probed at 8 × 8 and run on an 8 × 8 image when it loads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let model = try? ONNXReader.decode(bytes, path: "/nonexistent-fuzz/model.onnx",
                                             budget: LoadBudget(maxBytes: 64 << 20)),
          let program = try? ONNXProgram(model, maxElements: 1 << 22) else { return 0 }
    let pool = ThreadPool(threads: 1)
    _ = try? program.probe(height: 8, width: 8, pool: pool)
    let x = Tensor(channels: 3, height: 8, width: 8, data: (0..<192).map { Float($0 % 17) / 16 })
    if let y = try? program.run(x, pool: pool) { precondition(y.data.count == y.channels * y.height * y.width) }
    return 0
}
