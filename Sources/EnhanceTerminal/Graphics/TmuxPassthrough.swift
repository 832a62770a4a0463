/// Wraps escape sequences for tmux's passthrough (`set -g allow-passthrough on`):
/// `ESC P tmux; <sequence with every ESC doubled> ESC \`.
public enum TmuxPassthrough {
    /// `sequence` wrapped so tmux forwards it to the outer terminal unchanged.
    public static func wrap(_ sequence: [UInt8]) -> [UInt8] {
        var out = Array("\u{1B}Ptmux;".utf8)
        out.reserveCapacity(sequence.count + sequence.count / 512 + 16)
        for b in sequence {
            if b == 0x1B { out.append(0x1B) }
            out.append(b)
        }
        out += [0x1B, 0x5C]
        return out
    }

    /// `output` (APC commands, and any bytes between them) wrapped piece by piece: each APC
    /// command, and each run of bytes between them, becomes its own passthrough sequence, so no
    /// single one exceeds tmux's input buffer. tmux may move the outer cursor between sequences:
    /// a cursor move that a command depends on must share its sequence (``wrap(_:)``).
    public static func wrapEach(_ output: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(output.count + output.count / 256 + 64)
        var i = 0
        while i < output.count {
            var end: Int
            if output[i] == 0x1B, i + 1 < output.count, output[i + 1] == 0x5F {
                end = i + 2
                while end + 1 < output.count, !(output[end] == 0x1B && output[end + 1] == 0x5C) { end += 1 }
                end = min(end + 2, output.count)
            } else {
                end = i + 1
                while end < output.count, !(output[end] == 0x1B && end + 1 < output.count && output[end + 1] == 0x5F) {
                    end += 1
                }
            }
            out += wrap(Array(output[i..<end]))
            i = end
        }
        return out
    }
}
