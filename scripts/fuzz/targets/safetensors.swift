@testable import EnhanceCheckpoints

/// safetensors bytes: the decoder must either throw a ``CheckpointError`` or return tensors whose
/// values match their shapes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = FuzzInput(data, size).bytes
    _ = CheckpointFile.detectFormat(head: Array(bytes.prefix(CheckpointFile.sniffBytes)), size: UInt64(bytes.count))
    if let file = try? Safetensors.decode(bytes, file: "fuzz.safetensors") {
        for key in file.stateDict.keys {
            let t = file.stateDict[key]!
            precondition(t.values.count == t.shape.reduce(1, *))
        }
    }
    if let header = try? SafetensorsHeader.parse(bytes, fileSize: bytes.count, file: "fuzz.safetensors") {
        precondition(header.dataStart <= bytes.count)
    }
    return 0
}
