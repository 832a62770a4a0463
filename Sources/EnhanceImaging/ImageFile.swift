#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing image files. The format is sniffed from content (magic bytes), never the
/// extension; every failure is an ``ImageIOError`` whose description is one line naming the file.
public enum ImageFile {
    /// Default decompression-bomb limit: 100 megapixels.
    public static let defaultMaxPixels = 100_000_000

    /// The format of the file at `path` judged by its first bytes, or nil (unreadable / not PNG or JPEG).
    public static func sniff(path: String) -> ImageFormat? {
        guard let head = try? readHead(path: path) else { return nil }
        return format(ofHead: head)
    }

    /// Header-only metadata (no pixel decoding).
    public static func info(path: String) throws -> ImageInfo {
        switch try detect(path: path) {
        case .png: return try PNGCodec.info(path: path)
        case .jpeg: return try JPEGCodec.info(path: path)
        }
    }

    /// Decodes the file at `path` into a planar float ``Image`` (RGB or RGBA, values in [0, 1]).
    ///
    /// The header is checked first: files declaring more than `maxPixels` pixels are refused before
    /// any pixel memory is allocated. JPEG EXIF orientation is applied.
    public static func read(path: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
        switch try detect(path: path) {
        case .png: return try PNGCodec.read(path: path, maxPixels: maxPixels)
        case .jpeg: return try JPEGCodec.read(path: path, maxPixels: maxPixels)
        }
    }

    /// Encodes `image` to `path`, format chosen by extension (.png, .jpg, .jpeg; any case), in the
    /// layout that follows the image (gray stays gray, alpha kept in PNG), with its text, ICC
    /// profile and EXIF as they are.
    ///
    /// The file is written through ``AtomicFile``: readers never see a partial file, and on any error
    /// neither the output nor the temporary remains.
    /// - Parameters:
    ///   - quality: JPEG quality 1...100 (ignored for PNG).
    ///   - bitDepth: PNG sample depth 8 or 16; defaults to `image.bitDepth`. JPEG is always 8-bit.
    ///   - overwrite: replace an existing file; otherwise an existing `path` is an error.
    public static func write(_ image: Image, to path: String, quality: Int = 95, bitDepth: Int? = nil,
                             overwrite: Bool = false) throws {
        let format = try outputFormat(of: path)
        let layout = try OutputLayout.following(image, format: format, bitDepth: bitDepth, path: path)
        try layout.check(width: image.width, height: image.height, path: path)
        let metadata = OutputMetadata(text: image.text, iccProfile: image.iccProfile, exif: image.exif)
        try AtomicFile.write(to: path, overwrite: overwrite) { temp in
            let writer = try ImageWriter(path: temp, reportedPath: path, width: image.width, height: image.height,
                                         layout: layout, metadata: metadata, quality: quality)
            try writer.append(image)
            try writer.finish()
        }
    }

    /// The format an output path's extension asks for, or a one-line error.
    public static func outputFormat(of path: String) throws -> ImageFormat {
        guard let format = ImageFormat.fromExtension(of: path) else {
            throw ImageIOError(path: path, kind: .unsupported,
                               reason: "unknown output extension (use .png, .jpg or .jpeg)")
        }
        return format
    }

    // MARK: - Helpers

    static func format(ofHead head: [UInt8]) -> ImageFormat? {
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// Opens, checks the file kind and sniffs; throws one-line errors for the usual bad inputs.
    private static func detect(path: String) throws -> ImageFormat {
        let head = try readHead(path: path)
        if head.isEmpty { throw ImageIOError(path: path, kind: .notAnImage, reason: "empty file") }
        guard let format = format(ofHead: head) else {
            throw ImageIOError(path: path, kind: .notAnImage, reason: "not a PNG or JPEG file (unrecognised content)")
        }
        return format
    }

    private static func readHead(path: String) throws -> [UInt8] {
        var st = stat()
        if stat(path, &st) != 0 { throw posixError(path, "cannot open") }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw ImageIOError(path: path, kind: .cannotOpen, reason: "is a directory, not an image file")
        }
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw posixError(path, "cannot open") }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 8)
        let n = head.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, 8) }
        if n < 0 { throw posixError(path, "cannot read") }
        return Array(head.prefix(n))
    }

    private static func posixError(_ path: String, _ what: String) -> ImageIOError {
        let err = errno
        let text = String(cString: strerror(err))
        let opening = what.hasPrefix("cannot open") || what.hasPrefix("cannot read")
        let kind: ImageIOError.Kind = opening ? .cannotOpen : .writeFailed
        return ImageIOError(path: path, kind: kind, reason: "\(what): \(text)")
    }
}

/// The C `read(2)` (shadowed inside ``ImageFile`` by its static `read`).
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
