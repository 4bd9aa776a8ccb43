import ArgumentParser
import Dashboard
import Foundation
import Scenario
import TerminalCurses

/// Options shared by `inetlab` (the dashboard) and `inetlab open`.
struct DashboardOptions: ParsableArguments {
    @Option(help: "The random seed (default: the scenario's).")
    var seed: UInt64?

    @Flag(help: "Draw with ASCII characters only (also automatic without a UTF-8 locale or with TERM=dumb).")
    var ascii = false

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a scenario value, e.g. --set hosts.1.count=100 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []
}

/// `inetlab` with no arguments: the dashboard on the built-in scenario.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the dashboard on the built-in scenario (what `inetlab` with no arguments does).",
        discussion: """
        Keys: space run/pause, n next round, . next event, b back one round, : command line \
        (crash tracker, join 10 leechers, link down home-1, partition asia, heal…), ? help, q quit. \
        See docs/dashboard.md.
        """)

    @OptionGroup var options: DashboardOptions

    /// Words that are no subcommand (`inetlab nonsense`) land here, since the dashboard is the default.
    @Argument(help: .hidden)
    var unexpected: [String] = []

    func validate() throws {
        guard let word = unexpected.first else { return }
        let names = Inetlab.configuration.subcommands.map { $0._commandName }
        var message = "error: unknown subcommand '\(word)'; subcommands: \(names.joined(separator: ", ")) (see 'inetlab --help')"
        if word.hasSuffix(".yaml") || word.hasSuffix(".yml") || FileManager.default.fileExists(atPath: word) {
            message += "; to open a scenario or a lab: inetlab open \(word)"
        } else if let guess = names.first(where: { Spelling.distance($0, word) <= 2 }) {
            message += "; did you mean '\(guess)'?"
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        throw ExitCode.validationFailure
    }

    func run() throws {
        let builtin = BuiltinScenario.default
        let loaded: LoadedScenario
        do {
            loaded = try ScenarioLoader.parse(builtin.text, file: builtin.file, overrides: options.overrides)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
        try openDashboard(loaded, options: options)
    }
}

/// `inetlab open PATH`: the dashboard on a scenario file or a lab folder.
struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a scenario file, or a lab folder, in the dashboard.",
        discussion: """
        A lab folder (README.md handout and *.yaml scenarios) opens the scenario its handout's first step \
        names, or else its first .yaml in name order (checks.yaml excluded); ? then shows the handout's \
        numbered steps beside the keys.
        Examples:
          inetlab open labs/00-hello/hello.yaml
          inetlab open labs/00-hello --seed 3
        """)

    @Argument(help: "A scenario file (YAML) or a lab folder.", completion: .file(extensions: ["yaml", "yml"]))
    var path: String

    @OptionGroup var options: DashboardOptions

    func run() throws {
        let (file, handout) = try Self.scenarioFile(path)
        try openDashboard(try loadOrExit(file, overrides: options.overrides), options: options, handout: handout)
    }

    /// The file itself; for a lab folder, the scenario it opens and its handout.
    static func scenarioFile(_ path: String) throws -> (String, Handout?) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return (path, nil) }
        do throws(LabFolder.Problem) {
            let lab = try LabFolder(path: path)
            return (lab.scenario, lab.handout)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Runs the dashboard on `loaded` until the user quits. The terminal is restored on every way out.
func openDashboard(_ loaded: LoadedScenario, options: DashboardOptions, handout: Handout? = nil) throws {
    guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
        FileHandle.standardError.write(Data("inetlab: the dashboard needs a terminal; for a text report run: inetlab run \(loaded.file.hasPrefix("built-in:") ? "SCENARIO.yaml" : loaded.file)\n".utf8))
        throw ExitCode(1)
    }
    let terminal: CursesTerminal
    do {
        terminal = try CursesTerminal(options: TerminalOptions(ascii: options.ascii))
    } catch {
        FileHandle.standardError.write(Data("inetlab: \(error)\n".utf8))
        throw ExitCode(1)
    }
    defer { terminal.close() }
    let seed = options.seed
    let host = SimulationHost(makeRun: { ScenarioRun(loaded, seed: seed, threads: 1, keepCheckpoints: true) },
                              onPublish: terminal.waker)
    host.start()
    DashboardLoop.run(backend: terminal, host: host, ascii: terminal.asciiOnly, handout: handout)
    host.stop()
    // Stopped by SIGTERM or SIGHUP (not by q or Ctrl-C): exit as a killed process would, 128 + the signal,
    // once the terminal is restored, so that a supervising script can tell.
    if let signal = terminal.quitSignal, signal != SIGINT {
        terminal.close()
        throw ExitCode(128 + signal)
    }
}

