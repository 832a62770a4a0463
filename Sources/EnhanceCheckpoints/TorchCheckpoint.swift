/// A PyTorch `.pth`/`.pt` checkpoint decoded without executing anything.
public struct TorchCheckpoint: Sendable {
    /// `zip` (torch ≥ 1.6 default) or `legacy` (non-zip pickle stream).
    public enum Container: String, Sendable { case zip, legacy }

    /// Floating-point tensors (decoded to float32, row-major, conv weights OIHW) in pickle order.
    public var stateDict: StateDict
    /// Wrapper keys unwrapped to reach the state dict, outermost first (e.g. `["params_ema"]`).
    public var wrapperPath: [String]
    /// Entries left out of ``stateDict``: integer tensors (BatchNorm `num_batches_tracked`) and
    /// non-tensor values.
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

    /// Reads `path`. The file must fit `budget` before it is read, and the tensors it declares
    /// before they are decoded (see ``LoadBudget``).
    public static func read(path: String, budget: LoadBudget = .unlimited) throws -> TorchCheckpoint {
        try budget.check(file: path, need: LoadBudget.need(fileBytes: FileIO.size(path), parameters: 0))
        return try decode(FileIO.readAll(path), file: path, budget: budget)
    }

    /// Decodes `torch.save` output held in `bytes`; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String,
                              budget: LoadBudget = .unlimited) throws -> TorchCheckpoint {
        if ZipArchive.isZip(bytes) { return try decodeZip(bytes, file: file, budget: budget) }
        guard bytes.first == 0x80 else { throw CheckpointError(file: file, "not a PyTorch checkpoint (neither zip nor pickle)") }
        return try decodeLegacy(bytes, file: file, budget: budget)
    }

    // MARK: zip

    static func decodeZip(_ bytes: [UInt8], file: String, budget: LoadBudget) throws -> TorchCheckpoint {
        let zip = try ZipArchive(bytes: bytes, file: file)
        let pickles = zip.entries.filter { $0.name.hasSuffix("/data.pkl") || $0.name == "data.pkl" }
        guard let pkl = pickles.min(by: { $0.name.count < $1.name.count }) else {
            throw CheckpointError(file: file, "zip archive has no data.pkl (not a torch.save file)")
        }
        let prefix = String(pkl.name.dropLast("data.pkl".count))
        if let order = zip.entry(named: prefix + "byteorder") {
            let text = String(decoding: bytes[try zip.dataRange(of: order)], as: UTF8.self)
            guard text == "little" else { throw CheckpointError(file: file, "storages are \(text)-endian; only little-endian is supported") }
        }
        let pklRange = try zip.dataRange(of: pkl)
        var unpickler = Unpickler(bytes: Array(bytes[pklRange]), file: file) { try .storage(TorchStorageRef.parse($0)) }
        defer { unpickler.arena.clear() }
        let root = try unpickler.load()
        return try materialize(root, bytes: bytes, file: file, container: .zip, budget: budget) { storage in
            guard let entry = zip.entry(named: prefix + "data/" + storage.key) else {
                throw CheckpointError(file: file, "storage '\(storage.key)' missing from the archive")
            }
            let range = try zip.dataRange(of: entry)
            guard storage.numel <= range.count / storage.element.byteSize else {
                throw CheckpointError(file: file, "storage '\(storage.key)' has \(range.count) bytes, too few for \(storage.numel) elements")
            }
            return range.lowerBound
        }
    }

    // MARK: legacy

    /// `0x1950a86a20f9469cfc6c` as pickled (little-endian LONG1 bytes).
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    static func decodeLegacy(_ bytes: [UInt8], file: String, budget: LoadBudget) throws -> TorchCheckpoint {
        var first = Unpickler(bytes: bytes, file: file)
        defer { first.arena.clear() }
        guard case let .bigInt(magic) = try first.load(), magic == legacyMagic else {
            throw CheckpointError(file: file, "pickle is not a PyTorch legacy checkpoint (magic number missing)")
        }
        var second = Unpickler(bytes: bytes, file: file, position: first.position)
        defer { second.arena.clear() }
        guard case let .int(protocolVersion) = try second.load(), protocolVersion == 1001 else {
            throw CheckpointError(file: file, "unsupported legacy torch protocol version")
        }
        var third = Unpickler(bytes: bytes, file: file, position: second.position)
        defer { third.arena.clear() }
        if case let .dict(info) = try third.load(), case let .bool(little)? = info["little_endian"], !little {
            throw CheckpointError(file: file, "big-endian legacy checkpoint is not supported")
        }
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
        // Raw storages follow in key-list order: u64 LE element count, then the elements.
        var offsets: [String: Int] = [:]
        var r = ByteReader(bytes, file: file, position: keysPickle.position)
        for k in keyList {
            guard let key = k.asString ?? k.asInt.map(String.init) else { throw CheckpointError(file: file, "bad storage key") }
            guard let ref = storages[key] else { throw CheckpointError(file: file, "storage '\(key)' listed but never referenced") }
            let count = try r.u64("storage '\(key)' size")
            guard count <= UInt64(r.remaining / ref.element.byteSize) else {
                throw CheckpointError(file: file, "truncated: storage '\(key)' needs \(count) elements, file ends first")
            }
            guard Int(count) >= ref.numel else {
                throw CheckpointError(file: file, "storage '\(key)' has \(count) elements, tensors need \(ref.numel)")
            }
            offsets[key] = r.position
            r.position += Int(count) * ref.element.byteSize
        }
        return try materialize(root, bytes: bytes, file: file, container: .legacy, budget: budget) { storage in
            guard let o = offsets[storage.key] else { throw CheckpointError(file: file, "storage '\(storage.key)' has no data") }
            return o
        }
    }
}
