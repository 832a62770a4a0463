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

    /// Kitty output (a series of APC commands, optionally with cursor moves) wrapped one APC
    /// command at a time, so no single passthrough sequence exceeds tmux's buffer. Bytes between
    /// commands (cursor save/move/restore) are left for tmux itself to act on.
    public static func wrapEach(_ output: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(output.count + output.count / 256 + 64)
        var i = 0
        while i < output.count {
            if output[i] == 0x1B, i + 1 < output.count, output[i + 1] == 0x5F {
                var j = i + 2
                while j + 1 < output.count, !(output[j] == 0x1B && output[j + 1] == 0x5C) { j += 1 }
                let end = min(j + 2, output.count)
                out += wrap(Array(output[i..<end]))
                i = end
            } else {
                out.append(output[i])
                i += 1
            }
        }
        return out
    }
}
