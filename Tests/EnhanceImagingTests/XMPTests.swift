import Foundation
import XCTest
@testable import EnhanceImaging

/// The `enhance:*` record in a JPEG's XMP packet: written by the JPEG writer, read back by the
/// decoder, and read from packets as other XMP writers lay them out.
final class XMPTests: XCTestCase {
    func testJPEGRoundTripKeepsTheRecordOnly() throws {
        var img = Image(width: 4, height: 3)
        for c in 0..<3 { for y in 0..<3 { for x in 0..<4 { img[c, y, x] = Float(x + y + c) / 9 } } }
        img.text = ["enhance:method": "blend", "enhance:psnr-model": "a&b <c> \"d\" é.pth", "Comment": "not ours",
                    "enhance:bad name": "left out"]
        let path = NSTemporaryDirectory() + "xmp-\(UUID().uuidString).jpg"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ImageFile.write(img, to: path)
        let back = try ImageFile.read(path: path)
        XCTAssertEqual(back.text, ["enhance:method": "blend", "enhance:psnr-model": "a&b <c> \"d\" é.pth"])
    }

    func testPacketsLaidOutByOtherWriters() {
        // Attribute form under another prefix, single quotes, entities, and an element property.
        let packet = """
            <x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
            <rdf:Description rdf:about='' xmlns:en='https://enhance.invalid/xmp/1.0/'
             en:method='gan' en:gan-model="x &amp; y&#x2E;pth">
             <en:scale>4</en:scale>
             <dc:title>en:method='no'</dc:title>
            </rdf:Description></rdf:RDF></x:xmpmeta>
            """
        XCTAssertEqual(XMP.properties(Array(packet.utf8)),
                       ["enhance:method": "gan", "enhance:gan-model": "x & y.pth", "enhance:scale": "4"])
        XCTAssertEqual(XMP.properties(Array("<x:xmpmeta><enhance:method>psnr</enhance:method>".utf8)), [:],
                       "a prefix not bound to the namespace is not ours")
        XCTAssertNil(XMP.packet(["Comment": "x"]))
    }
}
