/// Keeps the Winograd input transforms (`V`) of recently used tensors, so a tensor that feeds
/// several convolutions (RRDB dense blocks: the block input feeds all five) is transformed once.
///
/// An entry retains the tensor's storage, so its address cannot be reused and — arrays being
/// copy-on-write — its contents cannot change while cached: storage address + shape is a sound
/// key. Owned by a ``ThreadPool`` and only touched by the thread driving that pool.
final class WinogradCache: @unchecked Sendable {
    struct Key: Equatable {
        let address: UnsafeRawPointer
        let count: Int, channels: Int, height: Int, width: Int
    }

    final class Entry {
        var key: Key?
        var storage: [Float] = []
        var buffer: UnsafeMutablePointer<Float>
        var capacity: Int
        var lastUse = 0
        var complete = false
        init(capacity: Int) {
            self.capacity = capacity
            buffer = .allocate(capacity: capacity)
        }
        deinit { buffer.deallocate() }
    }

    /// Most tensors kept (an RRDB dense block has five inputs).
    static let maxEntries = 6
    /// Largest single entry, floats (bigger inputs use per-chunk scratch).
    static let maxEntryFloats = 48 << 20
    /// Most floats held by all entries together (512 MiB).
    static let budgetFloats = 128 << 20

    private var entries: [Entry] = []
    private var clock = 0

    /// Starts a convolution call (entries used from now on are protected from eviction).
    func beginCall() { clock += 1 }

    /// The transform buffer for `t` (`floats` long) and whether it still has to be filled;
    /// nil when `t` is not cached and `insert` is false or it is too large.
    func lookup(_ t: Tensor, floats: Int, insert: Bool) -> (UnsafeMutablePointer<Float>, fill: Bool)? {
        let key = t.data.withUnsafeBufferPointer { b in
            Key(address: UnsafeRawPointer(b.baseAddress!), count: b.count, channels: t.channels,
                height: t.height, width: t.width)
        }
        if let e = entries.first(where: { $0.key == key }) {
            let sameCall = e.lastUse == clock
            e.lastUse = clock
            // Same tensor twice in one call: the first occurrence fills it, chunk by chunk.
            if e.complete || sameCall { return (e.buffer, false) }
            e.complete = false
            return (e.buffer, true)
        }
        guard insert, floats <= WinogradCache.maxEntryFloats else { return nil }
        let e: Entry
        let total = entries.reduce(0) { $0 + $1.capacity }
        if entries.count < WinogradCache.maxEntries && total + floats <= WinogradCache.budgetFloats {
            e = Entry(capacity: floats)
            entries.append(e)
        } else {
            guard let victim = entries.filter({ $0.lastUse != clock }).min(by: { $0.lastUse < $1.lastUse }) else {
                return nil
            }
            e = victim
            if e.capacity < floats {
                guard total - e.capacity + floats <= WinogradCache.budgetFloats else { return nil }
                e.buffer.deallocate()
                e.buffer = .allocate(capacity: floats)
                e.capacity = floats
            }
        }
        e.key = key
        e.storage = t.data
        e.lastUse = clock
        e.complete = false
        return (e.buffer, true)
    }

    /// Drops every entry (releases the retained tensors and buffers).
    func removeAll() { entries.removeAll() }

    /// Marks every entry filled during the current call as complete.
    func endCall() {
        for e in entries where e.lastUse == clock { e.complete = e.key != nil }
    }
}
