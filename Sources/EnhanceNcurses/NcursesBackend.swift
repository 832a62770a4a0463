import CNcursesw
import EnhanceTerminal
import EnhanceTUI
import Foundation

/// Error starting or driving the terminal.
public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
}

/// The real terminal: ncurses draws text, block images go out as raw SGR escapes (truecolor or
/// 256-colour) with the cursor saved/restored, since ncurses cannot address 24-bit colours per cell;
/// pane images of ``ScreenBuffer/images`` go out last with the graphics protocol of `graphics`.
final class NcursesBackend: TerminalBackend {
    let colorMode: ColorMode
    let graphics: GraphicsEncoder
    /// The images on screen now (drawn by the last frame).
    private var shown: [PlacedImage] = []
    /// Cell size last reported to the loop, and a change waiting to be reported.
    private var cellPixels: CellPixels?
    private var pendingCellPixels: CellPixels?
    private var screen: OpaquePointer?
    private var win: UnsafeMutablePointer<WINDOW>?
    private let outFile: UnsafeMutablePointer<FILE>?
    private let inFile: UnsafeMutablePointer<FILE>?
    private var hasColors = false

    init(colorMode: ColorMode, graphics: GraphicsEncoder = GraphicsEncoder(.blocks),
         cellPixels: CellPixels? = nil) throws {
        self.colorMode = colorMode
        self.graphics = graphics
        self.cellPixels = cellPixels
        setlocale(LC_ALL, "")
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "enhance: the interactive UI needs a terminal on stdin and stdout")
        }
        outFile = fdopen(STDOUT_FILENO, "w")
        inFile = fdopen(STDIN_FILENO, "r")
        guard let scr = newterm(nil, outFile, inFile) else {
            let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
            throw TerminalError(description: "enhance: cannot initialise terminal '\(term)'")
        }
        screen = scr
        set_term(scr)
        win = enhance_stdscr()
        cbreak()
        noecho()
        nonl()
        keypad(win, true)
        set_escdelay(25)
        curs_set(0)
        if colorMode != .none && has_colors() {
            start_color()
            use_default_colors()
            init_pair(1, Int16(COLOR_BLACK), Int16(COLOR_CYAN))   // title
            init_pair(2, Int16(COLOR_RED), -1)                     // error
            init_pair(3, Int16(COLOR_YELLOW), -1)                  // accent
            hasColors = true
        }
        // Wheel to scroll/pan; button 1 held + motion to drag-pan (terminals without motion
        // reporting just send press and release, which pan by the whole move).
        mousemask(enhance_wheel_up_mask() | enhance_wheel_down_mask() | enhance_button1_pressed_mask()
                  | enhance_button1_released_mask() | enhance_report_position_mask(), nil)
        mouseinterval(0)
    }

    /// Restores the terminal (idempotent).
    func shutdown() {
        guard let scr = screen else { return }
        writeBytes(shown.flatMap { graphics.erase(slot: $0.slot) })  // kitty keeps images until deleted
        shown = []
        FileHandle.standardOutput.write(Data("\u{1B}[0m".utf8))
        endwin()
        delscreen(scr)
        screen = nil
    }

    deinit { shutdown() }

    var size: (columns: Int, rows: Int) { (Int(getmaxx(win)), Int(getmaxy(win))) }

    func nextEvent(timeoutMs: Int) -> Msg? {
        if let px = pendingCellPixels {
            pendingCellPixels = nil
            return .cellPixels(px)
        }
        wtimeout(win, Int32(timeoutMs))
        var ch: wint_t = 0
        let rc = wget_wch(win, &ch)
        if rc == ERR { return nil }
        if rc == KEY_CODE_YES {
            switch Int32(ch) {
            case KEY_RESIZE:
                if let px = TerminalGraphics.windowCellPixels(), px != cellPixels {
                    cellPixels = px
                    pendingCellPixels = px
                }
                return .resize(columns: size.columns, rows: size.rows)
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_LEFT: return .key(.left)
            case KEY_RIGHT: return .key(.right)
            case KEY_SLEFT: return .key(.shiftLeft)
            case KEY_SRIGHT: return .key(.shiftRight)
            case KEY_BACKSPACE: return .key(.backspace)
            case KEY_ENTER: return .key(.enter)
            case KEY_BTAB: return .key(.backTab)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_MOUSE: return mouseEvent()
            default: return nil
            }
        }
        switch ch {
        case 27: return .key(.escape)
        case 10, 13: return .key(.enter)
        case 9: return .key(.tab)
        case 8, 127: return .key(.backspace)
        case 21: return .key(.char(clearLineKey))  // Ctrl-U
        default:
            guard let scalar = Unicode.Scalar(UInt32(ch)), ch >= 32 else { return nil }
            return .key(.char(Character(scalar)))
        }
    }

    private func mouseEvent() -> Msg? {
        var ev = MEVENT()
        guard getmouse(&ev) == OK else { return nil }
        if ev.bstate & enhance_wheel_up_mask() != 0 { return .key(.char("k")) }
        if ev.bstate & enhance_wheel_down_mask() != 0 { return .key(.char("j")) }
        let here = (Int(ev.x), Int(ev.y))
        if ev.bstate & enhance_button1_pressed_mask() != 0 { dragFrom = here; return nil }
        guard let from = dragFrom else { return nil }
        if ev.bstate & enhance_button1_released_mask() != 0 { dragFrom = nil } else { dragFrom = here }
        let (dc, dr) = (here.0 - from.0, here.1 - from.1)
        return dc == 0 && dr == 0 ? nil : .drag(columns: dc, rows: dr)
    }

    /// Pointer cell while button 1 is held (drag to pan).
    private var dragFrom: (Int, Int)?

    func draw(_ frame: ScreenBuffer, previous: ScreenBuffer?) {
        let prev = (previous?.columns == frame.columns && previous?.rows == frame.rows) ? previous : nil
        var out = "\u{1B}7"
        // Cells that were image cells and are text now: ncurses believes they are blank, so blank them.
        if let prev {
            for i in frame.cells.indices where prev.cells[i].image != nil && frame.cells[i].image == nil {
                out += "\u{1B}[0m\u{1B}[\(i / frame.columns + 1);\(i % frame.columns + 1)H "
            }
        } else {
            clearok(win, true)
        }
        out += "\u{1B}8"
        writeRaw(out)
        var changedRows = Set<Int>()
        for r in 0..<frame.rows {
            for c in 0..<frame.columns {
                let cell = frame[r, c]
                if let prev, prev[r, c].image == nil && cell.image == nil && prev[r, c] == cell { continue }
                // ncurses may rewrite a changed text row with erase sequences that also clear the
                // image cells beside it, so every row where text appears or disappears is redrawn.
                if cell.image == nil || prev?[r, c].image == nil { changedRows.insert(r) }
                if cell.text.isEmpty { continue }  // trailing half of a wide character
                let attr = attribute(cell.image == nil ? cell.style : .normal)
                wattrset(win, Int32(bitPattern: UInt32(truncatingIfNeeded: attr)))
                _ = mvwaddstr(win, Int32(r), Int32(c), cell.image == nil ? cell.text : " ")
            }
        }
        wattrset(win, 0)
        wnoutrefresh(win)
        doupdate()
        fflush(outFile)
        // ncurses' scroll optimisation may have shifted lines, image cells included: redraw them all.
        let moved = prev.map { frame.cursesMayMoveLines(from: $0) } ?? false
        if moved { changedRows = Set(0..<frame.rows) }
        let images = frame.cells.map(\.image)
        writeRaw(ANSIWriter.drawSparse(images, columns: frame.columns, mode: colorMode,
                                       previous: prev?.cells.map(\.image), forceRows: prev == nil ? [] : changedRows))
        drawImages(frame.images, full: prev == nil || moved, changedRows: changedRows)
    }

    /// Removes images no longer in the frame and draws the new or changed ones. Sixel and iTerm2
    /// pixels are overwritten by text, so those images are also redrawn when a row they cover was
    /// rewritten (`changedRows`, or every row after a full redraw).
    private func drawImages(_ images: [PlacedImage], full: Bool, changedRows: Set<Int>) {
        guard graphics.protocolKind.isPixels, !(images.isEmpty && shown.isEmpty) else { return }
        var out = [UInt8]()
        for old in shown where full || !images.contains(where: { $0.slot == old.slot }) {
            out += graphics.erase(slot: old.slot)
        }
        let textErases = graphics.protocolKind != .kitty
        for img in images {
            let same = !full && shown.contains(img)
            let touched = textErases && (img.row..<(img.row + img.rows)).contains { changedRows.contains($0) }
            if !same || touched { out += graphics.draw(img) }
        }
        shown = images
        writeBytes(out)
    }


    private func attribute(_ s: TextStyle) -> UInt {
        let pair: (Int32) -> UInt = { self.hasColors ? UInt(COLOR_PAIR($0)) : 0 }
        switch s {
        case .normal: return 0
        case .bold: return UInt(NCURSES_BITS(1, 13))
        case .dim: return UInt(NCURSES_BITS(1, 12))
        case .reverse: return UInt(NCURSES_BITS(1, 10))
        case .title: return hasColors ? pair(1) : UInt(NCURSES_BITS(1, 10))
        case .error: return pair(2) | UInt(NCURSES_BITS(1, 13))
        case .accent: return hasColors ? pair(3) : UInt(NCURSES_BITS(1, 13))
        }
    }

    private func writeRaw(_ s: String) { writeBytes(Array(s.utf8)) }

    private func writeBytes(_ bytes: [UInt8]) {
        var data = bytes
        var off = 0
        while off < data.count {
            let n = data.withUnsafeMutableBytes { write(STDOUT_FILENO, $0.baseAddress! + off, $0.count - off) }
            if n <= 0 { if errno == EINTR { continue } else { break } }
            off += n
        }
        data.removeAll()
    }
}

/// `NCURSES_BITS(mask, shift)` = mask << (shift + 8).
func NCURSES_BITS(_ mask: UInt, _ shift: UInt) -> UInt { mask << (shift + 8) }

