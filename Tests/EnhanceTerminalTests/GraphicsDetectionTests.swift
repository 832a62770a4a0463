import XCTest
@testable import EnhanceTerminal

/// Detection against scripted replies, as real terminals sent them (see
/// ../shared/docs/terminal-graphics-e2e.md): kitty 0.26.5, XTerm 379 with and without
/// `-ti vt340`, tmux 3.3a (own DA1 first, kitty reply later), and silence.
final class GraphicsDetectionTests: XCTestCase {
    let esc = "\u{1B}"

    func replies(_ chunks: [String]) -> GraphicsReplies {
        var r = GraphicsReplies()
        for c in chunks { r.feed(Array(c.utf8)) }
        return r
    }

    func decide(_ r: GraphicsReplies?, env: [String: String] = [:], tmux: TmuxInfo? = nil,
                choice: GraphicsChoice = .auto) -> GraphicsDecision {
        GraphicsDecision(choice: choice, replies: r, environment: env, tmux: tmux)
    }

    func testKitty() {
        // Split mid-sequence, as a read() may return.
        let r = replies(["\(esc)_Gi=31;OK\(esc)", "\\\(esc)[6;20;10t\(esc)P>|kitty(0.26.5)\(esc)\\\(esc)[?62;c"])
        XCTAssertTrue(r.kittyOK)
        XCTAssertEqual(r.deviceAttributes, [62])
        XCTAssertEqual(r.version, "kitty(0.26.5)")
        XCTAssertEqual(r.cellPixels?.width, 10); XCTAssertEqual(r.cellPixels?.height, 20)
        XCTAssertTrue(r.complete(insideTmux: false))
        XCTAssertEqual(decide(r).kind, .kitty)
    }

    func testXtermWithAndWithoutSixel() {
        let vt340 = replies(["\(esc)[6;15;7t\(esc)P>|XTerm(379)\(esc)\\\(esc)[?63;1;2;4;6;9;15;16;22;28c"])
        XCTAssertFalse(vt340.kittyOK)
        XCTAssertTrue(vt340.sixel)
        XCTAssertEqual(decide(vt340).kind, .sixel)
        let plain = replies(["\(esc)P>|XTerm(379)\(esc)\\\(esc)[?64;1;2;6;9;15;16;22;28c"])
        XCTAssertTrue(plain.complete(insideTmux: false))
        XCTAssertFalse(plain.sixel)
        XCTAssertEqual(decide(plain).kind, .blocks)
        XCTAssertNil(decide(plain).note)
    }

    func testTmuxAnswersDA1BeforeTheKittyReply() {
        var r = replies(["\(esc)[?1;2c"])
        XCTAssertTrue(r.complete(insideTmux: false), "outside tmux DA1 is the fence")
        XCTAssertFalse(r.complete(insideTmux: true), "inside tmux the kitty reply may still come")
        r.feed(Array("\(esc)_Gi=31;OK\(esc)\\".utf8))
        XCTAssertTrue(r.complete(insideTmux: true))
        let on = decide(r, tmux: TmuxInfo(version: (3, 3), passthrough: true))
        XCTAssertEqual(on.kind, .kitty); XCTAssertTrue(on.tmuxPassthrough)
        let off = decide(r, tmux: TmuxInfo(version: (3, 3), passthrough: false))
        XCTAssertEqual(off.kind, .blocks)
        XCTAssertTrue(off.note?.contains("allow-passthrough") ?? false)
    }

    func testQueryWrapsOnlyTheKittyQueryForTmux() {
        let plain = String(decoding: GraphicsReplies.queryBytes(tmuxPassthrough: false), as: UTF8.self)
        XCTAssertTrue(plain.hasPrefix("\(esc)_Gi=31,") && plain.hasSuffix("\(esc)[c"), plain)
        let wrapped = String(decoding: GraphicsReplies.queryBytes(tmuxPassthrough: true), as: UTF8.self)
        XCTAssertTrue(wrapped.hasPrefix("\(esc)Ptmux;\(esc)\(esc)_Gi=31,"), wrapped)
        XCTAssertTrue(wrapped.hasSuffix("\(esc)[16t\(esc)[>0q\(esc)[c"), "tmux answers DA1 itself")
    }

    func testTmuxSixelNeeds34() {
        let r = replies(["\(esc)[?62;4;22c"])
        let old = decide(r, tmux: TmuxInfo(version: (3, 3), passthrough: true))
        XCTAssertEqual(old.kind, .blocks); XCTAssertTrue(old.note?.contains("3.4") ?? false)
        XCTAssertEqual(decide(r, tmux: TmuxInfo(version: (3, 4), passthrough: false)).kind, .sixel)
        XCTAssertEqual(TmuxInfo.parseVersion("tmux 3.3a")?.1, 3)
        XCTAssertEqual(TmuxInfo.parseVersion("tmux next-3.4")?.1, 4)
    }

    func testSilenceFallsBackToEnvironmentThenBlocks() {
        let silent = replies([])
        XCTAssertFalse(silent.complete(insideTmux: false))
        XCTAssertEqual(decide(silent).kind, .blocks)
        XCTAssertEqual(decide(silent, env: ["TERM": "xterm-kitty"]).kind, .kitty)
        XCTAssertEqual(decide(nil, env: ["TERM_PROGRAM": "WezTerm"]).kind, .iterm2)
        XCTAssertEqual(decide(nil, env: ["TERM_PROGRAM": "iTerm.app"]).kind, .iterm2)
        XCTAssertEqual(decide(nil, env: ["TERM": "xterm-256color"]).kind, .blocks)
    }

    func testUnknownAndGarbageIgnored() {
        let r = replies(["x\(esc)[?1049h\(esc)]11;rgb:0000/0000/0000\u{07}\(esc)_Gi=31;ENOTSUPPORTED\(esc)\\\(esc)[?65;1c"])
        XCTAssertFalse(r.kittyOK)
        XCTAssertEqual(r.deviceAttributes, [65, 1])
    }

    func testChoiceFromOptionAndEnvironment() {
        XCTAssertEqual(GraphicsChoice.resolve(option: nil, environment: [:]), .auto)
        XCTAssertEqual(GraphicsChoice.resolve(option: nil, environment: ["ENHANCE_GRAPHICS": "sixel"]), .fixed(.sixel))
        XCTAssertEqual(GraphicsChoice.resolve(option: "blocks", environment: ["ENHANCE_GRAPHICS": "kitty"]),
                       .fixed(.blocks))
        XCTAssertNil(GraphicsChoice("png"))
        XCTAssertEqual(decide(nil, choice: .fixed(.iterm2)).kind, .iterm2)
    }

    /// XTSMGRAPHICS replies as XTerm 379 `-ti vt340` sent them at 132×40 cells (1060×684 px
    /// window) to `CSI ? 2 ; 1 ; 0 S` (sixel geometry, read) and `CSI ? 2 ; 4 ; 0 S` (maximum).
    func testSixelGeometryReply() {
        let r = replies(["\(esc)[?2;0;1000;6", "80S\(esc)[?63;1;2;4;6;9;15;16;22;28c"])
        XCTAssertEqual(r.sixelGeometry?.width, 1000)
        XCTAssertEqual(r.sixelGeometry?.height, 680)
        XCTAssertEqual(r.deviceAttributes, [63, 1, 2, 4, 6, 9, 15, 16, 22, 28], "DA1 still parsed after it")
        XCTAssertEqual(replies(["\(esc)[?2;0;1000;1000S"]).sixelGeometry?.height, 1000)
        // A failure status (3) or the colour-register item (Pi = 1) carry no geometry.
        XCTAssertNil(replies(["\(esc)[?2;3;0S\(esc)[?1;0;1024S\(esc)[?62;c"]).sixelGeometry)
        XCTAssertNil(replies(["\(esc)[?62;c"]).sixelGeometry)
        XCTAssertEqual(GraphicsReplies.sixelGeometryQuery, "\(esc)[?2;1;0S\(esc)[c")
    }
}
