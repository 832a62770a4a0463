/// A dense float32 activation tensor for batch size 1.
///
/// Layout: **CHW**, `data[c * height * width + y * width + x]`. Values are whatever the network
/// computes (images enter in [0, 1]).
public struct Tensor: Sendable, Equatable {
    /// Number of channels (C).
    public var channels: Int
    /// Height in pixels (H).
    public var height: Int
    /// Width in pixels (W).
    public var width: Int
    /// Samples, CHW.
    public var data: [Float]

    /// Creates a tensor from CHW data; `data.count` must equal `channels * height * width`.
    public init(channels: Int, height: Int, width: Int, data: [Float]) {
        precondition(data.count == channels * height * width, "tensor data does not match shape")
        self.channels = channels
        self.height = height
        self.width = width
        self.data = data
    }

    /// A zero-filled tensor.
    public init(channels: Int, height: Int, width: Int) {
        self.init(channels: channels, height: height, width: width,
                  data: [Float](repeating: 0, count: channels * height * width))
    }

    /// `width * height`.
    public var planeSize: Int { width * height }
    /// Element at channel `c`, row `y`, column `x`.
    @inlinable public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }
}
