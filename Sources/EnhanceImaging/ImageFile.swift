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

    /// Encodes `image` to `path`, format chosen by extension (.png, .jpg, .jpeg; any case).
    ///
    /// The file is written to a temporary file in the same directory and renamed into place, so
    /// readers never see a partial file; on any error neither the output nor the temporary remains.
    /// - Parameters:
    ///   - quality: JPEG quality 1...100 (ignored for PNG).
    ///   - bitDepth: PNG sample depth 8 or 16; defaults to `image.bitDepth`. JPEG is always 8-bit.
    ///   - overwrite: replace an existing file; otherwise an existing `path` is an error.
    public static func write(_ image: Image, to path: String, quality: Int = 95, bitDepth: Int? = nil,
                             overwrite: Bool = false) throws {
        guard let format = ImageFormat.fromExtension(of: path) else {
            throw ImageIOError(path: path, kind: .unsupported,
                               reason: "unknown output extension (use .png, .jpg or .jpeg)")
        }
        guard image.width > 0, image.height > 0 else {
            throw ImageIOError(path: path, kind: .unsupported, reason: "cannot write an empty \(image.width)x\(image.height) image")
        }
        if format == .jpeg, let depth = bitDepth, depth != 8 {
            throw ImageIOError(path: path, kind: .unsupported, reason: "JPEG is 8-bit only, asked for \(depth)-bit")
        }
        if !overwrite && exists(path) {
            throw ImageIOError(path: path, kind: .alreadyExists, reason: "file already exists (pass overwrite to replace it)")
        }
        let temp = temporaryPath(for: path)
        do {
            switch format {
            case .png: try PNGCodec.write(image, to: temp, bitDepth: bitDepth ?? (image.bitDepth == 16 ? 16 : 8), finalPath: path)
            case .jpeg: try JPEGCodec.write(image, to: temp, quality: quality, finalPath: path)
            }
            try commit(temp: temp, to: path, overwrite: overwrite)
        } catch {
            unlink(temp)
            throw error
        }
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

    private static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    private static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "\(dir).\(name).tmp-\(getpid())-\(token)"
    }

    /// Moves the finished temporary into place; without `overwrite` an existing file is never replaced.
    private static func commit(temp: String, to path: String, overwrite: Bool) throws {
        if overwrite {
            if rename(temp, path) != 0 { throw posixError(path, "cannot replace") }
            return
        }
        if link(temp, path) == 0 {
            unlink(temp)
            return
        }
        let err = errno
        if err == EEXIST {
            throw ImageIOError(path: path, kind: .alreadyExists, reason: "file already exists (pass overwrite to replace it)")
        }
        // Filesystems without hard links: fall back to check-then-rename.
        if exists(path) {
            throw ImageIOError(path: path, kind: .alreadyExists, reason: "file already exists (pass overwrite to replace it)")
        }
        if rename(temp, path) != 0 { throw posixError(path, "cannot create") }
    }

    private static func posixError(_ path: String, _ what: String) -> ImageIOError {
        let err = errno
        let text = String(cString: strerror(err))
        let kind: ImageIOError.Kind = what.hasPrefix("cannot open") || what.hasPrefix("cannot read") ? .cannotOpen : .writeFailed
        return ImageIOError(path: path, kind: kind, reason: "\(what): \(text)")
    }
}

/// The C `read(2)` (shadowed inside ``ImageFile`` by its static `read`).
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
