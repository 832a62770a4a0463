import EnhanceTensor

/// The float arithmetic ops the broadcast loop runs as plain (auto-vectorised) loops; others go
/// through a closure per element.
enum ArithmeticOp: Sendable {
    case add, sub, mul, div
}

/// A broadcast of two operands onto an output shape as a loop nest: size-1 output axes dropped and
/// neighbouring axes merged wherever both operands step through them as one, so that the innermost
/// axis is as long as it can be and each operand steps through it by 1 (its own elements) or by 0
/// (one element repeated: a bias over the last axis, a scalar).
struct BroadcastLoop {
    /// Axis lengths, outermost first (at least one axis).
    let dims: [Int]
    /// Element strides of each operand along `dims` (0 where it is broadcast).
    let strideA: [Int], strideB: [Int]

    init(shape: [Int], a: [Int], b: [Int]) {
        func strides(_ s: [Int]) -> [Int] {
            let pad = [Int](repeating: 1, count: shape.count - s.count) + s
            return ONNXTensor.strides(pad).enumerated().map { pad[$0.offset] == 1 ? 0 : $0.element }
        }
        let sa = strides(a), sb = strides(b)
        var dims: [Int] = [], da: [Int] = [], db: [Int] = []
        for d in shape.indices where shape[d] != 1 {
            if let last = dims.last, da.last! == sa[d] * shape[d], db.last! == sb[d] * shape[d] {
                dims[dims.count - 1] = last * shape[d]
                da[da.count - 1] = sa[d]
                db[db.count - 1] = sb[d]
            } else {
                dims.append(shape[d])
                da.append(sa[d])
                db.append(sb[d])
            }
        }
        if dims.isEmpty { (dims, da, db) = ([1], [0], [0]) }
        (self.dims, strideA, strideB) = (dims, da, db)
    }

    /// `out[i] = op(a[…], b[…])` over the whole output, rows of the innermost axis spread over `pool`.
    func run(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
             op: ArithmeticOp?, pool: ThreadPool, _ closure: (Float, Float) -> Float) {
        let inner = dims.last!, rows = dims.dropLast().reduce(1, *)
        let (ia, ib) = (strideA.last!, strideB.last!)
        // Rows in chunks of about 16K elements (one chunk for a small tensor: no hand-off).
        let per = max(1, (1 << 14) / max(inner, 1)), chunks = (rows + per - 1) / per
        func work(_ chunk: Int) {
            for r in (chunk * per)..<min(rows, (chunk + 1) * per) {
                var rem = r, oa = 0, ob = 0
                for d in stride(from: dims.count - 2, through: 0, by: -1) {
                    let q = rem % dims[d]
                    rem /= dims[d]
                    oa += q * strideA[d]
                    ob += q * strideB[d]
                }
                Self.row(a + oa, ia, b + ob, ib, out + r * inner, inner, op, closure)
            }
        }
        if chunks == 1 { work(0) } else { pool.parallelFor(chunks, work) }
    }

    /// One innermost row: `n` results, each operand stepping by 1 or 0.
    @inline(__always)
    private static func row(_ a: UnsafePointer<Float>, _ ia: Int, _ b: UnsafePointer<Float>, _ ib: Int,
                            _ o: UnsafeMutablePointer<Float>, _ n: Int, _ op: ArithmeticOp?,
                            _ closure: (Float, Float) -> Float) {
        guard let op else {
            for i in 0..<n { o[i] = closure(a[i * ia], b[i * ib]) }
            return
        }
        switch (ia, ib) {
        case (1, 1):
            switch op {
            case .add: for i in 0..<n { o[i] = a[i] + b[i] }
            case .sub: for i in 0..<n { o[i] = a[i] - b[i] }
            case .mul: for i in 0..<n { o[i] = a[i] * b[i] }
            case .div: for i in 0..<n { o[i] = a[i] / b[i] }
            }
        case (1, 0):
            let s = b[0]
            switch op {
            case .add: for i in 0..<n { o[i] = a[i] + s }
            case .sub: for i in 0..<n { o[i] = a[i] - s }
            case .mul: for i in 0..<n { o[i] = a[i] * s }
            case .div: for i in 0..<n { o[i] = a[i] / s }
            }
        case (0, 1):
            let s = a[0]
            switch op {
            case .add: for i in 0..<n { o[i] = s + b[i] }
            case .sub: for i in 0..<n { o[i] = s - b[i] }
            case .mul: for i in 0..<n { o[i] = s * b[i] }
            case .div: for i in 0..<n { o[i] = s / b[i] }
            }
        default:
            for i in 0..<n { o[i] = closure(a[i * ia], b[i * ib]) }
        }
    }
}
