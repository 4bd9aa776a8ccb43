import ArgumentParser
import BitTorrent
import Foundation
import Scenario

/// `inetlab torrent create|show`: make and inspect BEP 3 .torrent files.
struct TorrentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "torrent",
        abstract: "Create and inspect .torrent files (BEP 3).",
        discussion: """
            Torrents made here interoperate with mktorrent and Transmission: for the same files and \
            piece length, 'create' produces the same info-hash as mktorrent.
            """,
        subcommands: [Create.self, Show.self]
    )
}

extension TorrentCommand {
    /// `inetlab torrent create PATH ...`
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Hash a file or directory into a .torrent file.",
            discussion: """
                A file gives a single-file torrent; a directory gives a multi-file torrent of every \
                file below it (hidden and empty files included, symbolic links followed), ordered \
                by path as mktorrent does. No creation date is written, so the same inputs always \
                give the same .torrent file.

                Examples:
                  inetlab torrent create video.mp4 -a http://tracker:6969/announce -o video.torrent
                  inetlab torrent create course/ --piece-length 1MiB -o course.torrent
                """
        )

        @Argument(help: "File or directory to share.", completion: .file())
        var path: String

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Bytes per piece: a power of two from 16KiB to 256MiB.",
                discussion: "Accepts plain bytes (16384) or KiB/MiB/GiB units (256KiB, 1MiB).",
                valueName: "size"))
        var pieceLength: String = "256KiB"

        @Option(
            name: [.short, .long],
            help: ArgumentHelp(
                "Tracker announce URL. Repeat to add backup trackers (announce-list tiers).",
                valueName: "url"))
        var announce: [String] = []

        @Option(name: .long, help: ArgumentHelp("Free-text comment stored in the torrent.", valueName: "text"))
        var comment: String?

        @Option(name: .long, help: ArgumentHelp("Torrent name (default: the last component of PATH).", valueName: "name"))
        var name: String?

        @Flag(name: [.short, .long], help: "Set the private flag (BEP 27): peers come only from the tracker.")
        var `private` = false

        @Option(name: [.short, .long], help: ArgumentHelp("Where to write the .torrent file.", valueName: "file"), completion: .file(extensions: ["torrent"]))
        var output: String

        @Flag(name: [.short, .long], help: "Overwrite the output file if it exists.")
        var force = false

        func run() throws {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) {
                if isDirectory.boolValue { throw TorrentCommandError("\(output): is a directory; give the .torrent file's path, e.g. \(output)/name.torrent") }
                if !force { throw TorrentCommandError("\(output): already exists (use --force to overwrite)") }
            }
            if let empty = announce.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw TorrentCommandError("--announce '\(empty)': give a tracker URL, e.g. http://tracker:6969/announce (leave -a out for a trackerless torrent)")
            }
            var builder = TorrentBuilder()
            do {
                builder.pieceLength = try TorrentBuilder.parseSize(pieceLength)
            } catch {
                throw TorrentCommandError("--piece-length: \(error)")
            }
            let length = builder.pieceLength
            guard length >= TorrentBuilder.minimumPieceLength, length <= TorrentBuilder.maximumPieceLength,
                length & (length - 1) == 0
            else {
                throw TorrentCommandError("--piece-length: \(TorrentBuilderError.invalidPieceLength(length))")
            }
            builder.announce = announce.first
            if announce.count > 1 { builder.announceList = announce.map { [$0] } }
            builder.comment = comment
            builder.name = name
            builder.isPrivate = `private`

            let metainfo: Metainfo
            do {
                metainfo = try builder.build(path: path)
            } catch {
                throw TorrentCommandError("\(error)")
            }
            do {
                try Data(metainfo.encoded()).write(to: URL(fileURLWithPath: output))
            } catch {
                throw TorrentCommandError("\(output): cannot write: \(systemReason(error))")
            }
            print("info_hash: \(metainfo.infoHashHex)")
            print(
                "wrote \(output): \(metainfo.files.count) file\(metainfo.files.count == 1 ? "" : "s"), "
                    + "\(formatSize(metainfo.totalLength)), \(metainfo.pieceCount) pieces of \(formatSize(metainfo.pieceLength))")
        }
    }

    /// `inetlab torrent show FILE`
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print a .torrent file's info-hash, size, pieces, trackers and files.",
            discussion: """
                The first line is always 'info_hash: <40 hex digits>' (SHA-1 of the bencoded info \
                dictionary as stored in the file), so scripts can read it with 'head -1'. \
                Malformed files are reported with the byte offset or key at fault.
                """
        )

        @Argument(help: "The .torrent file to read.", completion: .file(extensions: ["torrent"]))
        var file: String

        /// Larger files are not torrents worth parsing (the same cap as a scenario's `torrent:`).
        static let maximumFileSize = ScenarioLoader.maximumTorrentFileBytes

        func run() throws {
            let metainfo: Metainfo
            do {
                metainfo = try Metainfo(bytes: try readTorrent())
            } catch let error as TorrentCommandError {
                throw error
            } catch {
                throw TorrentCommandError("\(file): \(error)")
            }
            print(Self.render(metainfo), terminator: "")
        }

        private func readTorrent() throws -> [UInt8] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw TorrentCommandError("\(file): no such file")
            }
            guard !isDirectory.boolValue else { throw TorrentCommandError("\(file): is a directory") }
            let handle: FileHandle
            do {
                handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
            } catch {
                throw TorrentCommandError("\(file): cannot open for reading")
            }
            defer { try? handle.close() }
            let data: Data
            do {
                data = try handle.read(upToCount: Self.maximumFileSize + 1) ?? Data()
            } catch {
                throw TorrentCommandError("\(file): read error")
            }
            guard data.count <= Self.maximumFileSize else {
                throw TorrentCommandError("\(file): larger than \(formatSize(Self.maximumFileSize)), not a .torrent file")
            }
            guard !data.isEmpty else { throw TorrentCommandError("\(file): empty file") }
            return [UInt8](data)
        }

        /// The text `show` prints.
        static func render(_ metainfo: Metainfo) -> String {
            var lines: [String] = []
            lines.append("info_hash: \(metainfo.infoHashHex)")
            lines.append("name: \(metainfo.name)")
            lines.append("total size: \(metainfo.totalLength) bytes (\(formatSize(metainfo.totalLength)))")
            lines.append("piece length: \(metainfo.pieceLength) (\(formatSize(metainfo.pieceLength)))")
            lines.append("piece count: \(metainfo.pieceCount)")
            lines.append("private: \(metainfo.isPrivate ? "yes" : "no")")
            lines.append("announce: \(metainfo.announce ?? "(none, trackerless)")")
            if let tiers = metainfo.announceList, !tiers.isEmpty {
                lines.append("announce-list:")
                for (index, tier) in tiers.enumerated() {
                    lines.append("  tier \(index + 1): \(tier.joined(separator: " "))")
                }
            }
            if let comment = metainfo.comment { lines.append("comment: \(comment)") }
            if let createdBy = metainfo.createdBy { lines.append("created by: \(createdBy)") }
            if let date = metainfo.creationDate {
                let when = Date(timeIntervalSince1970: TimeInterval(date))
                lines.append("creation date: \(date) (\(when.formatted(.iso8601)))")
            }
            let files = metainfo.files
            lines.append("files (\(files.count)):")
            let prefix = metainfo.isMultiFile ? metainfo.name + "/" : ""
            for file in files {
                lines.append("  \(prefix)\(file.path.joined(separator: "/"))  \(file.length) bytes (\(formatSize(file.length)))")
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

/// A one-line failure that ArgumentParser prints as `Error: <message>` before exiting with status 1.
struct TorrentCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `70011` → `68.4 KiB`; exact below 1 KiB.
private func formatSize(_ bytes: Int) -> String {
    let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    guard bytes >= 1024 else { return "\(bytes) B" }
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    let rounded = (value * 10).rounded() / 10
    let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    return "\(text) \(units[unit])"
}

/// The operating system's words for a failed file operation ("Permission denied", "No such file or
/// directory"), rather than Foundation's "The operation could not be completed (NSCocoaErrorDomain …)".
func systemReason(_ error: any Error) -> String {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    return ns.localizedDescription
}
