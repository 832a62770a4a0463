extension PyTorchCheckpoint {
    /// A state dict's entries after unwrapping: tensors by key in pickle order, the wrapper path,
    /// the wrappers' other keys and the skipped (integer counter or non-tensor) entries.
    struct Entries {
        var tensors: [(key: String, tensor: TorchTensorRef)] = []
        var path: [String] = []
        var siblings: [String] = []
        var skipped: [String] = []
    }

    /// Unwraps wrapper dicts (``wrapperKeys``) and sorts the state dict's entries.
    static func entries(_ root: PickleValue, file: String) throws -> Entries {
        guard case var .dict(dict) = root else {
            throw CheckpointError(file: file, "checkpoint holds a \(root.typeName), not a state dict")
        }
        var out = Entries()
        unwrap: while out.path.count < 4 {
            for key in wrapperKeys {
                if case let .dict(inner)? = dict[key] {
                    let prefix = out.path.map { $0 + "." }.joined()
                    out.siblings += dict.pairs.compactMap(\.key.asString).filter { $0 != key }.map { prefix + $0 }
                    out.path.append(key)
                    dict = inner
                    continue unwrap
                }
            }
            break
        }
        for (k, v) in dict.pairs {
            guard let key = k.asString else {
                throw CheckpointError(file: file, "state dict key of type \(k.typeName)")
            }
            // Integer buffers (index tables) are read as data; counters (integer scalars such as
            // `step`, and BatchNorm's `num_batches_tracked`) carry no weights.
            if case let .tensor(t) = v,
               t.storage.element.isFloatingPoint || !(t.size.isEmpty || key.hasSuffix("num_batches_tracked")) {
                out.tensors.append((key, t))
            } else {
                out.skipped.append(key)
            }
        }
        guard out.tensors.contains(where: { $0.tensor.storage.element.isFloatingPoint }) else {
            throw CheckpointError(file: file, "no floating-point tensors found (entries: \(dict.pairs.count))")
        }
        return out
    }

    /// Shapes and element types of the state dict under `root`, every view checked against its
    /// storage's declared size; `checkStorage` checks a storage's data exists (without reading it).
    static func shapes(_ root: PickleValue, file: String,
                       checkStorage: (TorchStorageRef) throws -> Void) throws -> TensorShapes {
        let e = try entries(root, file: file)
        var out = TensorShapes()
        for (key, t) in e.tensors {
            let v = try view(t, key: key, file: file)
            if v.count > 0 { try checkStorage(t.storage) }
            out[key] = TensorShape(shape: t.size, dtype: v.dtype)
        }
        out.ignoredKeys = e.siblings + e.skipped
        return out
    }

    /// Unwraps wrapper dicts and decodes the tensors; `storageStart` gives the byte offset of a
    /// storage's element 0 in `bytes` (bounds already checked against `storage.numel`).
    static func materialize(_ root: PickleValue, bytes: [UInt8], file: String, container: TorchCheckpoint.Container,
                            storageStart: (TorchStorageRef) throws -> Int) throws -> TorchCheckpoint {
        let e = try entries(root, file: file)
        var out = StateDict()
        for (key, t) in e.tensors {
            out[key] = try decodeTensor(t, key: key, bytes: bytes, file: file, storageStart: storageStart)
        }
        out.ignoredKeys = e.siblings + e.skipped
        return TorchCheckpoint(stateDict: out, wrapperPath: e.path, skippedKeys: e.skipped, container: container)
    }

    /// A tensor's element type, element count and first element in its (root) storage, with its
    /// size, strides and offset checked against the storage's declared element count.
    static func view(_ t: TorchTensorRef, key: String, file: String) throws -> (dtype: DType, count: Int, base: Int) {
        func fail(_ m: String) -> CheckpointError { CheckpointError(file: file, "tensor '\(key)': \(m)") }
        let dtype: DType
        switch t.storage.element {
        case .float32: dtype = .float32
        case .float16: dtype = .float16
        case .bfloat16: dtype = .bfloat16
        case .float64: throw fail("float64 tensors are not supported (convert the checkpoint to float32)")
        case let .integer(t): dtype = t
        }
        guard t.size.allSatisfy({ $0 >= 0 }), t.stride.allSatisfy({ $0 >= 0 }), t.offset >= 0 else {
            throw fail("negative size, stride or offset")
        }
        var count = 1
        for s in t.size {
            let (p, o) = count.multipliedReportingOverflow(by: s)
            guard !o else { throw fail("shape \(t.size) too large") }
            count = p
        }
        let (base, baseOverflow) = t.storage.viewOffset.addingReportingOverflow(t.offset)
        guard !baseOverflow else { throw fail("storage offset too large") }
        if count == 0 { return (dtype, 0, base) }
        // Zero strides (expanded views) could otherwise make a tiny file demand gigabytes.
        guard count / 256 <= max(t.storage.numel, 1) else {
            throw fail(
                "shape \(t.size) with stride \(t.stride) expands storage '\(t.storage.key)' beyond the supported size")
        }
        var last = base
        for (s, st) in zip(t.size, t.stride) {
            let (p, o) = (s - 1).multipliedReportingOverflow(by: st)
            guard !o, last <= Int.max - p else { throw fail("strides overflow") }
            last += p
        }
        guard last < t.storage.numel else {
            throw fail("offset \(t.offset), shape \(t.size), stride \(t.stride) exceed storage '\(t.storage.key)' "
                       + "of \(t.storage.numel) elements")
        }
        return (dtype, count, base)
    }

    static func decodeTensor(_ t: TorchTensorRef, key: String, bytes: [UInt8], file: String,
                             storageStart: (TorchStorageRef) throws -> Int) throws -> WeightTensor {
        let (dtype, count, base) = try view(t, key: key, file: file)
        if count == 0 { return WeightTensor(shape: t.size, values: [], dtype: dtype) }
        guard count <= 1 << 28 else {
            throw CheckpointError(file: file, "tensor '\(key)': shape \(t.size) has \(count) elements, over the "
                                  + "\(1 << 28) one tensor may decode to")
        }
        let start = try storageStart(t.storage)
        let elementSize = dtype.byteSize
        var contiguous = true, expected = 1
        for (s, st) in zip(t.size, t.stride).reversed() where s != 1 {
            if st != expected { contiguous = false }
            expected *= s
        }
        if contiguous {
            let values = decodeFloats(bytes, offset: start + base * elementSize, count: count, dtype: dtype)
            return WeightTensor(shape: t.size, values: values, dtype: dtype)
        }
        // Strided view: gather element by element in row-major order.
        var values = [Float](); values.reserveCapacity(count)
        var index = [Int](repeating: 0, count: t.size.count)
        for _ in 0 ..< count {
            var e = base
            for d in 0 ..< index.count { e += index[d] * t.stride[d] }
            values.append(decodeFloats(bytes, offset: start + e * elementSize, count: 1, dtype: dtype)[0])
            var d = index.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < t.size[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return WeightTensor(shape: t.size, values: values, dtype: dtype)
    }
}
