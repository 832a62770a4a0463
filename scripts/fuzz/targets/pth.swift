@testable import EnhanceCheckpoints

/// torch.save bytes (zip archive or legacy pickle stream) through the restricted unpickler.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPth(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = FuzzInput(data, size).bytes
    _ = CheckpointFile.detectFormat(head: Array(bytes.prefix(CheckpointFile.sniffBytes)), size: UInt64(bytes.count))
    if let ckpt = try? PyTorchCheckpoint.decode(bytes, file: "fuzz.pth") {
        for key in ckpt.stateDict.keys {
            let t = ckpt.stateDict[key]!
            precondition(t.values.count == t.shape.reduce(1, *))
        }
    }
    return 0
}
