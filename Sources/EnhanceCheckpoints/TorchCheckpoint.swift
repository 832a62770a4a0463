/// A PyTorch `.pth`/`.pt` checkpoint decoded without executing anything.
public struct TorchCheckpoint: Sendable {
    /// `zip` (torch ≥ 1.6 default) or `legacy` (non-zip pickle stream).
    public enum Container: String, Sendable { case zip, legacy }

    /// Floating-point tensors (decoded to float32, row-major, conv weights OIHW) in pickle order.
    public var stateDict: StateDict
    /// Wrapper keys unwrapped to reach the state dict, outermost first (e.g. `["params_ema"]`).
    public var wrapperPath: [String]
    /// Entries left out of ``stateDict``: integer counters (BatchNorm `num_batches_tracked`, integer
    /// scalars such as `step`) and non-tensor values. Other integer tensors are read as data.
    public var skippedKeys: [String]
    public var container: Container
}

/// Reader for PyTorch checkpoints (`torch.save` output) in both the zip and legacy formats.
///
/// The pickle is read by a restricted unpickler that knows only the globals a state dict needs
/// (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`,
/// `torch.*Storage`); any other global (e.g. `posix.system`, `builtins.eval`) is refused with an
/// error naming it. Wrappers `params_ema` (preferred), `params`, `state_dict`, `model` are unwrapped.
/// Strided views are gathered into row-major order; storages must be little-endian.
public enum PyTorchCheckpoint {
    /// Wrapper keys tried in order at each level.
    public static let wrapperKeys = ["params_ema", "params", "state_dict", "model"]

    /// Largest `data.pkl` (zip) or pickle section (legacy) read: real ones are kilobytes.
    static let maxPickleBytes = 16 << 20

    /// Reads and decodes `path` (its budget is checked by ``CheckpointFile/load(path:budget:)``).
    public static func read(path: String) throws -> TorchCheckpoint {
        try decode(FileIO.readAll(path), file: path)
    }

    /// Decodes `torch.save` output held in `bytes`; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> TorchCheckpoint {
        if ZipArchive.isZip(bytes) { return try decodeZip(bytes, file: file) }
        guard bytes.first == 0x80 else {
            throw CheckpointError(file: file, "not a PyTorch checkpoint (neither zip nor pickle)")
        }
        return try decodeLegacy(bytes, file: file)
    }

    /// The tensors' names, shapes and element types from the pickle and the storages' sizes alone:
    /// no storage data is read (zip: end records, central directory, `data.pkl`, local headers;
    /// legacy: the pickle section and each storage's 8-byte element count).
    public static func describe(path: String) throws -> TensorShapes {
        if ZipArchive.isZip(try FileIO.readPrefix(path, count: 4)) {
            let zip = try ZipArchive(path: path)
            return try withZipRoot(zip) { root, prefix in
                try shapes(root, file: path) { _ = try zip.dataStart(of: zipStorage($0, zip, prefix: prefix)) }
            }
        }
        let size = try FileIO.size(path)
        // The pickles come first: a short prefix usually holds them; else the bounded whole.
        for limit in [1 << 20, maxPickleBytes] {
            let head = try FileIO.readPrefix(path, count: min(size, limit))
            do {
                return try withLegacyPickles(head, file: path) { root, storages, keys, start in
                    let offsets = try legacyOffsets(keys, storages, start: start, fileSize: size, file: path) {
                        ByteReader.u64(try FileIO.read(path, at: $0, count: 8, "storage size"), at: 0)
                    }
                    return try shapes(root, file: path) { storage in
                        guard offsets[storage.key] != nil else {
                            throw CheckpointError(file: path, "storage '\(storage.key)' has no data")
                        }
                    }
                }
            } catch where head.count < size && limit < maxPickleBytes {
                continue
            }
        }
        throw CheckpointError(file: path, "pickle section is over the \(maxPickleBytes >> 20) MiB this reader accepts")
    }

    // MARK: zip

    /// Unpickles the archive's `data.pkl` (after checking `byteorder`) and passes its root value and
    /// the archive's record prefix to `body` (the value lives only during the call).
    static func withZipRoot<T>(_ zip: ZipArchive, _ body: (PickleValue, String) throws -> T) throws -> T {
        let file = zip.file
        let pickles = zip.entries.filter { $0.name.hasSuffix("/data.pkl") || $0.name == "data.pkl" }
        guard let pkl = pickles.min(by: { $0.name.count < $1.name.count }) else {
            throw CheckpointError(file: file, "zip archive has no data.pkl (not a torch.save file)")
        }
        let prefix = String(pkl.name.dropLast("data.pkl".count))
        if let order = zip.entry(named: prefix + "byteorder") {
            let text = String(decoding: try zip.data(of: order, limit: 64), as: UTF8.self)
            guard text == "little" else {
                throw CheckpointError(file: file, "storages are \(text)-endian; only little-endian is supported")
            }
        }
        var unpickler = Unpickler(bytes: try zip.data(of: pkl, limit: maxPickleBytes), file: file) {
            try .storage(TorchStorageRef.parse($0))
        }
        defer { unpickler.arena.clear() }
        return try body(try unpickler.load(), prefix)
    }

    /// The archive entry holding `storage`, checked to be large enough for its elements.
    static func zipStorage(_ storage: TorchStorageRef, _ zip: ZipArchive, prefix: String) throws -> ZipArchive.Entry {
        guard let entry = zip.entry(named: prefix + "data/" + storage.key) else {
            throw CheckpointError(file: zip.file, "storage '\(storage.key)' missing from the archive")
        }
        guard storage.numel <= entry.size / storage.element.byteSize else {
            throw CheckpointError(file: zip.file, "storage '\(storage.key)' has \(entry.size) bytes, "
                                  + "too few for \(storage.numel) elements")
        }
        return entry
    }

    static func decodeZip(_ bytes: [UInt8], file: String) throws -> TorchCheckpoint {
        let zip = try ZipArchive(bytes: bytes, file: file)
        return try withZipRoot(zip) { root, prefix in
            try materialize(root, bytes: bytes, file: file, container: .zip) { storage in
                try zip.dataRange(of: zipStorage(storage, zip, prefix: prefix)).lowerBound
            }
        }
    }

    // MARK: legacy

    /// `0x1950a86a20f9469cfc6c` as pickled (little-endian LONG1 bytes).
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// Reads the five pickles of a legacy stream from `bytes` (the file or a prefix of it) and passes
    /// `body` the state-dict root, the storages it references, the storage key list and the offset
    /// where the raw storages begin.
    static func withLegacyPickles<T>(_ bytes: [UInt8], file: String,
                                     _ body: (PickleValue, [String: TorchStorageRef], [PickleValue], Int) throws -> T)
        throws -> T {
        // The magic number, protocol version and system info: each one's values are released once
        // checked, so only the state dict and the key list are held together.
        let notLegacy = CheckpointError(file: file, "pickle is not a PyTorch legacy checkpoint (magic number missing)")
        var first = Unpickler(bytes: bytes, file: file)
        defer { first.arena.clear() }
        let magic: PickleValue
        do { magic = try first.load() } catch where first.exhaustedOpcodes { throw notLegacy }
        guard case let .bigInt(number) = magic, number == legacyMagic else { throw notLegacy }
        first.arena.clear()
        var second = Unpickler(bytes: bytes, file: file, position: first.position)
        defer { second.arena.clear() }
        guard case let .int(protocolVersion) = try second.load(), protocolVersion == 1001 else {
            throw CheckpointError(file: file, "unsupported legacy torch protocol version")
        }
        second.arena.clear()
        var third = Unpickler(bytes: bytes, file: file, position: second.position)
        defer { third.arena.clear() }
        if case let .dict(info) = try third.load(), case let .bool(little)? = info["little_endian"], !little {
            throw CheckpointError(file: file, "big-endian legacy checkpoint is not supported")
        }
        third.arena.clear()
        var storages: [String: TorchStorageRef] = [:]
        var main = Unpickler(bytes: bytes, file: file, position: third.position) { pid in
            let ref = try TorchStorageRef.parse(pid)
            if let known = storages[ref.key], known.element != ref.element {
                throw UnpicklerRefusal("storage '\(ref.key)' used with two element types")
            }
            storages[ref.key] = storages[ref.key] ?? ref
            return .storage(ref)
        }
        defer { main.arena.clear() }
        let root = try main.load()
        var keysPickle = Unpickler(bytes: bytes, file: file, position: main.position)
        defer { keysPickle.arena.clear() }
        guard let keyList = try keysPickle.load().asSequence else {
            throw CheckpointError(file: file, "legacy storage key list missing")
        }
        return try body(root, storages, keyList, keysPickle.position)
    }

    /// Byte offsets of the raw storages that follow the pickles from `start`, in key-list order:
    /// each is a u64 LE element count (read by `count(offset)`), then the elements.
    static func legacyOffsets(_ keyList: [PickleValue], _ storages: [String: TorchStorageRef], start: Int,
                              fileSize: Int, file: String, count: (Int) throws -> UInt64) throws -> [String: Int] {
        var offsets: [String: Int] = [:]
        var position = start
        for k in keyList {
            guard let key = k.asString ?? k.asInt.map(String.init) else {
                throw CheckpointError(file: file, "bad storage key")
            }
            guard let ref = storages[key] else {
                throw CheckpointError(file: file, "storage '\(key)' listed but never referenced")
            }
            guard fileSize - position >= 8 else {
                throw CheckpointError(file: file, "truncated: need 8 bytes for storage '\(key)' size at offset "
                                      + "\(position), \(max(fileSize - position, 0)) left")
            }
            let n = try count(position)
            position += 8
            guard n <= UInt64((fileSize - position) / ref.element.byteSize) else {
                throw CheckpointError(file: file, "truncated: storage '\(key)' needs \(n) elements, file ends first")
            }
            guard Int(n) >= ref.numel else {
                throw CheckpointError(file: file, "storage '\(key)' has \(n) elements, tensors need \(ref.numel)")
            }
            offsets[key] = position
            position += Int(n) * ref.element.byteSize
        }
        return offsets
    }

    static func decodeLegacy(_ bytes: [UInt8], file: String) throws -> TorchCheckpoint {
        try withLegacyPickles(bytes, file: file) { root, storages, keys, start in
            let offsets = try legacyOffsets(keys, storages, start: start, fileSize: bytes.count, file: file) {
                ByteReader.u64(bytes, at: $0)
            }
            return try materialize(root, bytes: bytes, file: file, container: .legacy) { storage in
                guard let o = offsets[storage.key] else {
                    throw CheckpointError(file: file, "storage '\(storage.key)' has no data")
                }
                return o
            }
        }
    }
}
