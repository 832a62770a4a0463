import Foundation
import XCTest
@testable import EnhanceCheckpoints

/// Format detection by structure, one case per ambiguous prefix.
final class FormatDetectionTests: XCTestCase {
    private func temp(_ bytes: [UInt8], size: Int? = nil) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).ckpt").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if let size { XCTAssertEqual(truncate(path, off_t(size)), 0) }  // sparse tail
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func le64(_ v: UInt64) -> [UInt8] { var b: [UInt8] = []; b.appendLE(v); return b }

    /// Written by the reference safetensors package with header length 0x280: starts `80 02`,
    /// like a protocol-2 pickle (the bug: read as a legacy torch file, "unknown opcode").
    func testSafetensorsWhoseLengthStartsLikeAPickle() throws {
        let path = try Fixtures.path("st_len80.safetensors")
        let head = try FileIO.readPrefix(path, count: 2)
        XCTAssertEqual(head, [0x80, 0x02], "fixture must keep its pickle-like prefix")
        XCTAssertEqual(try CheckpointFile.detectFormat(path: path), .safetensors)
        guard case let .stateDict(sd, format) = try CheckpointFile.load(path: path) else {
            return XCTFail("state dict")
        }
        XCTAssertEqual(format, .safetensors)
        XCTAssertEqual(sd["a"], WeightTensor(shape: [2, 3], values: [0, 1, 2, 3, 4, 5]))
    }

    func testTorchLegacyNeedsTheFullMagicSequence() throws {
        let legacy = try Fixtures.path("pth_legacy_plain.pth")
        XCTAssertEqual(try CheckpointFile.detectFormat(path: legacy), .pytorchLegacy)
        // A plain pickle (no torch magic) is never unpickled by load.
        let pickle = try Fixtures.path("evil_system_proto2.pkl")
        XCTAssertNil(try CheckpointFile.detectFormat(path: pickle))
        Fixtures.assertRefused(pickle, "pickle without the torch.save magic number") {
            _ = try CheckpointFile.load(path: pickle)
        }
        // The magic with one byte changed.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: legacy)))
        bytes[9] ^= 1
        XCTAssertNil(CheckpointFile.detectFormat(head: Array(bytes.prefix(16)), size: UInt64(bytes.count)))
    }

    func testSafetensorsPrefixNeedsConsistentLengthAndBrace() {
        let brace = [UInt8(ascii: "{"), UInt8(ascii: "}")]
        XCTAssertEqual(CheckpointFile.detectFormat(head: le64(2) + brace, size: 10), .safetensors)
        XCTAssertNil(CheckpointFile.detectFormat(head: le64(16) + brace, size: 10), "length beyond the file")
        XCTAssertNil(CheckpointFile.detectFormat(head: le64(1) + brace, size: 10), "length below {}")
        XCTAssertNil(CheckpointFile.detectFormat(head: le64(2) + [UInt8(ascii: "[")], size: 10), "not an object")
        XCTAssertNil(CheckpointFile.detectFormat(head: le64(200_000_000) + brace, size: 300_000_000), "over 100 MB")
    }

    /// `PK\3\4` read as a length is 67 MB; with `{` at offset 8 and a big enough file both
    /// signatures fit, and only a valid JSON header makes it safetensors.
    func testZipMagicThatIsAlsoAPlausibleSafetensorsLength() throws {
        let zipLike: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, UInt8(ascii: "{"), 0]
        let path = try temp(zipLike, size: 0x0403_4B50 + 64)
        XCTAssertEqual(CheckpointFile.detectFormat(head: zipLike, size: UInt64(0x0403_4B50 + 64)), .safetensors)
        XCTAssertEqual(try CheckpointFile.detectFormat(path: path), .pytorchZip, "invalid JSON header: zip wins")
        Fixtures.assertRefused(path, "zip:") { _ = try CheckpointFile.load(path: path) }
    }

    func testNcnnMagicLine() throws {
        for (text, want) in [("7767517\n1 1\n", CheckpointFormat.ncnn), ("7767517\r\n", .ncnn),
                             ("77675170\n", nil), ("7767517 \n", nil), ("7767517", nil)] {
            let head = Array(text.utf8)
            XCTAssertEqual(CheckpointFile.detectFormat(head: head, size: UInt64(head.count)), want, text)
        }
    }

    func testFileFittingNoFormatGetsOneLine() throws {
        let path = try temp(Array("hello, not a model\n".utf8))
        XCTAssertNil(try CheckpointFile.detectFormat(path: path))
        do {
            _ = try CheckpointFile.load(path: path)
            XCTFail("accepted")
        } catch {
            let line = "\(error)"
            XCTAssertTrue(line.hasPrefix(path + ": unrecognised checkpoint format"), line)
            XCTAssertFalse(line.contains("\n"))
        }
    }

    /// A consistent header declaring 1.6 G parameters over a sparse file is refused from the header.
    func testBudgetRefusesBeforeReadingTensors() throws {
        let header = Array(#"{"w":{"dtype":"F32","shape":[40000,10000],"data_offsets":[0,1600000000]}}"#.utf8)
        let path = try temp(le64(UInt64(header.count)) + header, size: 8 + header.count + 1_600_000_000)
        let need = LoadBudget.need(fileBytes: 8 + header.count + 1_600_000_000, parameters: 400_000_000)
        XCTAssertEqual(need, 8 + header.count + 1_600_000_000 + 20 * 400_000_000)
        let budget = LoadBudget(maxBytes: 1 << 30)
        Fixtures.assertRefused(path, "needs \(LoadBudget.format(need))") {
            _ = try CheckpointFile.load(path: path, budget: budget)
        }
        Fixtures.assertRefused(path, "over the budget of \(LoadBudget.format(1 << 30))") {
            _ = try CheckpointFile.load(path: path, budget: budget)
        }
        let header2 = try SafetensorsHeader.read(path: path)
        XCTAssertEqual(header2.parameterCount, 400_000_000)
        XCTAssertEqual(header2.fileSize, 8 + header.count + 1_600_000_000)
    }

    func testBudgetForTorchAndNcnn() throws {
        let pth = try Fixtures.path("pth_zip_plain.pth")
        Fixtures.assertRefused(pth, "over the budget of 100 bytes") {
            _ = try CheckpointFile.load(path: pth, budget: LoadBudget(maxBytes: 100))
        }
        // Fits the file but not the tensors it declares: refused after unpickling, before decoding.
        let size = try FileIO.size(pth)
        Fixtures.assertRefused(pth, "needs") {
            _ = try CheckpointFile.load(path: pth, budget: LoadBudget(maxBytes: size + 1))
        }
        XCTAssertNoThrow(try CheckpointFile.load(path: pth, budget: LoadBudget(maxBytes: 1 << 30)))
    }
}
