/// How a ``Tensor``'s floats are ordered. The layout travels with the tensor, so an op handed a
/// layout it cannot read fails at once instead of misreading the data (ncnn's `elempack`).
public enum TensorLayout: Sendable, Equatable {
    /// Channel planes: `data[(c · H + y) · W + x]`.
    case chw
    /// Channels in groups of 16, each pixel of a group one 16-float vector ("C16HW", ``Packed16``):
    /// channel `16p + l` at `((p · H + y) · W + x) · 16 + l`; `C` is a multiple of 16.
    case packed16
}

/// A dense float32 activation tensor for batch size 1.
///
/// Shape `[channels, height, width]`; the order of ``data`` is ``layout`` (**CHW** unless made by
/// ``Packed16``). Values are whatever the network computes (images enter in [0, 1]).
public struct Tensor: Sendable, Equatable {
    /// Number of channels (C).
    public var channels: Int
    /// Height in pixels (H).
    public var height: Int
    /// Width in pixels (W).
    public var width: Int
    /// Samples, in ``layout`` order.
    public var data: [Float]
    /// The order of ``data``; every op checks it (``require(_:_:)``).
    public let layout: TensorLayout

    /// Creates a tensor from data in `layout` order; `data.count` must equal `channels * height * width`.
    public init(channels: Int, height: Int, width: Int, data: [Float], layout: TensorLayout = .chw) {
        precondition(data.count == channels * height * width, "tensor data does not match shape")
        precondition(layout == .chw || channels % Packed16.lanes == 0, "packed16 tensor needs 16-channel groups")
        self.channels = channels
        self.height = height
        self.width = width
        self.data = data
        self.layout = layout
    }

    /// A zero-filled tensor.
    public init(channels: Int, height: Int, width: Int, layout: TensorLayout = .chw) {
        self.init(channels: channels, height: height, width: width,
                  data: [Float](repeating: 0, count: channels * height * width), layout: layout)
    }

    /// `width * height`.
    public var planeSize: Int { width * height }
    /// Element at channel `c`, row `y`, column `x` (CHW tensors).
    @inlinable public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }

    /// Stops with a message naming `op` unless this tensor is in `layout`: the check every op makes
    /// on its inputs, so a packed tensor is never read as CHW (or the reverse).
    @inlinable public func require(_ layout: TensorLayout, _ op: @autoclosure () -> String) {
        precondition(self.layout == layout, "\(op()): expected a \(layout) tensor, got \(self.layout)")
    }
}
