import BitTorrent
import Foundation
import Testing

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// 20 copies of `byte`: a recognisable fake piece hash.
private func fakeHash(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 20) }

/// A valid single-file info dictionary (10 bytes, piece length 16, one piece) to mutate.
private let validInfo: [ByteString: BencodeValue] = [
    "name": "x.bin",
    "piece length": 16,
    "pieces": .bytes(ByteString(fakeHash(UInt8(ascii: "a")))),
    "length": 10,
]

private func torrent(info: [ByteString: BencodeValue], _ top: [ByteString: BencodeValue] = [:]) -> [UInt8] {
    var dictionary = top
    dictionary["info"] = .dictionary(info)
    return BencodeValue.dictionary(dictionary).encoded()
}

private func withInfo(_ changes: [ByteString: BencodeValue?]) -> [UInt8] {
    var info = validInfo
    for (key, value) in changes { info[key] = value }
    return torrent(info: info)
}

private func multiFileInfo(_ files: BencodeValue, pieces: Int = 1) -> [UInt8] {
    var info = validInfo
    info["length"] = nil
    info["files"] = files
    info["piece length"] = .integer(1 << 20)
    info["pieces"] = .bytes(ByteString((0..<pieces).flatMap { fakeHash(UInt8($0)) }))
    return torrent(info: info)
}

@Suite("Metainfo")
struct MetainfoTests {
    @Test("SHA-1 of a known vector and hex round trip")
    func sha1Hash() throws {
        let abc = SHA1Hash.of(bytes("abc"))
        #expect(abc.hex == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1Hash(hex: "A9993E364706816ABA3E25717850C26C9CD0D89D") == abc)
        #expect(SHA1Hash(bytes: abc.bytes) == abc)
        #expect(abc.bytes.count == 20)
        #expect(SHA1Hash(hex: "a999") == nil)
        #expect(SHA1Hash(hex: String(repeating: "g", count: 40)) == nil)
        #expect(SHA1Hash(bytes: [1, 2, 3]) == nil)
        let low = try #require(SHA1Hash(bytes: fakeHash(0) + []))
        let high = try #require(SHA1Hash(bytes: [0] + [UInt8](repeating: 0, count: 18) + [1]))
        #expect(low < high)
    }

    @Test("A single-file torrent parses; the info-hash is the SHA-1 of the info bytes (fixed vector)")
    func singleFile() throws {
        let input = torrent(
            info: validInfo,
            ["announce": "http://tracker.example:6969/announce", "comment": "hello", "created by": "test", "creation date": 1_700_000_000])
        let metainfo = try Metainfo(bytes: input)
        #expect(metainfo.infoHashHex == "fe50799c800ce67823fbf5306dc9d395af4147ed")
        #expect(metainfo.infoHash.bytes.count == 20)
        #expect(metainfo.infoBytes == bytes("d6:lengthi10e4:name5:x.bin12:piece lengthi16e6:pieces20:") + fakeHash(UInt8(ascii: "a")) + bytes("e"))
        #expect(metainfo.announce == "http://tracker.example:6969/announce")
        #expect(metainfo.announceList == nil)
        #expect(metainfo.name == "x.bin")
        #expect(metainfo.pieceLength == 16)
        #expect(metainfo.pieceCount == 1)
        #expect(metainfo.pieces == [SHA1Hash(bytes: fakeHash(UInt8(ascii: "a")))])
        #expect(metainfo.layout == .singleFile(length: 10))
        #expect(metainfo.length == 10)
        #expect(metainfo.totalLength == 10)
        #expect(!metainfo.isMultiFile)
        #expect(metainfo.files == [Metainfo.File(path: ["x.bin"], length: 10)])
        #expect(!metainfo.isPrivate)
        #expect(metainfo.comment == "hello")
        #expect(metainfo.createdBy == "test")
        #expect(metainfo.creationDate == 1_700_000_000)
        #expect(metainfo.encoded() == input)
    }

    @Test("A multi-file torrent parses with paths, lengths, piece count and last piece length")
    func multiFile() throws {
        let files: BencodeValue = [
            ["length": 1_000_000, "path": ["a", "b.txt"]],
            ["length": 0, "path": ["empty"]],
            ["length": 1_200_000, "path": ["c.bin"]],
        ]
        var info = validInfo
        info["length"] = nil
        info["files"] = files
        info["name"] = "dir"
        info["piece length"] = .integer(1 << 20)
        info["pieces"] = .bytes(ByteString(fakeHash(1) + fakeHash(2) + fakeHash(3)))
        info["private"] = 1
        let input = torrent(info: info, ["announce-list": [["http://a/1", "http://a/2"], ["udp://b/3"]]])
        let metainfo = try Metainfo(bytes: input)
        #expect(metainfo.announce == nil)
        #expect(metainfo.announceList == [["http://a/1", "http://a/2"], ["udp://b/3"]])
        #expect(metainfo.isMultiFile)
        #expect(metainfo.length == nil)
        #expect(metainfo.files == [
            .init(path: ["a", "b.txt"], length: 1_000_000), .init(path: ["empty"], length: 0), .init(path: ["c.bin"], length: 1_200_000),
        ])
        #expect(metainfo.totalLength == 2_200_000)
        #expect(metainfo.pieceCount == 3)
        #expect(metainfo.length(ofPiece: 0) == 1 << 20)
        #expect(metainfo.length(ofPiece: 2) == 2_200_000 - 2 * (1 << 20))
        #expect(metainfo.isPrivate)
        #expect(metainfo.encoded() == input)
    }

    @Test("Unknown keys survive: extra info keys stay in the info-hash, extra top-level keys in encoded()")
    func unknownKeysPreserved() throws {
        var info = validInfo
        info["source"] = "lab"  // like mktorrent -s: part of the info-hash
        let input = torrent(info: info, ["url-list": ["http://seed/"], "announce": "http://t/"])
        let metainfo = try Metainfo(bytes: input)
        #expect(metainfo.additionalFields == ["url-list": ["http://seed/"]])
        #expect(metainfo.encoded() == input)
        let plain = try Metainfo(bytes: torrent(info: validInfo))
        #expect(plain.infoHash != metainfo.infoHash)
        #expect(metainfo.infoHash == SHA1Hash.of(BencodeValue.dictionary(info).encoded()))
    }

    @Test("The memberwise initializer writes what mktorrent writes and validates")
    func buildFromParts() throws {
        let pieces = [try #require(SHA1Hash(bytes: fakeHash(UInt8(ascii: "a"))))]
        let metainfo = try Metainfo(name: "x.bin", pieceLength: 16, pieces: pieces, layout: .singleFile(length: 10))
        #expect(metainfo.infoHashHex == "fe50799c800ce67823fbf5306dc9d395af4147ed")
        #expect(try Metainfo(bytes: metainfo.encoded()) == metainfo)
        #expect(throws: MetainfoError.invalidValue(key: "info.pieces", problem: "expected 2 piece hashes for 17 bytes in pieces of 16, found 1")) {
            try Metainfo(name: "x.bin", pieceLength: 16, pieces: pieces, layout: .singleFile(length: 17))
        }
        #expect(throws: MetainfoError.invalidValue(key: "info.name", problem: "path component '..' is not allowed")) {
            try Metainfo(name: "..", pieceLength: 16, pieces: pieces, layout: .singleFile(length: 10))
        }
    }

    @Test("Zero-length content has zero pieces")
    func empty() throws {
        let metainfo = try Metainfo(bytes: withInfo(["length": 0, "pieces": ""]))
        #expect(metainfo.pieceCount == 0)
        #expect(metainfo.totalLength == 0)
    }

    @Test(
        "Malformed torrents are rejected with a specific error",
        arguments: [
            (bytes("d4:info"), MetainfoError.bencode(BencodeError(offset: 7, reason: .unexpectedEnd))),
            (bytes("d4:infodee4:junk"), .bencode(BencodeError(offset: 10, reason: .trailingData(count: 6)))),
            (bytes("l4:infoe"), .notADictionary),
            (bytes("i1e"), .notADictionary),
            (bytes("d8:announce1:xe"), .missingKey("info")),
            (bytes("d4:info4:spame"), .wrongType(key: "info", expected: "a dictionary")),
            (withInfo(["name": nil]), .missingKey("info.name")),
            (withInfo(["name": 5]), .wrongType(key: "info.name", expected: "a byte string")),
            (withInfo(["name": ""]), .invalidValue(key: "info.name", problem: "empty path component")),
            (withInfo(["name": ".."]), .invalidValue(key: "info.name", problem: "path component '..' is not allowed")),
            (withInfo(["name": "."]), .invalidValue(key: "info.name", problem: "path component '.' is not allowed")),
            (withInfo(["name": "a/b"]), .invalidValue(key: "info.name", problem: "path component 'a/b' contains '/'")),
            (withInfo(["name": .bytes(ByteString([0x61, 0x00]))]), .invalidValue(key: "info.name", problem: "path component contains a NUL byte")),
            (withInfo(["name": .bytes(ByteString([0xFF, 0xFE]))]), .invalidValue(key: "info.name", problem: "not valid UTF-8")),
            (withInfo(["piece length": nil]), .missingKey("info.piece length")),
            (withInfo(["piece length": "16"]), .wrongType(key: "info.piece length", expected: "an integer")),
            (withInfo(["piece length": 0]), .invalidValue(key: "info.piece length", problem: "0 is not a positive length")),
            (withInfo(["piece length": -16]), .invalidValue(key: "info.piece length", problem: "-16 is not a positive length")),
            (withInfo(["pieces": nil]), .missingKey("info.pieces")),
            (withInfo(["pieces": nil, "meta version": 2]),
             .invalidValue(key: "info", problem: "a BitTorrent v2-only torrent (BEP 52); only v1 (BEP 3) and hybrid torrents are supported")),
            (withInfo(["pieces": 1]), .wrongType(key: "info.pieces", expected: "a byte string")),
            (withInfo(["pieces": .bytes(ByteString(fakeHash(1) + [1]))]), .invalidValue(key: "info.pieces", problem: "length 21 is not a multiple of 20")),
            (withInfo(["pieces": .bytes(ByteString(fakeHash(1) + fakeHash(2)))]), .invalidValue(key: "info.pieces", problem: "expected 1 piece hashes for 10 bytes in pieces of 16, found 2")),
            (withInfo(["length": 17]), .invalidValue(key: "info.pieces", problem: "expected 2 piece hashes for 17 bytes in pieces of 16, found 1")),
            (withInfo(["length": nil]), .missingKey("info.length")),
            (withInfo(["length": -1]), .invalidValue(key: "info.length", problem: "-1 is negative")),
            (withInfo(["length": "10"]), .wrongType(key: "info.length", expected: "an integer")),
            (withInfo(["files": [["length": 10, "path": ["a"]]]]), .invalidValue(key: "info", problem: "has both 'length' and 'files'")),
            (withInfo(["private": "yes"]), .wrongType(key: "info.private", expected: "an integer")),
            (multiFileInfo("a"), .wrongType(key: "info.files", expected: "a list")),
            (multiFileInfo([]), .invalidValue(key: "info.files", problem: "the list is empty")),
            (multiFileInfo([1]), .wrongType(key: "info.files[0]", expected: "a dictionary")),
            (multiFileInfo([["path": ["a"]]]), .missingKey("info.files[0].length")),
            (multiFileInfo([["length": 1]]), .missingKey("info.files[0].path")),
            (multiFileInfo([["length": -5, "path": ["a"]]]), .invalidValue(key: "info.files[0].length", problem: "-5 is negative")),
            (multiFileInfo([["length": 1, "path": "a"]]), .wrongType(key: "info.files[0].path", expected: "a list of strings")),
            (multiFileInfo([["length": 1, "path": [1]]]), .wrongType(key: "info.files[0].path", expected: "a list of strings")),
            (multiFileInfo([["length": 1, "path": []]]), .invalidValue(key: "info.files[0].path", problem: "empty path")),
            (multiFileInfo([["length": 1, "path": ["..", "etc", "passwd"]]]), .invalidValue(key: "info.files[0].path", problem: "path component '..' is not allowed")),
            (multiFileInfo([["length": 1, "path": ["a", "", "b"]]]), .invalidValue(key: "info.files[0].path", problem: "empty path component")),
            (multiFileInfo([["length": 1, "path": ["/etc/passwd"]]]), .invalidValue(key: "info.files[0].path", problem: "path component '/etc/passwd' contains '/'")),
            (multiFileInfo([["length": 1, "path": ["a"]], ["length": 1, "path": ["a"]]]), .invalidValue(key: "info.files[1].path", problem: "duplicate file 'a'")),
            (multiFileInfo([["length": 1, "path": ["a"]], ["length": 1, "path": ["a", "b"]]]), .invalidValue(key: "info.files[1].path", problem: "'a' is both a file and a directory")),
            (multiFileInfo([["length": 1, "path": ["a", "b"]], ["length": 1, "path": ["a"]]]), .invalidValue(key: "info.files[1].path", problem: "'a' is also a directory of another file")),
            (multiFileInfo([["length": .integer(Int64.max), "path": ["a"]], ["length": 1, "path": ["b"]]]), .invalidValue(key: "info.files", problem: "total length overflows")),
            (multiFileInfo([["length": 1, "path": .list(Array(repeating: "d", count: 257))]]), .invalidValue(key: "info.files[0].path", problem: "more than 256 components")),
            (torrent(info: validInfo, ["announce": 1]), .wrongType(key: "announce", expected: "a byte string")),
            (torrent(info: validInfo, ["announce-list": ["http://a/"]]), .wrongType(key: "announce-list", expected: "a list of lists of strings")),
            (torrent(info: validInfo, ["announce-list": [[1]]]), .wrongType(key: "announce-list", expected: "a list of lists of UTF-8 strings")),
            (torrent(info: validInfo, ["creation date": "today"]), .wrongType(key: "creation date", expected: "an integer")),
            (torrent(info: validInfo, ["comment": 3]), .wrongType(key: "comment", expected: "a byte string")),
        ] as [([UInt8], MetainfoError)]
    )
    func rejections(input: [UInt8], expected: MetainfoError) {
        #expect(throws: expected) { try Metainfo(bytes: input) }
    }

    @Test("Error messages read as one line naming the key")
    func errorMessages() {
        #expect(MetainfoError.missingKey("info.piece length").description == "missing key 'info.piece length'")
        #expect(MetainfoError.wrongType(key: "info.name", expected: "a byte string").description == "'info.name' must be a byte string")
        #expect(
            MetainfoError.bencode(BencodeError(offset: 17, reason: .leadingZeroInInteger)).description
                == "bencode error at byte 17: leading zero in integer")
    }

    // MARK: Synthetic torrents

    @Test("Synthetic metainfo is deterministic and its pieces hash the synthetic content")
    func synthetic() throws {
        let length = 5 * 16_384 + 1_000
        let a = try Metainfo.synthetic(name: "movie.mp4", length: length, pieceLength: 16_384)
        let b = try Metainfo.synthetic(name: "movie.mp4", length: length, pieceLength: 16_384)
        #expect(a == b)
        #expect(a.infoHash == b.infoHash)
        #expect(a.pieceCount == 6)
        #expect(a.totalLength == length)
        #expect(a.announce == nil)
        #expect(a.length(ofPiece: 5) == 1_000)
        for index in 0..<a.pieceCount {
            let start = index * a.pieceLength
            let content = Metainfo.syntheticContent(name: "movie.mp4", range: start..<(start + a.length(ofPiece: index)))
            #expect(SHA1Hash.of(content) == a.pieces[index])
        }
        #expect(Set(a.pieces).count == a.pieceCount)
        // Random access agrees with sequential generation.
        let whole = Metainfo.syntheticContent(name: "movie.mp4", range: 0..<40_000)
        #expect(whole.count == 40_000)
        for range in [13..<57, 16_380..<16_400, 16_384..<16_390, 5..<32_800, 39_999..<40_000] {
            #expect(Metainfo.syntheticContent(name: "movie.mp4", range: range) == Array(whole[range]))
        }
        // Blocks differ (by their tag) but share the pattern after it.
        #expect(whole[0..<8] != whole[16_384..<16_392])
        #expect(whole[8..<16_384] == whole[16_392..<32_768])
        // Another name or piece length gives another torrent.
        #expect(try Metainfo.synthetic(name: "other.mp4", length: length, pieceLength: 16_384).infoHash != a.infoHash)
        #expect(try Metainfo.synthetic(name: "movie.mp4", length: length, pieceLength: 32_768).infoHash != a.infoHash)
        // It encodes to a .torrent file that parses back to itself.
        #expect(try Metainfo(bytes: a.encoded()) == a)
        #expect(throws: MetainfoError.self) { try Metainfo.synthetic(name: "x", length: -1, pieceLength: 16_384) }
        #expect(throws: MetainfoError.self) { try Metainfo.synthetic(name: "x", length: 1, pieceLength: 0) }
        #expect(throws: MetainfoError.self) { try Metainfo.synthetic(name: "../x", length: 1, pieceLength: 16_384) }
    }

    @Test("Synthetic content is pinned: changing the generator would change every scenario's info-hash")
    func syntheticPinned() throws {
        let metainfo = try Metainfo.synthetic(name: "file", length: 40_000, pieceLength: 16_384)
        let again = try Metainfo.synthetic(name: "file", length: 40_000, pieceLength: 16_384)
        #expect(metainfo.infoHashHex == again.infoHashHex)
        #expect(metainfo.infoHashHex == Self.pinnedSyntheticInfoHash)
    }

    /// Recorded from the first implementation; update only on a deliberate format change.
    static let pinnedSyntheticInfoHash = "c9f286f4ef95ffe55a4687e1fed89bd6689e1e11"
}

@Suite("TorrentBuilder")
struct TorrentBuilderTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("inetlab-builder-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test(
        "Size parser accepts bytes and binary units",
        arguments: [
            ("16384", 16_384), ("256KiB", 262_144), ("256kib", 262_144), ("256K", 262_144), ("1MiB", 1 << 20),
            ("1 MiB", 1 << 20), ("2m", 2 << 20), ("1GiB", 1 << 30), ("512B", 512), (" 32KiB ", 32_768),
        ])
    func parseSizes(text: String, expected: Int) throws {
        #expect(try TorrentBuilder.parseSize(text) == expected)
    }

    @Test("Size parser rejects nonsense, decimal units and overflow", arguments: ["", "KiB", "1.5MiB", "-1", "12XB", "256KB", "1MB", "99999999999999999999", "9999999999999GiB"])
    func rejectSizes(text: String) {
        #expect(throws: TorrentBuilderError.self) { try TorrentBuilder.parseSize(text) }
    }

    @Test("A file holding the synthetic content gives exactly the synthetic torrent's info-hash")
    func singleFileMatchesSynthetic() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let length = 3 * 16_384 + 123
        let file = directory.appendingPathComponent("movie.mp4")
        try Data(Metainfo.syntheticContent(name: "movie.mp4", range: 0..<length)).write(to: file)
        let built = try TorrentBuilder(pieceLength: 16_384).build(path: file.path)
        let synthetic = try Metainfo.synthetic(name: "movie.mp4", length: length, pieceLength: 16_384)
        #expect(built.pieces == synthetic.pieces)
        #expect(built.infoHash == synthetic.infoHash)
        #expect(built.layout == .singleFile(length: length))
        #expect(built.createdBy == "inetlab")
        #expect(built.creationDate == nil)
    }

    @Test("A directory is hashed as one stream across file boundaries, files in byte order")
    func directoryStream() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = directory.appendingPathComponent("share")
        let files: [(String, Int)] = [("b/x", 20_000), ("B", 5), ("a.txt", 16_384), (".h", 1), ("e", 0), ("b.txt", 30_000)]
        var contents: [String: [UInt8]] = [:]
        var random = SplitMix64(seed: 7)
        for (path, size) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            contents[path] = bytes
            try Data(bytes).write(to: url)
        }
        let metainfo = try TorrentBuilder(pieceLength: 16_384, announce: "http://t/a", isPrivate: true).build(path: root.path + "/")
        let order = [".h", "B", "a.txt", "b.txt", "b/x", "e"]  // raw bytes: '.' < 'B' < 'a'; "b.txt" < "b/x"
        #expect(metainfo.files.map { $0.path.joined(separator: "/") } == order)
        #expect(metainfo.name == "share")
        #expect(metainfo.isPrivate)
        let stream = order.flatMap { contents[$0] ?? [] }
        #expect(metainfo.totalLength == stream.count)
        let expected = stride(from: 0, to: stream.count, by: 16_384).map {
            SHA1Hash.of(stream[$0..<min($0 + 16_384, stream.count)])
        }
        #expect(metainfo.pieces == expected)
    }

    @Test("Bad inputs fail with a clear error, not a crash")
    func failures() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing").path
        #expect(throws: TorrentBuilderError.notFound(missing)) { try TorrentBuilder().build(path: missing) }
        let empty = directory.appendingPathComponent("empty-dir")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: TorrentBuilderError.noFiles(empty.path)) { try TorrentBuilder().build(path: empty.path) }
        #expect(throws: TorrentBuilderError.invalidPieceLength(1000)) { try TorrentBuilder(pieceLength: 1000).build(path: empty.path) }
        #expect(throws: TorrentBuilderError.invalidPieceLength(8192)) { try TorrentBuilder(pieceLength: 8192).build(path: empty.path) }
        #expect(throws: TorrentBuilderError.self) { try TorrentBuilder().build(path: "/") }
        // A symbolic link back to an ancestor directory.
        let loop = directory.appendingPathComponent("loop")
        try FileManager.default.createDirectory(at: loop, withIntermediateDirectories: true)
        try Data([1]).write(to: loop.appendingPathComponent("f"))
        try FileManager.default.createSymbolicLink(atPath: loop.appendingPathComponent("up").path, withDestinationPath: loop.path)
        #expect(throws: TorrentBuilderError.symbolicLinkLoop(loop.path + "/up")) { try TorrentBuilder().build(path: loop.path) }
    }
}
