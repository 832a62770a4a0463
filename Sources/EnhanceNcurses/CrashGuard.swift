import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Terminal settings from before ncurses started, for the fatal-signal handler. Heap storage of at
/// least a full stride: as a `termios()` global it was registered with AddressSanitizer as 57 bytes
/// (MemoryLayout says 60), and tcgetattr's 60-byte write was reported as a global-buffer-overflow.
nonisolated(unsafe) private let savedTermios: UnsafeMutablePointer<termios> =
    UnsafeMutableRawPointer.allocate(byteCount: max(MemoryLayout<termios>.stride, 64), alignment: 16)
        .bindMemory(to: termios.self, capacity: 1)
nonisolated(unsafe) private var termiosSaved = false

/// Last-resort terminal restore: if the process dies from a fatal signal (a Swift runtime trap is
/// SIGILL/SIGTRAP) while the UI is up, put the tty back in its original mode, leave the alternate
/// screen and show the cursor, then die with the same signal. Uses only async-signal-safe calls.
enum CrashGuard {
    static let fatalSignals: [Int32] = [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV]

    static func install() {
        if tcgetattr(STDIN_FILENO, savedTermios) == 0 { termiosSaved = true }
        for sig in fatalSignals {
            signal(sig) { s in
                if termiosSaved { _ = tcsetattr(STDIN_FILENO, TCSANOW, savedTermios) }
                let reset: [UInt8] = Array("\u{1B}[0m\u{1B}[?1049l\u{1B}[?25h\r\n".utf8)
                _ = reset.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }

    static func uninstall() {
        for sig in fatalSignals { signal(sig, SIG_DFL) }
        termiosSaved = false
    }
}
