import EnhanceImaging
import EnhanceNetworks
import EnhanceTensor
import Foundation

#if os(Linux)
import Glibc
#endif

extension UpscalerEngine {
    /// The statistics of `image` under `u`, the upscaler of `method` at `alpha` (nil when its network
    /// takes no whole-map statistics): ``Upscaler/statistics(of:cancel:node:)``, each α's (the
    /// nodes' first passes and the interpolations) made once per image (``FirstPasses``), so a new
    /// α of a blend runs no pass once the nodes are made. The first request of an image also starts
    /// the nodes' passes not yet made in the background (``prefetchNodes(_:)``). Cancelled with
    /// `cancel`, except a node's pass once begun (see the body). `waiting` is called before a first
    /// pass runs for it (the TUI shows "statistics pass" for the view then).
    func statistics(_ u: Upscaler, _ image: Image, method: Method, alpha: Float, cancel: CancellationToken,
                    waiting: @escaping () -> Void = {}) throws -> ImageStatistics? {
        guard u.network?.hasWholeImageStatistics == true else { return nil }
        prefetchNodes(image)
        // A node's pass serves every α of the image: one begun for a view finishes even when the view
        // is cancelled by the next α step (only another image or pair stops it), so that quick steps
        // do not restart it each time.
        let nodeCancel = state.withLock { $0.firstPasses.prefetchToken } ?? cancel
        return try kept(image, method == .psnr ? 0 : method == .gan ? 1 : alpha) {
            if !u.interpolatesStatistics { waiting() }
            return try u.statistics(of: image, cancel: cancel) { a, node in
                try cancel.check()
                return try self.kept(image, a) {
                    waiting()
                    return try node().statistics(of: image, cancel: nodeCancel)
                }
            }
        }
    }

    /// `image`'s statistics at `a` from ``FirstPasses``, else made by `make` and kept.
    private func kept(_ image: Image, _ a: Float, _ make: () throws -> ImageStatistics?) throws -> ImageStatistics? {
        let found = state.withLock { s in
            s.firstPasses.use(image)
            return s.firstPasses.lookup(a)
        }
        if let found { return found }
        guard let made = try make() else { return nil }
        state.withLock { s in
            s.firstPasses.use(image)
            s.firstPasses.insert(a, made)
        }
        return made
    }

    /// With a pair whose network takes whole-map statistics, makes the first passes at the
    /// ``Upscaler/statisticsNodes`` that `image` lacks, one after another on a background thread at
    /// the lowest priority (nice 19) with one worker, so that the first α step after opening an
    /// image finds them (RealPLKSR dim 64 × 28: ~2.5 s each on 2 AVX2 cores) while views keep both
    /// cores. Once per image; cancelled when another image or pair takes its place.
    func prefetchNodes(_ image: Image) {
        let started: (ModelBlender, CancellationToken)? = state.withLock { s in
            guard let b = s.pair.blender, b.psnr.network.hasWholeImageStatistics else { return nil }
            s.firstPasses.use(image)
            guard let token = s.firstPasses.startPrefetch() else { return nil }
            return (b, token)
        }
        guard let (blender, token) = started else { return }
        var one = options
        one.threads = 1
        let opts = one
        Thread.detachNewThread { [self] in
            #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)  // this thread only (Linux)
            #endif
            for a in Upscaler.statisticsNodes {
                // Kept only while the image is current: changing it cancels `token` under the same lock.
                let skip = state.withLock { s in token.isCancelled || s.firstPasses.lookup(a) != nil }
                if token.isCancelled { return }
                if skip { continue }
                guard let made = try? Upscaler(.blend(blender, alpha: a), options: opts)
                    .statistics(of: image, cancel: token) else { return }
                state.withLock { s in
                    if !token.isCancelled { s.firstPasses.insert(a, made) }
                }
            }
        }
    }
}
