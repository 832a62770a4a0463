@testable import EnhanceImaging

/// JPEG bytes through the C shim (libjpeg): header-only info, then a full decode (EXIF orientation
/// applied) under a 256-kpixel limit (big decodes only slow the search).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = scratchFile(FuzzInput(data, size).bytes, suffix: ".jpg")
    if let info = try? JPEGCodec.info(path: path) { precondition(info.width > 0 && info.height > 0) }
    if let image = try? ImageFile.read(path: path, maxPixels: 1 << 18) {
        precondition(image.pixels.count == image.width * image.height * image.channelCount)
        precondition((image.pixels.min() ?? 0) >= 0 && (image.pixels.max() ?? 0) <= 1, "sample outside [0, 1]")
    }
    return 0
}
