// Creating a .torrent from a file or directory on disk, hashing the content as a stream.

import Crypto
import Foundation

/// Why a torrent could not be created from a path.
public enum TorrentBuilderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A size string such as `256KiB` could not be parsed.
    case invalidSize(String, problem: String)
    /// The piece length is not a power of two in the accepted range.
    case invalidPieceLength(Int)
    /// The path (or a symbolic link's target) does not exist.
    case notFound(String)
    /// The path is neither a regular file nor a directory.
    case unsupportedFileType(String)
    /// A directory holds no regular files.
    case noFiles(String)
    /// A symbolic link leads back to a directory being walked.
    case symbolicLinkLoop(String)
    /// Reading a file or directory failed.
    case readFailed(String, problem: String)
    /// A file's size changed while it was being hashed.
    case fileChanged(String)
    /// The collected parts do not form a valid torrent (e.g. an unusable name).
    case metainfo(MetainfoError)

    public var description: String {
        switch self {
        case .invalidSize(let text, let problem): return "invalid size '\(text)': \(problem)"
        case .invalidPieceLength(let length):
            return "piece length \(length) must be a power of two from \(TorrentBuilder.minimumPieceLength) (16KiB) to \(TorrentBuilder.maximumPieceLength) (256MiB)"
        case .notFound(let path): return "\(path): no such file or directory"
        case .unsupportedFileType(let path): return "\(path): not a regular file or directory"
        case .noFiles(let path): return "\(path): directory holds no files"
        case .symbolicLinkLoop(let path): return "\(path): symbolic link loop"
        case .readFailed(let path, let problem): return "\(path): \(problem)"
        case .fileChanged(let path): return "\(path): file changed size while being hashed"
        case .metainfo(let error): return error.description
        }
    }
}

/// Creates a ``Metainfo`` from a file (single-file torrent) or a directory (multi-file torrent).
///
/// Directory contents are collected recursively (following symbolic links, skipping sockets,
/// FIFOs and devices, including hidden and empty files) and ordered by their relative path
/// compared as raw UTF-8 bytes — the order mktorrent uses, so for the same inputs and piece length
/// the info dictionary, and hence the info-hash, equals mktorrent's. (transmission-create orders
/// paths case-insensitively and skips hidden and empty files, so its pieces can differ.)
/// Files are read in chunks; memory use does not grow with file size.
public struct TorrentBuilder: Sendable {
    /// 256 KiB.
    public static let defaultPieceLength = 256 * 1024
    /// 16 KiB, one peer-wire block.
    public static let minimumPieceLength = 16 * 1024
    /// 256 MiB.
    public static let maximumPieceLength = 256 * 1024 * 1024

    /// Bytes per piece: a power of two from ``minimumPieceLength`` to ``maximumPieceLength``.
    public var pieceLength: Int
    /// Tracker URL; `nil` makes a trackerless torrent.
    public var announce: String?
    /// Tracker tiers (BEP 12); `nil` writes no `announce-list`.
    public var announceList: [[String]]?
    /// Free-text `comment`.
    public var comment: String?
    /// `created by`.
    public var createdBy: String?
    /// `creation date` in seconds since the Unix epoch; `nil` (the default) keeps output reproducible.
    public var creationDate: Int64?
    /// Sets `info.private` (BEP 27).
    public var isPrivate: Bool
    /// Overrides the torrent name (default: the last component of the path).
    public var name: String?

    /// A builder with these settings; nothing is read until ``build(path:)``.
    public init(
        pieceLength: Int = TorrentBuilder.defaultPieceLength,
        announce: String? = nil,
        announceList: [[String]]? = nil,
        comment: String? = nil,
        createdBy: String? = "inetlab",
        creationDate: Int64? = nil,
        isPrivate: Bool = false,
        name: String? = nil
    ) {
        self.pieceLength = pieceLength
        self.announce = announce
        self.announceList = announceList
        self.comment = comment
        self.createdBy = createdBy
        self.creationDate = creationDate
        self.isPrivate = isPrivate
        self.name = name
    }

    /// Hashes the file or directory at `path` and returns its metainfo.
    public func build(path: String) throws(TorrentBuilderError) -> Metainfo {
        guard pieceLength >= Self.minimumPieceLength, pieceLength <= Self.maximumPieceLength,
            pieceLength & (pieceLength - 1) == 0
        else { throw .invalidPieceLength(pieceLength) }

        let url = URL(fileURLWithPath: path).standardizedFileURL
        let torrentName = name ?? url.lastPathComponent
        do {
            try Metainfo.validateComponent(torrentName, key: "info.name")
        } catch {
            throw .metainfo(error)
        }
        let kind = try Self.kind(of: url.path, shown: path)
        let entries: [Entry]
        let layout: Metainfo.Layout
        switch kind {
        case .file(let size):
            entries = [Entry(components: [torrentName], path: url.path, shown: path, size: size)]
            layout = .singleFile(length: size)
        case .directory:
            var collected: [Entry] = []
            let resolved = url.resolvingSymlinksInPath().path
            try Self.collect(
                directory: url.path, shown: path, components: [], ancestors: [resolved], into: &collected)
            guard !collected.isEmpty else { throw .noFiles(path) }
            collected.sort { Array($0.relativePath.utf8).lexicographicallyPrecedes(Array($1.relativePath.utf8)) }
            entries = collected
            layout = .multiFile(collected.map { Metainfo.File(path: $0.components, length: $0.size) })
        case .other:
            throw .unsupportedFileType(path)
        }

        let pieces = try hashPieces(entries)
        do {
            return try Metainfo(
                name: torrentName, pieceLength: pieceLength, pieces: pieces, layout: layout,
                isPrivate: isPrivate, announce: announce, announceList: announceList, comment: comment,
                createdBy: createdBy, creationDate: creationDate)
        } catch {
            throw .metainfo(error)
        }
    }

    // MARK: Sizes

    /// Parses a byte size: a decimal number of bytes (`16384`), optionally with a binary unit
    /// `B`, `K`/`KiB`, `M`/`MiB` or `G`/`GiB` (case-insensitive, optional space): `256KiB`, `1MiB`.
    /// Decimal units (`KB`, `MB`) are rejected as ambiguous.
    public static func parseSize(_ text: String) throws(TorrentBuilderError) -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        guard !digits.isEmpty else { throw .invalidSize(text, problem: "expected a number of bytes such as 16384, 256KiB or 1MiB") }
        let multiplier: Int
        switch unit {
        case "", "b": multiplier = 1
        case "k", "kib": multiplier = 1 << 10
        case "m", "mib": multiplier = 1 << 20
        case "g", "gib": multiplier = 1 << 30
        case "kb", "mb", "gb":
            throw .invalidSize(text, problem: "'\(unit)' is ambiguous; use KiB, MiB or GiB (powers of 1024)")
        default:
            throw .invalidSize(text, problem: "unknown unit '\(unit)'; use B, KiB, MiB or GiB")
        }
        guard let number = Int(digits) else { throw .invalidSize(text, problem: "number too large") }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw .invalidSize(text, problem: "number too large") }
        return bytes
    }

    // MARK: Walking the file system

    private struct Entry {
        var components: [String]
        var path: String
        var shown: String
        var size: Int
        var relativePath: String { components.joined(separator: "/") }
    }

    private enum Kind {
        case file(size: Int)
        case directory
        case other
    }

    /// Classifies `path`, following symbolic links.
    private static func kind(of path: String, shown: String) throws(TorrentBuilderError) -> Kind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .notFound(shown)
        }
        if isDirectory.boolValue { return .directory }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: resolved)
        } catch {
            throw .readFailed(shown, problem: "cannot read attributes")
        }
        guard let type = attributes[.type] as? FileAttributeType, type == .typeRegular else { return .other }
        guard let size = sizeValue(attributes[.size]) else {
            throw .readFailed(shown, problem: "cannot read file size")
        }
        return .file(size: size)
    }

    private static func sizeValue(_ value: Any?) -> Int? {
        switch value {
        case let size as Int: return size
        case let size as UInt64: return Int(exactly: size)
        case let size as Int64: return Int(exactly: size)
        case let size as NSNumber: return Int(exactly: size.int64Value)
        default: return nil
        }
    }

    private static func collect(
        directory: String, shown: String, components: [String], ancestors: Set<String>,
        into entries: inout [Entry]
    ) throws(TorrentBuilderError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .readFailed(shown, problem: "cannot list directory")
        }
        for name in names {
            let path = directory + "/" + name
            let shownPath = shown.hasSuffix("/") ? shown + name : shown + "/" + name
            let childComponents = components + [name]
            switch try kind(of: path, shown: shownPath) {
            case .file(let size):
                entries.append(Entry(components: childComponents, path: path, shown: shownPath, size: size))
            case .directory:
                let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
                guard !ancestors.contains(resolved) else { throw .symbolicLinkLoop(shownPath) }
                try collect(
                    directory: path, shown: shownPath, components: childComponents,
                    ancestors: ancestors.union([resolved]), into: &entries)
            case .other:
                continue  // sockets, FIFOs, devices: not content (mktorrent skips them too)
            }
        }
    }

    // MARK: Hashing

    /// Reads all files in order as one stream and returns the SHA-1 of each piece.
    private func hashPieces(_ entries: [Entry]) throws(TorrentBuilderError) -> [SHA1Hash] {
        let chunkSize = 1 << 20
        var pieces: [SHA1Hash] = []
        var hasher = Insecure.SHA1()
        var bytesInPiece = 0
        for entry in entries where entry.size > 0 {
            let handle: FileHandle
            do {
                handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: entry.path))
            } catch {
                throw .readFailed(entry.shown, problem: "cannot open for reading")
            }
            defer { try? handle.close() }
            var remaining = entry.size
            while remaining > 0 {
                let want = min(remaining, pieceLength - bytesInPiece, chunkSize)
                let data: Data?
                do {
                    data = try handle.read(upToCount: want)
                } catch {
                    throw .readFailed(entry.shown, problem: "read error")
                }
                guard let data, !data.isEmpty, data.count <= want else { throw .fileChanged(entry.shown) }
                data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                bytesInPiece += data.count
                remaining -= data.count
                if bytesInPiece == pieceLength {
                    pieces.append(SHA1Hash(digest: hasher.finalize()))
                    hasher = Insecure.SHA1()
                    bytesInPiece = 0
                }
            }
        }
        if bytesInPiece > 0 { pieces.append(SHA1Hash(digest: hasher.finalize())) }
        return pieces
    }
}
