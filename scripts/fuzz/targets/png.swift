@testable import EnhanceImaging

/// PNG bytes through the C shim (libpng): header-only info, then a full decode under a 256-kpixel
/// limit (big decodes only slow the search).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = scratchFile(FuzzInput(data, size).bytes, suffix: ".png")
    if let info = try? PNGCodec.info(path: path) { precondition(info.width > 0 && info.height > 0) }
    if let decoded = try? PNGCodec.decode(path: path, maxPixels: 1 << 18) {
        let image = decoded.rows(0..<decoded.height)
        precondition(image.pixels.count == image.width * image.height * image.channelCount)
        precondition((image.pixels.min() ?? 0) >= 0 && (image.pixels.max() ?? 0) <= 1, "sample outside [0, 1]")
    }
    return 0
}
