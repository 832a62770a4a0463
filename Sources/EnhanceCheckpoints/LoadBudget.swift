import Foundation

/// The most memory loading one checkpoint may cost, checked before the tensors are allocated.
///
/// A network's need is ``need(fileBytes:weightBytes:kernelBytes:)``: the file read into memory, the
/// parameters decoded to float32, and the kernels its convolutions prepare (what its description
/// counts, layer by layer). A checkpoint read without a network (``CheckpointFile/load(path:budget:)``)
/// is bounded by ``need(fileBytes:parameters:)``, `fileBytes + 20 × parameters`.
public struct LoadBudget: Sendable, Equatable {
    /// Largest accepted need in bytes.
    public var maxBytes: Int

    public init(maxBytes: Int) { self.maxBytes = max(0, maxBytes) }

    /// Half of physical memory.
    public static var `default`: LoadBudget {
        LoadBudget(maxBytes: Int(clamping: ProcessInfo.processInfo.physicalMemory / 2))
    }

    /// Bytes held per parameter once loaded: float32 values plus prepared (transformed) weights.
    public static let bytesPerParameter = 20

    /// Estimated peak bytes to load a checkpoint of `fileBytes` holding `parameters` scalars (saturating).
    public static func need(fileBytes: Int, parameters: Int) -> Int {
        saturatingSum(saturatingProduct([parameters, bytesPerParameter]), fileBytes)
    }

    /// Peak bytes to load a network: the file, its float32 weights and its prepared kernels (saturating).
    public static func need(fileBytes: Int, weightBytes: Int, kernelBytes: Int) -> Int {
        saturatingSum(saturatingSum(fileBytes, weightBytes), kernelBytes)
    }

    /// `a + b`, or `Int.max` on overflow.
    public static func saturatingSum(_ a: Int, _ b: Int) -> Int {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? .max : r
    }

    /// The product of `dims` (negative dimensions count as 0), or `Int.max` on overflow.
    public static func saturatingProduct(_ dims: [Int]) -> Int {
        var p = 1
        for d in dims {
            let (r, o) = p.multipliedReportingOverflow(by: max(d, 0))
            if o { return .max }
            p = r
        }
        return p
    }

    /// Throws a one-line error naming `file`, the need and the budget when `need` exceeds it.
    public func check(file: String, need: Int, what: String = "loading") throws {
        guard need > maxBytes else { return }
        throw CheckpointError(file: file, "\(what) needs \(Self.format(need)) for the file, float32 tensors and "
                              + "prepared kernels, over the budget of \(Self.format(maxBytes)); "
                              + "raise it with --max-model-bytes")
    }

    /// `1234567890` → `"1.23 GB (1234567890 bytes)"`.
    public static func format(_ bytes: Int) -> String {
        if bytes == .max { return "more than \(Int.max) bytes" }
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (size, name) in units where Double(bytes) >= size {
            return String(format: "%.2f", Double(bytes) / size) + " \(name) (\(bytes) bytes)"
        }
        return "\(bytes) bytes"
    }
}
