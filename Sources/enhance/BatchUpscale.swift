import EnhanceImaging
import EnhanceNetworks
import Foundation

/// One file of a batch: where it comes from and where its result goes.
struct BatchJob: Equatable {
    var input: String
    var output: String
}

/// Turns the command line's inputs (files and folders) into jobs.
enum BatchPlan {
    static func jobs(inputs: [String], outputFolder: String, recursive: Bool, suffix: String,
                     format: ImageFormat) throws -> [BatchJob] {
        if !isDirectory(outputFolder) {
            let exists = FileManager.default.fileExists(atPath: outputFolder)
            // A trailing "/" names a folder whatever its name looks like.
            if ImageFormat.fromExtension(of: outputFolder) != nil && !exists && !outputFolder.hasSuffix("/") {
                throw CLIError("\(outputFolder): several inputs or a folder need an output folder, not a file name")
            }
            if exists { throw CLIError("\(outputFolder): not a folder") }
        }
        let ext = format == .png ? "png" : "jpg"
        var jobs: [BatchJob] = []
        for input in inputs {
            if isDirectory(input) {
                for rel in try images(in: input, recursive: recursive) {
                    let out = join(outputFolder, outputName(rel, suffix, ext))
                    jobs.append(BatchJob(input: join(input, rel), output: out))
                }
            } else {
                let name = (input as NSString).lastPathComponent
                jobs.append(BatchJob(input: input, output: join(outputFolder, outputName(name, suffix, ext))))
            }
        }
        return jobs
    }

    /// Relative paths of the images under `dir`, sorted: files whose content is PNG or JPEG, and
    /// files named as images (`.png`, `.jpg`, `.jpeg`) whatever their content, so that a damaged
    /// or mislabelled one fails by name instead of vanishing; sub-folders only when `recursive`.
    static func images(in dir: String, recursive: Bool) throws -> [String] {
        var found: [String] = []
        func visit(_ rel: String, depth: Int) throws {
            let full = rel.isEmpty ? dir : join(dir, rel)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: full) else {
                if rel.isEmpty { throw CLIError("\(dir): cannot list the folder") }
                return
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let r = rel.isEmpty ? name : rel + "/" + name
                let path = join(dir, r)
                if isDirectory(path) {
                    // Symbolic links to folders are not followed (no loops).
                    let isLink = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
                    if recursive && !isLink && depth < 64 { try visit(r, depth: depth + 1) }
                } else if ImageFile.sniff(path: path) != nil || ImageFormat.fromExtension(of: name) != nil {
                    found.append(r)
                }
            }
        }
        try visit("", depth: 0)
        return found
    }

    static func outputName(_ relative: String, _ suffix: String, _ ext: String) -> String {
        let stem = (relative as NSString).deletingPathExtension
        return stem + suffix + "." + ext
    }

    static func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }
}

/// Runs jobs one after another with one upscaler: a bad file never stops the batch.
struct BatchUpscale {
    let upscaler: Upscaler
    let settings: ExportSettings
    let maxPixels: Int
    let showProgress: Bool

    /// One file; errors are thrown (one line naming the file).
    func runSingle(input: String, output: String) throws {
        let bar = showProgress ? ProgressBar(totalWork: 1, files: 1) : nil
        try export(input: input, output: output) { f in bar?.update(file: f, done: 0, index: 0, name: input) }
        bar?.finish()
    }

    /// All jobs; prints skipped and failed files, then `N written, M skipped, K failed`.
    /// - Returns: the number of failures.
    func run(_ jobs: [BatchJob]) throws -> Int {
        var seen = Set<String>()
        for j in jobs where !seen.insert(j.output).inserted {
            throw CLIError("\(j.output): two inputs would be written to the same output (use --recursive or rename)")
        }
        let work = jobs.map { Double(max(1, (try? ImageFile.info(path: $0.input)).map { $0.width * $0.height } ?? 1)) }
        let bar = showProgress ? ProgressBar(totalWork: work.reduce(0, +), files: jobs.count) : nil
        var written = 0, skipped = 0, failures: [String] = []
        var done = 0.0
        for (i, job) in jobs.enumerated() {
            if !settings.overwrite && AtomicFile.exists(job.output) {
                skipped += 1
                bar?.clearLine()
                printErr("skipped \(job.input): \(job.output) exists (use --force to overwrite)")
            } else {
                do {
                    try Folder.create((job.output as NSString).deletingLastPathComponent)
                    try export(input: job.input, output: job.output) { f in
                        bar?.update(file: f, done: done + f * work[i], index: i, name: job.input)
                    }
                    written += 1
                } catch {
                    failures.append("\(error)")
                    bar?.clearLine()
                    printErr("failed: \(error)")
                }
            }
            done += work[i]
        }
        bar?.finish()
        printErr("\(written) written, \(skipped) skipped, \(failures.count) failed")
        for f in failures { printErr("  \(f)") }
        return failures.count
    }

    private func export(input: String, output: String, progress: @escaping (Double) -> Void) throws {
        // Kept as the decoder's 8/16-bit samples: the float rows exist one band window at a time.
        let image = try ImageFile.decode(path: input, maxPixels: maxPixels)
        try Exporter.export(image, with: upscaler, to: output, settings: settings, maxPixels: maxPixels * 16,
                            progress: progress)
    }
}

func printErr(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
