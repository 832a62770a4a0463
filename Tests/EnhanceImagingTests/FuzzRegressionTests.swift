import Foundation
import XCTest
@testable import EnhanceImaging

/// Minimised reproducers of scripts/fuzz findings (Fixtures/fuzz), one test each.
final class FuzzRegressionTests: XCTestCase {
    /// `fuzz png`, finding 1: a 199-byte PNG whose tEXt chunk declares 0x7A00000E bytes made
    /// libpng malloc 2 GB before reading it (its own chunk limit is only a warning on read). The
    /// shim's allocator now refuses any allocation over 16 MiB until the image size is known.
    func testPNGChunkDeclaring2GBIsRefusedBeforeAllocating() throws {
        let path = try Fixtures.path("fuzz/png_text_chunk_2gb.png")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[33 ..< 41]), [0x7A, 0x00, 0x00, 0x0E] + Array("tEXt".utf8), "fixture's chunk header")
        for read in [{ _ = try ImageFile.info(path: path) }, { _ = try ImageFile.read(path: path) }] {
            XCTAssertThrowsError(try read()) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("png_text_chunk_2gb.png"), text)
                XCTAssertTrue(text.contains("needs 2046820367 bytes, over the 16777216-byte limit"), text)
            }
        }
    }
}
