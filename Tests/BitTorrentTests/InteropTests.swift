// Interoperability with the torrents real tools write and read: Debian's mktorrent and
// transmission-cli (transmission-create, transmission-show). Each test is skipped, visibly,
// when a tool it needs is not installed: `apt-get install -y mktorrent transmission-cli`.

import BitTorrent
import Foundation
import Testing

// MARK: - Running external tools

enum ExternalTool {
    /// The absolute path of `name` on `PATH`, or `nil`.
    static func path(_ name: String) -> String? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func available(_ names: String...) -> Bool { names.allSatisfy { path($0) != nil } }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `name` with `arguments`, waits for it, and returns its exit status and output.
    /// Output goes to temporary files rather than pipes, so a chatty tool cannot deadlock us.
    static func run(_ name: String, _ arguments: [String], in directory: URL) throws -> Output {
        let executable = try #require(path(name), "\(name) is not installed")
        let outURL = directory.appendingPathComponent(".\(name)-\(UUID().uuidString).out")
        let errURL = directory.appendingPathComponent(".\(name)-\(UUID().uuidString).err")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// What `transmission-show FILE` reports.
struct TransmissionShow {
    var infoHash: String
    var pieceCount: Int
    var files: [String]
    var trackers: [String]

    init(torrent: URL, in directory: URL) throws {
        let output = try ExternalTool.run("transmission-show", [torrent.path], in: directory)
        try #require(output.status == 0, "transmission-show failed: \(output.stderr)\(output.stdout)")
        var infoHash: String?
        var pieceCount: Int?
        var files: [String] = []
        var trackers: [String] = []
        var section = ""
        for rawLine in output.stdout.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if !rawLine.hasPrefix(" ") {
                section = line
                continue
            }
            switch section {
            case "GENERAL":
                if line.hasPrefix("Hash: ") { infoHash = String(line.dropFirst("Hash: ".count)) }
                if line.hasPrefix("Piece Count: ") { pieceCount = Int(line.dropFirst("Piece Count: ".count)) }
            case "TRACKERS":
                if !line.hasPrefix("Tier #") { trackers.append(line) }
            case "FILES":
                // "d/sub/a.txt (0.00 kB)"
                if let open = line.range(of: " (", options: .backwards) {
                    files.append(String(line[..<open.lowerBound]))
                }
            default:
                break
            }
        }
        self.infoHash = try #require(infoHash, "no Hash line in:\n\(output.stdout)")
        self.pieceCount = try #require(pieceCount, "no Piece Count line in:\n\(output.stdout)")
        self.files = files
        self.trackers = trackers
    }
}

// MARK: - Test data

/// A temporary directory with a single file and a directory tree, removed on deinit.
final class InteropFixture {
    let root: URL
    /// 300,001 bytes: not a multiple of any power-of-two piece length.
    let singleFile: URL
    /// A tree with subdirectories, mixed-case names, a hidden file and an empty file.
    let tree: URL
    /// Relative paths and sizes of every file under `tree`.
    let treeFiles: [(path: String, size: Int)] = [
        ("Zed.txt", 3),
        ("_u", 2),
        ("a/b.txt", 5_000),
        ("sub.txt", 40_000),
        ("sub/B/c.bin", 70_000),
        ("sub/a.txt", 33_000),
        ("sub/deeper/still/z.dat", 1_234),
        (".hidden", 7),
        ("empty", 0),
    ]
    static let announce = "http://tracker.example:6969/announce"

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("inetlab-interop-\(UUID().uuidString)", isDirectory: true)
        singleFile = root.appendingPathComponent("single.bin")
        tree = root.appendingPathComponent("tree", isDirectory: true)
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        var random = SplitMix64(seed: 42)
        try Self.randomBytes(300_001, &random).write(to: singleFile)
        for file in treeFiles {
            let url = tree.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Self.randomBytes(file.size, &random).write(to: url)
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    var treeTotal: Int { treeFiles.reduce(0) { $0 + $1.size } }

    /// The files transmission-create includes: it skips hidden and empty files.
    var transmissionTreeFiles: [(path: String, size: Int)] {
        treeFiles.filter { !$0.path.split(separator: "/").contains { $0.hasPrefix(".") } && $0.size > 0 }
    }

    func output(_ name: String) -> URL { root.appendingPathComponent(name) }

    private static func randomBytes(_ count: Int, _ random: inout SplitMix64) -> Data {
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        while bytes.count < count {
            var word = random.next()
            for _ in 0..<min(8, count - bytes.count) {
                bytes.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return Data(bytes)
    }
}

private func pieces(_ total: Int, _ pieceLength: Int) -> Int { (total + pieceLength - 1) / pieceLength }

private func readTorrent(_ url: URL) throws -> Metainfo {
    try Metainfo(bytes: [UInt8](try Data(contentsOf: url)))
}

// MARK: - Tests

@Suite("Interop with mktorrent and Transmission")
struct InteropTests {
    @Test(
        "mktorrent single-file torrent: same info-hash as transmission-show, right pieces and size",
        .enabled(if: ExternalTool.available("mktorrent", "transmission-show"), "needs mktorrent and transmission-cli")
    )
    func mktorrentSingleFile() throws {
        let fixture = try InteropFixture()
        let torrentURL = fixture.output("m-single.torrent")
        let made = try ExternalTool.run(
            "mktorrent", ["-l", "15", "-a", InteropFixture.announce, "-o", torrentURL.path, fixture.singleFile.path],
            in: fixture.root)
        try #require(made.status == 0, "mktorrent failed: \(made.stderr)")

        let metainfo = try readTorrent(torrentURL)
        let shown = try TransmissionShow(torrent: torrentURL, in: fixture.root)
        #expect(metainfo.infoHashHex == shown.infoHash)
        #expect(metainfo.pieceCount == shown.pieceCount)
        #expect(metainfo.pieceLength == 32_768)
        #expect(metainfo.totalLength == 300_001)
        #expect(metainfo.pieceCount == pieces(300_001, 32_768))
        #expect(metainfo.layout == .singleFile(length: 300_001))
        #expect(metainfo.name == "single.bin")
        #expect(metainfo.announce == InteropFixture.announce)
        #expect(metainfo.createdBy?.hasPrefix("mktorrent") == true)
        #expect(shown.files == ["single.bin"])
    }

    @Test(
        "mktorrent multi-file torrent: same info-hash as transmission-show, files in mktorrent's order",
        .enabled(if: ExternalTool.available("mktorrent", "transmission-show"), "needs mktorrent and transmission-cli")
    )
    func mktorrentDirectory() throws {
        let fixture = try InteropFixture()
        let torrentURL = fixture.output("m-tree.torrent")
        let made = try ExternalTool.run(
            "mktorrent", ["-l", "15", "-p", "-a", InteropFixture.announce, "-o", torrentURL.path, fixture.tree.path],
            in: fixture.root)
        try #require(made.status == 0, "mktorrent failed: \(made.stderr)")

        let metainfo = try readTorrent(torrentURL)
        let shown = try TransmissionShow(torrent: torrentURL, in: fixture.root)
        #expect(metainfo.infoHashHex == shown.infoHash)
        #expect(metainfo.pieceCount == shown.pieceCount)
        #expect(metainfo.pieceLength == 32_768)
        #expect(metainfo.totalLength == fixture.treeTotal)
        #expect(metainfo.pieceCount == pieces(fixture.treeTotal, 32_768))
        #expect(metainfo.isPrivate)
        #expect(metainfo.name == "tree")
        // mktorrent orders files by path as raw bytes (strcmp), hidden and empty files included.
        let expected = fixture.treeFiles
            .sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
            .map { Metainfo.File(path: $0.path.split(separator: "/").map(String.init), length: $0.size) }
        #expect(metainfo.files == expected)
        #expect(Set(shown.files) == Set(fixture.treeFiles.map { "tree/\($0.path)" }))
    }

    @Test(
        "transmission-create torrents parse with the info-hash transmission-show prints",
        .enabled(if: ExternalTool.available("transmission-create", "transmission-show"), "needs transmission-cli")
    )
    func transmissionCreate() throws {
        let fixture = try InteropFixture()
        let single = fixture.output("t-single.torrent")
        let tree = fixture.output("t-tree.torrent")
        for (input, output) in [(fixture.singleFile, single), (fixture.tree, tree)] {
            let made = try ExternalTool.run(
                "transmission-create", ["-s", "32", "-t", InteropFixture.announce, "-o", output.path, input.path],
                in: fixture.root)
            try #require(made.status == 0, "transmission-create failed: \(made.stderr)\(made.stdout)")
        }

        let singleInfo = try readTorrent(single)
        let singleShown = try TransmissionShow(torrent: single, in: fixture.root)
        #expect(singleInfo.infoHashHex == singleShown.infoHash)
        #expect(singleInfo.pieceCount == singleShown.pieceCount)
        #expect(singleInfo.pieceLength == 32_768)
        #expect(singleInfo.totalLength == 300_001)
        #expect(singleInfo.pieceCount == pieces(300_001, 32_768))
        #expect(singleInfo.announce == InteropFixture.announce)

        let treeInfo = try readTorrent(tree)
        let treeShown = try TransmissionShow(torrent: tree, in: fixture.root)
        let included = fixture.transmissionTreeFiles
        let includedTotal = included.reduce(0) { $0 + $1.size }
        #expect(treeInfo.infoHashHex == treeShown.infoHash)
        #expect(treeInfo.pieceCount == treeShown.pieceCount)
        #expect(treeInfo.pieceLength == 32_768)
        #expect(treeInfo.totalLength == includedTotal)
        #expect(treeInfo.pieceCount == pieces(includedTotal, 32_768))
        #expect(Set(treeInfo.files.map { $0.path.joined(separator: "/") }) == Set(included.map(\.path)))
        // Our canonical re-encoding keeps the info dictionary, so the hash survives a rewrite.
        #expect(try Metainfo(bytes: treeInfo.encoded()).infoHash == treeInfo.infoHash)
    }

    @Test(
        "transmission-show reads our torrents and reports our info-hash, piece count, trackers and files",
        .enabled(if: ExternalTool.available("transmission-show"), "needs transmission-cli")
    )
    func transmissionReadsOurs() throws {
        let fixture = try InteropFixture()
        for (input, name) in [(fixture.singleFile, "ours-single.torrent"), (fixture.tree, "ours-tree.torrent")] {
            let builder = TorrentBuilder(pieceLength: 32_768, announce: InteropFixture.announce, comment: "interop")
            let metainfo = try builder.build(path: input.path)
            let url = fixture.output(name)
            try Data(metainfo.encoded()).write(to: url)
            let shown = try TransmissionShow(torrent: url, in: fixture.root)
            #expect(shown.infoHash == metainfo.infoHashHex)
            #expect(shown.pieceCount == metainfo.pieceCount)
            #expect(shown.trackers == [InteropFixture.announce])
            let ourFiles = metainfo.isMultiFile
                ? metainfo.files.map { "\(metainfo.name)/\($0.path.joined(separator: "/"))" }
                : [metainfo.name]
            #expect(Set(shown.files) == Set(ourFiles))
            #expect(shown.files.count == ourFiles.count)
        }
    }

    @Test(
        "For the same inputs and piece length our pieces, file order and info-hash equal mktorrent's",
        .enabled(if: ExternalTool.available("mktorrent"), "needs mktorrent"),
        arguments: [15, 18]
    )
    func sameAsMktorrent(log2PieceLength: Int) throws {
        let fixture = try InteropFixture()
        let pieceLength = 1 << log2PieceLength
        for (input, name) in [(fixture.singleFile, "m-single.torrent"), (fixture.tree, "m-tree.torrent")] {
            let url = fixture.output(name)
            let made = try ExternalTool.run(
                "mktorrent", ["-l", "\(log2PieceLength)", "-a", InteropFixture.announce, "-o", url.path, input.path],
                in: fixture.root)
            try #require(made.status == 0, "mktorrent failed: \(made.stderr)")
            let theirs = try readTorrent(url)
            let ours = try TorrentBuilder(pieceLength: pieceLength, announce: InteropFixture.announce).build(path: input.path)
            #expect(ours.pieceLength == theirs.pieceLength)
            #expect(ours.pieces == theirs.pieces)
            #expect(ours.files == theirs.files)
            #expect(ours.name == theirs.name)
            #expect(ours.infoBytes == theirs.infoBytes)
            #expect(ours.infoHash == theirs.infoHash)
        }
    }
}
