import EnhanceImaging
import EnhanceSync

/// How an export is encoded.
public struct ExportSettings: Sendable, Equatable {
    /// Output format; nil: from the output path's extension.
    public var format: ImageFormat?
    /// JPEG quality 1...100.
    public var quality: Int
    /// PNG bits per sample (8 or 16); nil: the input's.
    public var bitDepth: Int?
    /// Drop the input's text, ICC profile and EXIF; only the `enhance:*` entries are written.
    public var stripMetadata: Bool
    /// Replace an existing output file.
    public var overwrite: Bool

    /// Settings; the defaults follow the input (format from the path's extension, bit depth kept).
    public init(format: ImageFormat? = nil, quality: Int = 95, bitDepth: Int? = nil, stripMetadata: Bool = false,
                overwrite: Bool = false) {
        self.format = format
        self.quality = quality
        self.bitDepth = bitDepth
        self.stripMetadata = stripMetadata
        self.overwrite = overwrite
    }
}

/// The one output path of the CLI and the TUI: upscale → bands of rows → encoder → temporary file
/// → rename. Peak memory is the input plus one band plus the network's tile, whatever the height.
public enum Exporter {
    /// Checks everything that can be known before computing: format, bit depth, output size
    /// (against `maxPixels` and the format's limits) and that `path` may be created.
    /// - Returns: the layout and size the export will write.
    public static func plan(_ image: some PixelSource, with upscaler: Upscaler, to path: String,
                            settings: ExportSettings,
                            maxPixels: Int) throws -> (layout: OutputLayout, width: Int, height: Int) {
        let format = try settings.format ?? ImageFile.outputFormat(of: path)
        let layout = try OutputLayout.following(image, format: format, bitDepth: settings.bitDepth, path: path)
        let (w, h) = upscaler.outputSize(width: image.width, height: image.height)
        guard w > 0, h > 0 else {
            throw ImageIOError(path: path, kind: .unsupported, reason: "the output would be empty (\(w)x\(h))")
        }
        let (pixels, overflow) = w.multipliedReportingOverflow(by: h)
        if overflow || pixels > maxPixels {
            throw ImageIOError(path: path, kind: .tooLarge,
                               reason: "output of \(w)x\(h) pixels exceeds the limit of \(maxPixels) pixels")
        }
        try layout.check(width: w, height: h, path: path)
        if !settings.overwrite && AtomicFile.exists(path) {
            throw ImageIOError(path: path, kind: .alreadyExists,
                               reason: "file already exists (use --force to overwrite)")
        }
        return (layout, w, h)
    }

    /// Upscales `image` (an ``Image``, or a compact ``DecodedImage`` read a window of rows at a
    /// time) and streams the result into `path` (see ``plan(_:with:to:settings:maxPixels:)``
    /// for what is refused up front). The text chunks are the input's (unless stripped; its own
    /// `enhance:*` record left out) and the upscaler's `enhance:*` entries; ICC and EXIF follow
    /// ``OutputMetadata/exported``. `statistics` is the image's first pass under `upscaler`
    /// (``Upscaler/statistics(of:cancel:node:)``), when the caller has it already.
    /// On an error or cancellation nothing is left at `path` or beside it.
    public static func export(_ image: some PixelSource, with upscaler: Upscaler, to path: String,
                              settings: ExportSettings, statistics: ImageStatistics? = nil,
                              maxPixels: Int = 1 << 40, progress: ((Double) -> Void)? = nil,
                              cancel: CancellationToken? = nil) throws {
        let (layout, w, h) = try plan(image, with: upscaler, to: path, settings: settings, maxPixels: maxPixels)
        // The input's own enhance:* record describes how *it* was made: never carried over.
        var text = settings.stripMetadata ? [:] : image.text.filter { !$0.key.hasPrefix("enhance:") }
        text.merge(upscaler.metadata) { _, ours in ours }
        let metadata = OutputMetadata.exported(from: image, width: w, height: h, strip: settings.stripMetadata,
                                               text: text)
        try AtomicFile.write(to: path, overwrite: settings.overwrite) { temp in
            let writer = try ImageWriter(path: temp, reportedPath: path, width: w, height: h, layout: layout,
                                         metadata: metadata, quality: settings.quality)
            try upscaler.stream(image, statistics: statistics, progress: progress, cancel: cancel) {
                try writer.append($0)
            }
            try cancel.check()
            try writer.finish()
        }
    }
}
