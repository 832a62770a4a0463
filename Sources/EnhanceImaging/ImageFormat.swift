/// Encoded image file formats Enhance reads and writes.
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    case png
    case jpeg

    /// The format an output path asks for, from its extension (`.png`, `.jpg`, `.jpeg`, any case).
    public static func fromExtension(of path: String) -> ImageFormat? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg
        default: return nil
        }
    }
}

/// What a file's header says, read without decoding pixels.
public struct ImageInfo: Sendable, Equatable {
    /// Width in pixels as the decoded ``Image`` will have it (after EXIF orientation for JPEG).
    public var width: Int
    /// Height in pixels as the decoded ``Image`` will have it (after EXIF orientation for JPEG).
    public var height: Int
    /// Format detected from the file's magic bytes.
    public var format: ImageFormat
    /// Bits per sample the decoder will deliver: 8, or 16 for 16-bit PNGs.
    public var bitDepth: Int
    /// Whether the decoded image carries an alpha plane (PNG alpha colour types or tRNS).
    public var hasAlpha: Bool
    /// Whether the file stores gray samples (PNG gray / gray+alpha, single-component JPEG); the
    /// decoded ``Image`` is still RGB(A) with R = G = B.
    public var isGrayscale: Bool

    /// Creates an info record.
    public init(width: Int, height: Int, format: ImageFormat, bitDepth: Int, hasAlpha: Bool,
                isGrayscale: Bool = false) {
        self.isGrayscale = isGrayscale
        self.width = width
        self.height = height
        self.format = format
        self.bitDepth = bitDepth
        self.hasAlpha = hasAlpha
    }
}

/// An image file could not be read or written. ``description`` is one line naming the file.
public struct ImageIOError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Broad category of the failure.
    public enum Kind: String, Sendable {
        case cannotOpen, notAnImage, corrupt, tooLarge, alreadyExists, unsupported, writeFailed
    }
    /// The file the operation was about.
    public let path: String
    /// What went wrong.
    public let kind: Kind
    /// Human-readable detail (single line).
    public let reason: String

    /// Creates an error; newlines in `reason` are folded into spaces.
    public init(path: String, kind: Kind, reason: String) {
        self.path = path
        self.kind = kind
        self.reason = reason.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    /// `"<path>: <reason>"` on one line.
    public var description: String {
        let shownPath = path.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        return "\(shownPath): \(reason)"
    }
}
