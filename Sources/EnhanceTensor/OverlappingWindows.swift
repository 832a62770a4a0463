/// Overlapping windows over token-major images (``Matrix`` `[H·W, C]`, token `y · W + x`): the keys
/// and values of an overlapping cross-attention
/// (``windowAttention(queries:keysValues:queryTokens:keyTokens:heads:scale:bias:pool:)``).
///
/// Window `(wy, wx)` (row-major over the `H/window × W/window` windows, as
/// ``windowPartition(_:height:width:window:shift:)`` orders them) is the `overlapWindow²` tokens
/// from image row `wy · window − p`, column `wx · window − p` on, `p = (overlapWindow − window) / 2`,
/// row-major; tokens outside the image are zero (PyTorch `nn.Unfold(kernel_size: overlapWindow,
/// stride: window, padding: p)` on the CHW image, rearranged to tokens). Only `columns` of each
/// token are copied.
///
/// - Returns: `[nW · overlapWindow², columns.count]`.
public func overlappingWindowPartition(_ x: Matrix, height h: Int, width w: Int, window ws: Int, overlapWindow ows: Int,
                                       columns: Range<Int>) -> Matrix {
    precondition(x.rows == h * w && h % ws == 0 && w % ws == 0, "overlapping windows: \(h)×\(w) not in \(ws)-windows")
    precondition(ows >= ws && (ows - ws) % 2 == 0, "overlapping windows: \(ows) does not extend \(ws) evenly")
    precondition(columns.lowerBound >= 0 && columns.upperBound <= x.columns, "overlapping windows: columns")
    let c = columns.count, stride = x.columns, p = (ows - ws) / 2, nx = w / ws, nW = (h / ws) * nx
    let n = ows * ows
    var out = [Float](repeating: 0, count: nW * n * c)
    x.data.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
        for win in 0..<nW {
            let y0 = (win / nx) * ws - p, x0 = (win % nx) * ws - p
            for i in 0..<ows where (0..<h).contains(y0 + i) {
                for j in 0..<ows where (0..<w).contains(x0 + j) {
                    let from = src.baseAddress! + ((y0 + i) * w + x0 + j) * stride + columns.lowerBound
                    (dst.baseAddress! + ((win * ows + i) * ows + j) * c).update(from: from, count: c)
                }
            }
        }
    } }
    return Matrix(rows: nW * n, columns: c, data: out)
}

/// The relative position bias `[heads][window²][overlapWindow²]` of an overlapping
/// cross-attention from its table `[(window + overlapWindow − 1)², heads]`: for query `i` at
/// `(yᵢ, xᵢ)` of a window and key `j` at `(yⱼ, xⱼ)` of the overlapping window, the row
/// `(yⱼ − yᵢ + window − overlapWindow + 1) · (window + overlapWindow − 1) + xⱼ − xᵢ + window −
/// overlapWindow + 1`, which is negative for some pairs and then counts from the table's end
/// (the reference's `relative_position_index_OCA`, used as a PyTorch index).
public func overlappingWindowBias(table: [Float], window ws: Int, overlapWindow ows: Int, heads: Int) -> [Float] {
    let side = ws + ows - 1, rows = side * side, nq = ws * ws, nk = ows * ows, shift = ws - ows + 1
    precondition(table.count == rows * heads, "overlappingWindowBias: table is not [(ws + ows − 1)², heads]")
    var bias = [Float](repeating: 0, count: heads * nq * nk)
    for i in 0..<nq { for j in 0..<nk {
        let index = (j / ows - i / ws + shift) * side + j % ows - i % ws + shift
        let row = (index % rows + rows) % rows
        for hd in 0..<heads { bias[(hd * nq + i) * nk + j] = table[row * heads + hd] }
    } }
    return bias
}
