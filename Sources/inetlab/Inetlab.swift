import ArgumentParser

/// The `inetlab` command: an emulated Internet for the P2P/CDN week.
@main
struct Inetlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inetlab",
        abstract: "An emulated Internet for learning P2P and CDNs: run scenarios, step swarms, grade labs.",
        version: inetlabVersion,
        subcommands: [DashboardCommand.self, Open.self, Run.self, Sweep.self, Validate.self, Check.self, Labs.self, TorrentCommand.self],
        defaultSubcommand: DashboardCommand.self
    )
}

/// The version `inetlab --version` prints.
let inetlabVersion = "0.9.0"
