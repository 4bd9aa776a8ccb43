import ArgumentParser

/// `inetlab torrent create|show` (being written).
struct TorrentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "torrent", abstract: "Create and inspect .torrent files.")
}
