// .torrent metainfo per BEP 3: parsing with strict validation, the info-hash over the original
// bytes, canonical encoding, and synthetic torrents for simulations.

import Crypto

// MARK: - SHA-1 hashes

/// A 20-byte SHA-1 hash (a piece hash or an info-hash), stored inline without heap allocation.
public struct SHA1Hash: Hashable, Comparable, Sendable, CustomStringConvertible {
    // Big-endian words: comparing (high, middle, low) compares the bytes lexicographically.
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    /// Number of bytes in a SHA-1 hash.
    public static let byteCount = 20

    /// The hash with these 20 bytes, or `nil` if there are not exactly 20.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        var high: UInt64 = 0
        var middle: UInt64 = 0
        var low: UInt32 = 0
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 0..<8: high = high << 8 | UInt64(byte)
            case 8..<16: middle = middle << 8 | UInt64(byte)
            default: low = low << 8 | UInt32(byte)
            }
        }
        self.high = high
        self.middle = middle
        self.low = low
    }

    /// Parses 40 hexadecimal digits (either case); `nil` otherwise.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.byteCount else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let hi = hexValue(digits[pair]), let lo = hexValue(digits[pair + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        self.init(bytes: bytes)
    }

    /// The SHA-1 of `data`.
    public static func of(_ data: some Sequence<UInt8>) -> SHA1Hash {
        var hasher = Insecure.SHA1()
        let contiguous = data as? [UInt8] ?? Array(data)
        contiguous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return SHA1Hash(digest: hasher.finalize())
    }

    init(digest: Insecure.SHA1Digest) {
        // A SHA-1 digest is always 20 bytes.
        let bytes = digest.withUnsafeBytes { Array($0) }
        precondition(bytes.count == Self.byteCount)
        var high: UInt64 = 0
        var middle: UInt64 = 0
        var low: UInt32 = 0
        for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
        for index in 8..<16 { middle = middle << 8 | UInt64(bytes[index]) }
        for index in 16..<20 { low = low << 8 | UInt32(bytes[index]) }
        self.high = high
        self.middle = middle
        self.low = low
    }

    /// The 20 bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: middle >> UInt64(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt32(shift))) }
        return out
    }

    /// 40 lowercase hexadecimal digits.
    public var hex: String { hexString(bytes) }

    public var description: String { hex }

    public static func < (lhs: SHA1Hash, rhs: SHA1Hash) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
    default: return nil
    }
}

// MARK: - Errors

/// Why a .torrent file was rejected. Keys are named by their path, e.g. `info.piece length`.
public enum MetainfoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes are not strict bencode.
    case bencode(BencodeError)
    /// The top-level value is not a dictionary.
    case notADictionary
    /// A required key is absent.
    case missingKey(String)
    /// A key holds a value of the wrong bencode type (`expected` names the right one).
    case wrongType(key: String, expected: String)
    /// A key holds a value of the right type that is not allowed.
    case invalidValue(key: String, problem: String)

    public var description: String {
        switch self {
        case .bencode(let error): return error.description
        case .notADictionary: return "not a torrent: the top-level value is not a dictionary"
        case .missingKey(let key): return "missing key '\(key)'"
        case .wrongType(let key, let expected): return "'\(key)' must be \(expected)"
        case .invalidValue(let key, let problem): return "invalid '\(key)': \(problem)"
        }
    }
}

// MARK: - Metainfo

/// The contents of a .torrent file (BEP 3), validated.
///
/// Parse one with ``init(bytes:)``, build one with ``init(name:pieceLength:pieces:layout:isPrivate:announce:announceList:comment:createdBy:creationDate:)``
/// or ``TorrentBuilder``, or make an in-memory one for a simulation with ``synthetic(name:length:pieceLength:)``.
public struct Metainfo: Sendable, Hashable {
    /// One file of a multi-file torrent.
    public struct File: Sendable, Hashable {
        /// Path components below the torrent's top directory (``Metainfo/name``); never empty,
        /// and no component is empty, `.`, `..`, or contains `/` or NUL.
        public var path: [String]
        /// Size in bytes.
        public var length: Int

        /// A file at `path` (components below the torrent directory) of `length` bytes.
        public init(path: [String], length: Int) {
            self.path = path
            self.length = length
        }
    }

    /// Single-file (`info.length`) or multi-file (`info.files`).
    public enum Layout: Sendable, Hashable {
        /// One file named ``Metainfo/name`` of this many bytes.
        case singleFile(length: Int)
        /// A directory named ``Metainfo/name`` holding these files, in torrent order.
        case multiFile([File])
    }

    /// Tracker URL (`announce`); `nil` for trackerless torrents.
    public let announce: String?
    /// Tiers of tracker URLs (`announce-list`, BEP 12), if present.
    public let announceList: [[String]]?
    /// Suggested file name (single-file) or directory name (multi-file).
    public let name: String
    /// Bytes per piece (the last piece may be shorter).
    public let pieceLength: Int
    /// SHA-1 of every piece, in order.
    public let pieces: [SHA1Hash]
    /// Single-file or multi-file contents.
    public let layout: Layout
    /// Sum of all file lengths.
    public let totalLength: Int
    /// Whether `info.private` is set (BEP 27: peers only from the tracker).
    public let isPrivate: Bool
    /// SHA-1 of the `info` dictionary exactly as bencoded in the file.
    public let infoHash: SHA1Hash
    /// The `info` dictionary exactly as bencoded in the file.
    public let infoBytes: [UInt8]
    /// Free-text `comment`, if present.
    public let comment: String?
    /// `created by`, if present.
    public let createdBy: String?
    /// `creation date` (seconds since the Unix epoch), if present.
    public let creationDate: Int64?
    /// Top-level keys this type does not interpret (e.g. `url-list`); kept so ``encoded()`` preserves them.
    public let additionalFields: [ByteString: BencodeValue]

    /// Number of pieces (equals `ceil(totalLength / pieceLength)`).
    public var pieceCount: Int { pieces.count }

    /// The info-hash as 40 lowercase hexadecimal digits.
    public var infoHashHex: String { infoHash.hex }

    /// `true` for a multi-file torrent.
    public var isMultiFile: Bool {
        if case .multiFile = layout { return true }
        return false
    }

    /// The single file's length, or `nil` for a multi-file torrent.
    public var length: Int? {
        if case .singleFile(let length) = layout { return length }
        return nil
    }

    /// The files in torrent order; a single-file torrent has one file whose path is `[name]`.
    public var files: [File] {
        switch layout {
        case .singleFile(let length): return [File(path: [name], length: length)]
        case .multiFile(let files): return files
        }
    }

    /// Length in bytes of piece `index` (all are ``pieceLength`` except possibly the last).
    public func length(ofPiece index: Int) -> Int {
        precondition(index >= 0 && index < pieceCount, "piece index \(index) out of range 0..<\(pieceCount)")
        if index < pieceCount - 1 { return pieceLength }
        return totalLength - pieceLength * (pieceCount - 1)
    }

    /// Parses and validates a .torrent file.
    ///
    /// Throws ``MetainfoError`` for malformed bencode, missing keys, wrong types, negative lengths,
    /// unsafe path components (empty, `.`, `..`, containing `/`), duplicate file paths, a `pieces`
    /// string whose length is not a multiple of 20, or a piece count that does not match the lengths.
    public init(bytes: [UInt8]) throws(MetainfoError) {
        let document: BencodeDocument
        do {
            document = try Bencode.decodeDocument(bytes)
        } catch {
            throw .bencode(error)
        }
        guard let top = document.value.dictionary else { throw .notADictionary }
        guard let infoValue = top["info"] else { throw .missingKey("info") }
        guard let info = infoValue.dictionary else { throw .wrongType(key: "info", expected: "a dictionary") }
        guard let infoRange = document.topLevelRanges["info"] else { throw .missingKey("info") }
        let infoBytes = Array(bytes[infoRange])

        // info.name
        let name = try Self.requiredString(info, "name", path: "info.name")
        try Self.validateComponent(name, key: "info.name")

        // info.piece length
        guard let pieceLengthValue = info["piece length"] else { throw .missingKey("info.piece length") }
        guard let rawPieceLength = pieceLengthValue.integer else {
            throw .wrongType(key: "info.piece length", expected: "an integer")
        }
        guard rawPieceLength > 0, let pieceLength = Int(exactly: rawPieceLength) else {
            throw .invalidValue(key: "info.piece length", problem: "\(rawPieceLength) is not a positive length")
        }

        // info.pieces
        guard let piecesValue = info["pieces"] else {
            // A BitTorrent v2-only torrent (BEP 52) has a file tree and per-file Merkle roots instead.
            if info["meta version"]?.integer == 2 || info["file tree"] != nil {
                throw .invalidValue(key: "info", problem: "a BitTorrent v2-only torrent (BEP 52); only v1 (BEP 3) and hybrid torrents are supported")
            }
            throw .missingKey("info.pieces")
        }
        guard let piecesString = piecesValue.byteString else {
            throw .wrongType(key: "info.pieces", expected: "a byte string")
        }
        guard piecesString.count % SHA1Hash.byteCount == 0 else {
            throw .invalidValue(
                key: "info.pieces",
                problem: "length \(piecesString.count) is not a multiple of \(SHA1Hash.byteCount)")
        }
        var pieces: [SHA1Hash] = []
        pieces.reserveCapacity(piecesString.count / SHA1Hash.byteCount)
        let raw = piecesString.bytes
        for start in stride(from: 0, to: raw.count, by: SHA1Hash.byteCount) {
            if let hash = SHA1Hash(bytes: raw[start..<start + SHA1Hash.byteCount]) { pieces.append(hash) }
        }

        // info.length xor info.files
        let layout: Layout
        let totalLength: Int
        switch (info["length"], info["files"]) {
        case (nil, nil):
            throw .missingKey("info.length")
        case (.some, .some):
            throw .invalidValue(key: "info", problem: "has both 'length' and 'files'")
        case (.some(let lengthValue), nil):
            let length = try Self.nonNegativeLength(lengthValue, key: "info.length")
            layout = .singleFile(length: length)
            totalLength = length
        case (nil, .some(let filesValue)):
            let files = try Self.parseFiles(filesValue)
            var total = 0
            for file in files {
                let (sum, overflow) = total.addingReportingOverflow(file.length)
                if overflow { throw .invalidValue(key: "info.files", problem: "total length overflows") }
                total = sum
            }
            layout = .multiFile(files)
            totalLength = total
        }

        let expectedPieces = totalLength / pieceLength + (totalLength % pieceLength == 0 ? 0 : 1)
        guard pieces.count == expectedPieces else {
            throw .invalidValue(
                key: "info.pieces",
                problem: "expected \(expectedPieces) piece hashes for \(totalLength) bytes in pieces of \(pieceLength), found \(pieces.count)")
        }

        // info.private
        var isPrivate = false
        if let privateValue = info["private"] {
            guard let flag = privateValue.integer else { throw .wrongType(key: "info.private", expected: "an integer") }
            isPrivate = flag != 0
        }

        // Top-level optional keys.
        let announce = try Self.optionalString(top, "announce", path: "announce")
        var announceList: [[String]]?
        if let listValue = top["announce-list"] {
            guard let tiers = listValue.list else {
                throw .wrongType(key: "announce-list", expected: "a list of lists of strings")
            }
            var result: [[String]] = []
            for tier in tiers {
                guard let urls = tier.list else {
                    throw .wrongType(key: "announce-list", expected: "a list of lists of strings")
                }
                var tierURLs: [String] = []
                for url in urls {
                    guard let text = url.string else {
                        throw .wrongType(key: "announce-list", expected: "a list of lists of UTF-8 strings")
                    }
                    tierURLs.append(text)
                }
                result.append(tierURLs)
            }
            announceList = result
        }
        let comment = try Self.optionalString(top, "comment", path: "comment")
        let createdBy = try Self.optionalString(top, "created by", path: "created by")
        var creationDate: Int64?
        if let dateValue = top["creation date"] {
            guard let date = dateValue.integer else { throw .wrongType(key: "creation date", expected: "an integer") }
            creationDate = date
        }
        var additional = top
        for key in Self.knownTopLevelKeys { additional[key] = nil }

        self.announce = announce
        self.announceList = announceList
        self.name = name
        self.pieceLength = pieceLength
        self.pieces = pieces
        self.layout = layout
        self.totalLength = totalLength
        self.isPrivate = isPrivate
        self.infoHash = SHA1Hash.of(infoBytes)
        self.infoBytes = infoBytes
        self.comment = comment
        self.createdBy = createdBy
        self.creationDate = creationDate
        self.additionalFields = additional
    }

    /// Builds a metainfo from its parts; the `info` dictionary holds exactly `files`/`length`,
    /// `name`, `piece length`, `pieces` and (if set) `private`, as mktorrent writes it.
    ///
    /// Validates like ``init(bytes:)`` (e.g. the number of `pieces` must match the lengths).
    public init(
        name: String,
        pieceLength: Int,
        pieces: [SHA1Hash],
        layout: Layout,
        isPrivate: Bool = false,
        announce: String? = nil,
        announceList: [[String]]? = nil,
        comment: String? = nil,
        createdBy: String? = nil,
        creationDate: Int64? = nil
    ) throws(MetainfoError) {
        var piecesBytes: [UInt8] = []
        piecesBytes.reserveCapacity(pieces.count * SHA1Hash.byteCount)
        for piece in pieces { piecesBytes.append(contentsOf: piece.bytes) }
        var info: [ByteString: BencodeValue] = [
            "name": .bytes(ByteString(name)),
            "piece length": .integer(Int64(pieceLength)),
            "pieces": .bytes(ByteString(piecesBytes)),
        ]
        switch layout {
        case .singleFile(let length):
            info["length"] = .integer(Int64(length))
        case .multiFile(let files):
            info["files"] = .list(files.map { file in
                [
                    "length": .integer(Int64(file.length)),
                    "path": .list(file.path.map { .bytes(ByteString($0)) }),
                ]
            })
        }
        if isPrivate { info["private"] = 1 }
        var top: [ByteString: BencodeValue] = ["info": .dictionary(info)]
        if let announce { top["announce"] = .bytes(ByteString(announce)) }
        if let announceList {
            top["announce-list"] = .list(announceList.map { tier in .list(tier.map { .bytes(ByteString($0)) }) })
        }
        if let comment { top["comment"] = .bytes(ByteString(comment)) }
        if let createdBy { top["created by"] = .bytes(ByteString(createdBy)) }
        if let creationDate { top["creation date"] = .integer(creationDate) }
        try self.init(bytes: BencodeValue.dictionary(top).encoded())
    }

    /// The .torrent file bytes: canonical bencode, with the `info` dictionary copied verbatim so
    /// the info-hash is unchanged. For canonical input, `Metainfo(bytes: b).encoded() == b`.
    public func encoded() -> [UInt8] {
        var entries: [(key: ByteString, value: [UInt8])] = []
        var fields = additionalFields
        if let announce { fields["announce"] = .bytes(ByteString(announce)) }
        if let announceList {
            fields["announce-list"] = .list(announceList.map { tier in .list(tier.map { .bytes(ByteString($0)) }) })
        }
        if let comment { fields["comment"] = .bytes(ByteString(comment)) }
        if let createdBy { fields["created by"] = .bytes(ByteString(createdBy)) }
        if let creationDate { fields["creation date"] = .integer(creationDate) }
        for (key, value) in fields { entries.append((key, value.encoded())) }
        entries.append(("info", infoBytes))
        entries.sort { $0.key < $1.key }
        var out: [UInt8] = [Ascii.d]
        for entry in entries {
            BencodeValue.encodeByteString(entry.key.bytes, into: &out)
            out.append(contentsOf: entry.value)
        }
        out.append(Ascii.e)
        return out
    }

    // MARK: Synthetic torrents

    /// An in-memory, trackerless single-file torrent whose pieces are the SHA-1s of deterministic
    /// synthetic content (see ``syntheticContent(name:range:)``), for scenarios that describe a
    /// swarm by file size and piece length. Same arguments, same info-hash; building one costs
    /// about one SHA-1 pass over `length` bytes.
    public static func synthetic(name: String, length: Int, pieceLength: Int = 256 * 1024) throws(MetainfoError) -> Metainfo {
        guard length >= 0 else { throw .invalidValue(key: "info.length", problem: "\(length) is negative") }
        guard pieceLength > 0 else {
            throw .invalidValue(key: "info.piece length", problem: "\(pieceLength) is not a positive length")
        }
        try validateComponent(name, key: "info.name")
        let generator = SyntheticContent(name: name)
        var pieces: [SHA1Hash] = []
        pieces.reserveCapacity(length / pieceLength + 1)
        var buffer: [UInt8] = []
        var start = 0
        while start < length {
            let end = start + min(pieceLength, length - start)
            generator.fill(start..<end, into: &buffer)
            pieces.append(SHA1Hash.of(buffer))
            start = end
        }
        return try Metainfo(
            name: name, pieceLength: pieceLength, pieces: pieces, layout: .singleFile(length: length),
            createdBy: "inetlab synthetic")
    }

    /// The bytes at `range` of the synthetic file called `name`.
    ///
    /// The file is a sequence of 16 KiB blocks. Every block is the same pseudo-random pattern
    /// (SplitMix64 words seeded by the FNV-1a hash of `name`) except its first 8 bytes, which hold
    /// a per-block tag, so pieces aligned to 16 KiB all differ. Any range can be generated on its
    /// own, cheaply, so a simulated peer can produce or verify a single piece.
    public static func syntheticContent(name: String, range: Range<Int>) -> [UInt8] {
        var buffer: [UInt8] = []
        SyntheticContent(name: name).fill(range.clamped(to: 0..<Int.max), into: &buffer)
        return buffer
    }

    // MARK: Validation helpers

    /// Bound on path depth, so that checking paths against each other stays linear.
    static let maxPathComponents = 256

    private static let knownTopLevelKeys: [ByteString] = [
        "announce", "announce-list", "comment", "created by", "creation date", "info",
    ]

    private static func requiredString(
        _ dictionary: [ByteString: BencodeValue], _ key: ByteString, path: String
    ) throws(MetainfoError) -> String {
        guard let value = dictionary[key] else { throw .missingKey(path) }
        guard let bytes = value.byteString else { throw .wrongType(key: path, expected: "a byte string") }
        guard let text = bytes.string else { throw .invalidValue(key: path, problem: "not valid UTF-8") }
        return text
    }

    private static func optionalString(
        _ dictionary: [ByteString: BencodeValue], _ key: ByteString, path: String
    ) throws(MetainfoError) -> String? {
        guard dictionary[key] != nil else { return nil }
        return try requiredString(dictionary, key, path: path)
    }

    private static func nonNegativeLength(_ value: BencodeValue, key: String) throws(MetainfoError) -> Int {
        guard let raw = value.integer else { throw .wrongType(key: key, expected: "an integer") }
        guard raw >= 0, let length = Int(exactly: raw) else {
            throw .invalidValue(key: key, problem: "\(raw) is negative")
        }
        return length
    }

    /// Rejects components that could escape the download directory or are not file names.
    static func validateComponent(_ component: String, key: String) throws(MetainfoError) {
        if component.isEmpty { throw .invalidValue(key: key, problem: "empty path component") }
        if component == "." || component == ".." {
            throw .invalidValue(key: key, problem: "path component '\(component)' is not allowed")
        }
        if component.utf8.contains(UInt8(ascii: "/")) {
            throw .invalidValue(key: key, problem: "path component '\(component)' contains '/'")
        }
        if component.utf8.contains(0) {
            throw .invalidValue(key: key, problem: "path component contains a NUL byte")
        }
    }

    private static func parseFiles(_ value: BencodeValue) throws(MetainfoError) -> [File] {
        guard let entries = value.list else { throw .wrongType(key: "info.files", expected: "a list") }
        guard !entries.isEmpty else { throw .invalidValue(key: "info.files", problem: "the list is empty") }
        var files: [File] = []
        files.reserveCapacity(entries.count)
        var filePaths: Set<[String]> = []
        var directoryPaths: Set<[String]> = []
        for (index, entry) in entries.enumerated() {
            let key = "info.files[\(index)]"
            guard let dictionary = entry.dictionary else { throw .wrongType(key: key, expected: "a dictionary") }
            guard let lengthValue = dictionary["length"] else { throw .missingKey("\(key).length") }
            let length = try nonNegativeLength(lengthValue, key: "\(key).length")
            guard let pathValue = dictionary["path"] else { throw .missingKey("\(key).path") }
            guard let components = pathValue.list else {
                throw .wrongType(key: "\(key).path", expected: "a list of strings")
            }
            guard !components.isEmpty else { throw .invalidValue(key: "\(key).path", problem: "empty path") }
            guard components.count <= Self.maxPathComponents else {
                throw .invalidValue(key: "\(key).path", problem: "more than \(Self.maxPathComponents) components")
            }
            var path: [String] = []
            path.reserveCapacity(components.count)
            for component in components {
                guard let bytes = component.byteString else {
                    throw .wrongType(key: "\(key).path", expected: "a list of strings")
                }
                guard let text = bytes.string else {
                    throw .invalidValue(key: "\(key).path", problem: "not valid UTF-8")
                }
                try validateComponent(text, key: "\(key).path")
                path.append(text)
            }
            let shown = path.joined(separator: "/")
            if filePaths.contains(path) {
                throw .invalidValue(key: "\(key).path", problem: "duplicate file '\(shown)'")
            }
            if directoryPaths.contains(path) {
                throw .invalidValue(key: "\(key).path", problem: "'\(shown)' is also a directory of another file")
            }
            for prefixLength in 1..<path.count where filePaths.contains(Array(path[0..<prefixLength])) {
                throw .invalidValue(
                    key: "\(key).path",
                    problem: "'\(path[0..<prefixLength].joined(separator: "/"))' is both a file and a directory")
            }
            filePaths.insert(path)
            for prefixLength in 1..<path.count { directoryPaths.insert(Array(path[0..<prefixLength])) }
            files.append(File(path: path, length: length))
        }
        return files
    }
}

/// Generator of the synthetic file content described at ``Metainfo/syntheticContent(name:range:)``.
private struct SyntheticContent {
    static let blockSize = 16 * 1024
    static let tagSize = 8
    let seed: UInt64
    let pattern: [UInt8]

    init(name: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        seed = hash
        var pattern: [UInt8] = []
        pattern.reserveCapacity(Self.blockSize)
        for word in 0..<(Self.blockSize / 8) {
            var value = Self.mix(hash &+ UInt64(word + 1) &* 0x9E37_79B9_7F4A_7C15)
            for _ in 0..<8 {
                pattern.append(UInt8(truncatingIfNeeded: value))
                value >>= 8
            }
        }
        self.pattern = pattern
    }

    /// SplitMix64's output function.
    static func mix(_ input: UInt64) -> UInt64 {
        var z = input
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Replaces `buffer` with the bytes at `range`.
    func fill(_ range: Range<Int>, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(range.count)
        var offset = range.lowerBound
        while offset < range.upperBound {
            let block = offset / Self.blockSize
            let blockStart = block * Self.blockSize
            let end = min(range.upperBound, blockStart + Self.blockSize)
            if offset - blockStart < Self.tagSize {
                let tag = Self.mix(~seed &+ UInt64(block + 1) &* 0x9E37_79B9_7F4A_7C15)
                let tagEnd = min(end, blockStart + Self.tagSize)
                while offset < tagEnd {
                    buffer.append(UInt8(truncatingIfNeeded: tag >> UInt64(8 * (offset - blockStart))))
                    offset += 1
                }
            }
            if offset < end {
                buffer.append(contentsOf: pattern[(offset - blockStart)..<(end - blockStart)])
                offset = end
            }
        }
    }
}
