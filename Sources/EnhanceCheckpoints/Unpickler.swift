/// A restricted, non-executing pickle reader (protocols 0–5, data opcodes only).
///
/// Globals are checked against ``PickleGlobal`` when they are *named* (GLOBAL/STACK_GLOBAL), so
/// e.g. `posix.system`, `builtins.eval` or `subprocess.Popen` are refused before anything could
/// call them; REDUCE only applies the allow-listed pure rebuild functions implemented in
/// ``TorchRebuild``. Instance-creating opcodes (INST, OBJ, NEWOBJ, EXT*) and out-of-band buffers
/// are refused.
struct Unpickler {
    private var r: ByteReader
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private let persistentLoad: (PickleValue) throws -> PickleValue
    /// Owner of every container built; call `arena.clear()` when done with the result.
    let arena = PickleArena()
    /// Opcodes ``load()`` runs at most. Each adds at most one value, container or reference (about
    /// 150 bytes at worst, a string copy aside), so this bounds the memory a pickle can make the
    /// reader allocate; a torch state dict takes about 30 per tensor.
    let maxOpcodes: Int
    private var opcodes = 0

    /// Whether ``load()`` stopped because the pickle ran more than ``maxOpcodes``.
    var exhaustedOpcodes: Bool { opcodes > maxOpcodes }

    /// The default ``maxOpcodes``: a state dict of some 30 000 tensors, at most ~150 MB.
    static let defaultMaxOpcodes = 1 << 20

    /// Reads one pickle starting at `position`; `persistentLoad` resolves persistent ids.
    init(bytes: [UInt8], file: String, position: Int = 0, maxOpcodes: Int = defaultMaxOpcodes,
         persistentLoad: @escaping (PickleValue) throws -> PickleValue = { _ in
             throw UnpicklerRefusal("persistent ids are not allowed in this pickle")
         }) {
        self.r = ByteReader(bytes, file: file, position: position)
        self.maxOpcodes = maxOpcodes
        self.persistentLoad = persistentLoad
    }

    /// Offset just past the STOP opcode after ``load()``.
    var position: Int { r.position }

    private func fail(_ m: String) -> CheckpointError { CheckpointError(file: r.file, "pickle: \(m)") }

    private mutating func pop() throws -> PickleValue {
        guard let v = stack.popLast() else { throw fail("stack underflow at offset \(r.position)") }
        if let m = marks.last, stack.count < m { throw fail("pop across a MARK at offset \(r.position)") }
        return v
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast(), m <= stack.count else { throw fail("MARK expected at offset \(r.position)") }
        defer { stack.removeSubrange(m...) }
        return Array(stack[m...])
    }

    private mutating func line() throws -> String {
        var out: [UInt8] = []
        while true {
            let c = try r.u8("text line")
            if c == 0x0A { break }
            out.append(c)
            guard out.count < 1 << 20 else { throw fail("text line too long") }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func utf8(_ count: Int) throws -> String {
        let raw = try r.take(count, "string")
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("invalid UTF-8 string") }
        return s
    }

    private mutating func length(_ n: UInt64) throws -> Int {
        guard n <= UInt64(r.remaining) else { throw fail("length \(n) runs past the end of the data (truncated)") }
        return Int(n)
    }

    private mutating func global(_ module: String, _ name: String) throws -> PickleValue {
        guard let g = PickleGlobal.resolve(module: module, name: name) else {
            throw fail("refused global '\(module).\(name)': only state-dict globals are allowed (nothing was executed)")
        }
        return .global(g)
    }

    private mutating func memoPut(_ key: Int) throws {
        guard let top = stack.last else { throw fail("memo put on an empty stack") }
        memo[key] = top
    }

    private mutating func memoGet(_ key: Int) throws {
        guard let v = memo[key] else { throw fail("memo key \(key) not found") }
        stack.append(v)
    }

    private func setItems(_ target: PickleValue, _ items: ArraySlice<PickleValue>) throws {
        guard case let .dict(d) = target else { throw fail("SETITEM(S) on a \(target.typeName)") }
        guard items.count % 2 == 0 else { throw fail("odd number of SETITEMS values") }
        var i = items.startIndex
        while i < items.endIndex {
            guard d.set(items[i], items[i + 1]) else { throw fail("unsupported dict key type \(items[i].typeName)") }
            i += 2
        }
    }

    private func append(_ target: PickleValue, _ items: [PickleValue]) throws {
        guard case let .list(l) = target else { throw fail("APPEND(S) on a \(target.typeName)") }
        l.items.append(contentsOf: items)
    }

    /// Runs the opcodes up to STOP and returns the result.
    mutating func load() throws -> PickleValue {
        while true {
            opcodes += 1
            guard opcodes <= maxOpcodes else {
                throw fail("more than \(maxOpcodes) opcodes at offset \(r.position); "
                           + "not a state dict this reader accepts")
            }
            let op = try r.u8("opcode")
            switch op {
            case 0x80: _ = try r.u8("protocol")                          // PROTO
            case 0x95: _ = try r.u64("frame length")                     // FRAME
            case UInt8(ascii: "."):                                       // STOP
                guard let v = stack.popLast(), marks.isEmpty else { throw fail("STOP with an unbalanced stack") }
                return v
            case UInt8(ascii: "("): marks.append(stack.count)           // MARK
            case UInt8(ascii: "0"): _ = try pop()                        // POP
            case UInt8(ascii: "1"): _ = try popMark()                    // POP_MARK
            case UInt8(ascii: "2"): let v = try pop(); stack += [v, v]   // DUP
            case UInt8(ascii: "N"): stack.append(.none)
            case 0x88: stack.append(.bool(true))
            case 0x89: stack.append(.bool(false))
            case UInt8(ascii: "J"): stack.append(.int(Int(Int32(bitPattern: try r.u32()))))
            case UInt8(ascii: "K"): stack.append(.int(Int(try r.u8())))
            case UInt8(ascii: "M"): stack.append(.int(Int(try r.u16())))
            case 0x8A: stack.append(try long(Int(try r.u8())))         // LONG1
            case 0x8B: stack.append(try long(try length(UInt64(try r.u32()))))  // LONG4
            case UInt8(ascii: "I"):
                let text = try line()
                if text == "01" { stack.append(.bool(true)) } else if text == "00" { stack.append(.bool(false)) } else {
                    guard let v = Int(text) else { throw fail("bad INT '\(text)'") }
                    stack.append(.int(v))
                }
            case UInt8(ascii: "L"):
                let text = try line()
                guard let v = Int(text.hasSuffix("L") ? String(text.dropLast()) : text) else {
                    throw fail("bad LONG '\(text)'")
                }
                stack.append(.int(v))
            case UInt8(ascii: "G"):
                let hi = try r.u32(), lo = try r.u32()                   // big-endian double
                stack.append(.float(Double(bitPattern: UInt64(hi.byteSwapped) << 32 | UInt64(lo.byteSwapped))))
            case UInt8(ascii: "F"):
                let text = try line()
                guard let v = Double(text) else { throw fail("bad FLOAT '\(text)'") }
                stack.append(.float(v))
            case UInt8(ascii: "X"): stack.append(.string(try utf8(try length(UInt64(try r.u32())))))
            case 0x8C: stack.append(.string(try utf8(Int(try r.u8()))))
            case 0x8D: stack.append(.string(try utf8(try length(try r.u64()))))
            case UInt8(ascii: "T"): stack.append(.bytes(Array(try r.take(try length(UInt64(try r.u32())), "bytes"))))
            case UInt8(ascii: "U"), UInt8(ascii: "C"): stack.append(.bytes(Array(try r.take(Int(try r.u8()), "bytes"))))
            case UInt8(ascii: "B"): stack.append(.bytes(Array(try r.take(try length(UInt64(try r.u32())), "bytes"))))
            case 0x8E, 0x96: stack.append(.bytes(Array(try r.take(try length(try r.u64()), "bytes"))))
            case UInt8(ascii: "V"): stack.append(.string(try line()))
            case UInt8(ascii: "S"):
                var text = try line()
                guard text.count >= 2, let q = text.first, q == "'" || q == "\"", text.last == q else {
                    throw fail("bad STRING")
                }
                text = String(text.dropFirst().dropLast())
                guard !text.contains("\\") else { throw fail("escaped STRING literals are not supported") }
                stack.append(.string(text))
            case UInt8(ascii: ")"): stack.append(arena.tuple([]))
            case UInt8(ascii: "]"): stack.append(arena.list())
            case UInt8(ascii: "}"): stack.append(.dict(arena.dict()))
            case 0x8F: stack.append(arena.list())                         // EMPTY_SET (kept as a list)
            case UInt8(ascii: "t"): stack.append(arena.tuple(try popMark()))
            case 0x85: let a = try pop(); stack.append(arena.tuple([a]))
            case 0x86: let b = try pop(), a = try pop(); stack.append(arena.tuple([a, b]))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(arena.tuple([a, b, c]))
            case UInt8(ascii: "l"): stack.append(arena.list(try popMark()))
            case 0x91: stack.append(arena.tuple(try popMark()))           // FROZENSET
            case UInt8(ascii: "d"):
                let items = try popMark()
                let d = arena.dict()
                try setItems(.dict(d), items[...])
                stack.append(.dict(d))
            case UInt8(ascii: "a"):
                let v = try pop()
                guard let t = stack.last else { throw fail("APPEND on empty stack") }
                try append(t, [v])
            case UInt8(ascii: "e"), 0x90:                                  // APPENDS, ADDITEMS
                let items = try popMark()
                guard let t = stack.last else { throw fail("APPENDS on empty stack") }
                try append(t, items)
            case UInt8(ascii: "s"):
                let v = try pop(), k = try pop()
                guard let t = stack.last else { throw fail("SETITEM on empty stack") }
                try setItems(t, [k, v][...])
            case UInt8(ascii: "u"):
                let items = try popMark()
                guard let t = stack.last else { throw fail("SETITEMS on empty stack") }
                try setItems(t, items[...])
            case UInt8(ascii: "c"):
                let module = try line(), name = try line()
                stack.append(try global(module, name))
            case 0x93:                                                    // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let m = module.asString, let n = name.asString else {
                    throw fail("STACK_GLOBAL needs two strings")
                }
                stack.append(try global(m, n))
            case UInt8(ascii: "R"):
                let args = try pop(), callable = try pop()
                guard case let .global(g) = callable else {
                    throw fail("REDUCE on a \(callable.typeName), not an allowed global")
                }
                guard case let .tuple(a) = args else {
                    throw fail("REDUCE arguments for \(g.qualifiedName) are not a tuple")
                }
                do {
                    stack.append(try TorchRebuild.apply(g, a.items, arena: arena))
                } catch let e as UnpicklerRefusal {
                    throw fail(e.message)
                }
            case UInt8(ascii: "b"):                                       // BUILD: attributes are ignored
                let state = try pop()
                guard let target = stack.last else { throw fail("BUILD on empty stack") }
                switch (target, state) {
                case (.dict, .dict), (.dict, .none), (.tensor, .dict), (.tensor, .none), (.tensor, .tuple): break
                default: throw fail("BUILD of \(state.typeName) state on a \(target.typeName) is not allowed")
                }
            case UInt8(ascii: "p"):
                guard let k = Int(try line()) else { throw fail("bad PUT key") }
                try memoPut(k)
            case UInt8(ascii: "q"): try memoPut(Int(try r.u8()))
            case UInt8(ascii: "r"): try memoPut(Int(try r.u32()))
            case 0x94: try memoPut(memo.count)                            // MEMOIZE
            case UInt8(ascii: "g"):
                guard let k = Int(try line()) else { throw fail("bad GET key") }
                try memoGet(k)
            case UInt8(ascii: "h"): try memoGet(Int(try r.u8()))
            case UInt8(ascii: "j"): try memoGet(Int(try r.u32()))
            case UInt8(ascii: "Q"):
                let pid = try pop()
                do { stack.append(try persistentLoad(pid)) } catch let e as UnpicklerRefusal { throw fail(e.message) }
            case UInt8(ascii: "P"): throw fail("text persistent ids are not supported")
            case UInt8(ascii: "i"), UInt8(ascii: "o"), 0x81, 0x92:
                throw fail(
                    "refused opcode 0x\(String(op, radix: 16)) (object instantiation) at offset \(r.position - 1)")
            case 0x82, 0x83, 0x84: throw fail("refused extension-registry opcode at offset \(r.position - 1)")
            case 0x97, 0x98: throw fail("out-of-band buffers are not supported")
            default: throw fail("unknown opcode 0x\(String(op, radix: 16)) at offset \(r.position - 1)")
            }
        }
    }

    private mutating func long(_ n: Int) throws -> PickleValue {
        let raw = Array(try r.take(n, "long"))
        if n == 0 { return .int(0) }
        if n > 8 { return .bigInt(raw) }
        var v: UInt64 = 0
        for (i, b) in raw.enumerated() { v |= UInt64(b) << UInt64(8 * i) }
        if n < 8, raw[n - 1] & 0x80 != 0 { v |= ~UInt64(0) << UInt64(8 * n) }  // sign-extend
        return .int(Int(Int64(bitPattern: v)))
    }
}

/// A refusal raised inside rebuild/persistent-load helpers; the unpickler adds the file name.
struct UnpicklerRefusal: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
