/// Linear interpolation of equally long float arrays: `out = (1 − α)·a + α·b`.
///
/// Used for network interpolation θ = (1 − α)·θ_PSNR + α·θ_GAN. Memory-bound; the work is split
/// into contiguous slices over `pool`'s threads.
public func blend(_ a: [Float], _ b: [Float], alpha: Float, pool: ThreadPool? = nil) -> [Float] {
    precondition(a.count == b.count, "blend: length mismatch")
    return [Float](unsafeUninitializedCapacity: a.count) { buf, count in
        count = a.count
        if let base = buf.baseAddress { blend(a, b, alpha: alpha, into: base, pool: pool) }
    }
}

/// In-place form of ``blend(_:_:alpha:pool:)``: overwrites `out` (same length as `a`), which
/// avoids the page faults of a fresh allocation when the destination is reused.
public func blend(_ a: [Float], _ b: [Float], alpha: Float, into out: inout [Float], pool: ThreadPool? = nil) {
    precondition(a.count == b.count && out.count == a.count, "blend: length mismatch")
    out.withUnsafeMutableBufferPointer { buf in
        if let base = buf.baseAddress { blend(a, b, alpha: alpha, into: base, pool: pool) }
    }
}

private func blend(_ a: [Float], _ b: [Float], alpha: Float, into out: UnsafeMutablePointer<Float>,
                   pool: ThreadPool?) {
    let n = a.count
    let parts = max(1, min(pool?.threads ?? 1, n / 65_536))
    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
        let body = { (p: Int) in
            let lo = n * p / parts, hi = n * (p + 1) / parts
            axpby(pa.baseAddress! + lo, 1 - alpha, pb.baseAddress! + lo, alpha, out + lo, hi - lo)
        }
        if let pool, parts > 1 { pool.parallelFor(parts, body) } else { for p in 0..<parts { body(p) } }
    } }
}
