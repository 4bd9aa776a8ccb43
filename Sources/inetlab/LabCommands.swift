import ArgumentParser
import Foundation
import Scenario

/// Where bundled labs are found, in order: `$INETLAB_LABS` (a folder of lab folders); `./labs` in the
/// current directory; `labs/` in the nearest folder above the `inetlab` binary that has one (the
/// repository, for a binary built with `swift build`).
enum LabDirectory {
    static func candidates() -> [String] {
        var out: [String] = []
        if let env = ProcessInfo.processInfo.environment["INETLAB_LABS"], !env.isEmpty { out.append(env) }
        out.append((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent("labs"))
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if let exe = Bundle.main.executableURL { dir = exe.resolvingSymlinksInPath().deletingLastPathComponent() }
        for _ in 0..<6 {
            out.append(dir.appendingPathComponent("labs").path)
            dir = dir.deletingLastPathComponent()
        }
        return out
    }

    /// The first candidate that exists (with `$INETLAB_LABS` set, only that one).
    static func resolve() -> String? {
        let all = candidates()
        if let env = ProcessInfo.processInfo.environment["INETLAB_LABS"], !env.isEmpty {
            return isDirectory(env) ? env : nil
        }
        return all.first(where: isDirectory)
    }

    static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }

    /// Lab folders (those with a `checks.yaml` or a `README.md`) in `directory`, by name.
    static func labs(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().filter { name in
            let path = (directory as NSString).appendingPathComponent(name)
            return !name.hasPrefix(".") && isDirectory(path)
                && (FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("checks.yaml"))
                    || FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("README.md")))
        }
    }

    /// One line about a lab: the checks file's `title`, else the README's first heading or line.
    static func title(of path: String) -> String {
        let checks = (path as NSString).appendingPathComponent("checks.yaml")
        if let text = try? String(contentsOfFile: checks, encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("title:") {
                var t = line.dropFirst("title:".count).trimmingCharacters(in: .whitespaces)
                if t.count >= 2, let f = t.first, f == t.last, f == "\"" || f == "'" { t = String(t.dropFirst().dropLast()) }
                if !t.isEmpty { return t }
            }
        }
        let readme = (path as NSString).appendingPathComponent("README.md")
        if let text = try? String(contentsOfFile: readme, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let t = line.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces)
                if !t.isEmpty { return t }
            }
        }
        return "(no description)"
    }

    /// A lab given on the command line: a path, or the name (or a unique prefix, like `02`) of a bundled lab.
    static func find(_ given: String) -> String? {
        if FileManager.default.fileExists(atPath: given) { return given }
        guard let dir = resolve() else { return nil }
        let names = labs(in: dir)
        if names.contains(given) { return (dir as NSString).appendingPathComponent(given) }
        let matches = names.filter { $0.hasPrefix(given) }
        return matches.count == 1 ? (dir as NSString).appendingPathComponent(matches[0]) : nil
    }
}

struct Labs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the bundled labs.",
        discussion: """
        Labs are found in $INETLAB_LABS if it is set; otherwise in ./labs, or in the labs/ folder of the \
        repository the inetlab binary was built in. Each lab is a folder with a README.md (the handout), \
        scenario files and a checks.yaml; `inetlab check NAME` runs its checks, `inetlab open NAME` opens it \
        in the dashboard.
        """)

    func run() throws {
        guard let dir = LabDirectory.resolve() else {
            let env = ProcessInfo.processInfo.environment["INETLAB_LABS"]
            let why = env.map { "INETLAB_LABS is '\($0)', which is not a folder" } ?? "no labs/ folder here or above the inetlab binary; set INETLAB_LABS"
            FileHandle.standardError.write(Data("error: \(why)\n".utf8))
            throw ExitCode(1)
        }
        let names = LabDirectory.labs(in: dir)
        print("labs in \(dir):")
        let width = names.map(\.count).max() ?? 0
        for name in names {
            let title = LabDirectory.title(of: (dir as NSString).appendingPathComponent(name))
            print("  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(title)")
        }
        if names.isEmpty { print("  (none)") }
    }
}

/// Output formats of `inetlab check`.
enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a lab's checks headless: one line per check, exit 0 only if all pass.",
        discussion: """
        Runs every scenario the lab's checks.yaml names (several at once when --threads allows), then prints \
        one line per check: PASS or FAIL, the measured value, the expected value and, for a failure, why and \
        a hint. Exit status: 0 all checks passed, 1 some failed, 2 the lab is malformed (errors name \
        FILE:LINE:COLUMN). The check language is described in docs/lab-authoring.md.

        Examples:
          inetlab check labs/01-client-server-vs-p2p
          inetlab check 02 --seed 3
          inetlab check labs/03-incentives --format json > grade.json
          inetlab check labs/02-piece-selection --only rarest-keeps-pieces-available
        """)

    @Argument(help: "A lab folder (or its checks file), or a bundled lab's name or number, e.g. 02.", completion: .directory)
    var lab: String

    @Option(help: "The random seed of every run (default: the lab's, else each scenario's).")
    var seed: UInt64?

    @Option(help: "Output format: text (one line per check) or json (for graders).")
    var format: CheckFormat = .text

    @Option(help: "Worker threads in all (default: the number of cores); runs go in parallel. Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("only"), help: ArgumentHelp("Run only this check (repeatable).", valueName: "check-id"))
    var only: [String] = []

    @Flag(help: "Never show progress on stderr.")
    var noProgress = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        guard let path = LabDirectory.find(lab) else {
            FileHandle.standardError.write(Data("error: no lab '\(lab)': give a lab folder, or a name from `inetlab labs`\n".utf8))
            throw ExitCode(2)
        }
        let showProgress = !noProgress && isatty(STDERR_FILENO) == 1
        let report: LabReport
        do {
            var loaded = try Lab.load(path: path)
            if !only.isEmpty {
                let ids = loaded.checks.map(\.id)
                for id in only where !ids.contains(id) {
                    FileHandle.standardError.write(Data("error: no check '\(id)' in \(loaded.file); checks: \(ids.joined(separator: ", "))\n".utf8))
                    throw ExitCode(2)
                }
                loaded.checks = loaded.checks.filter { only.contains($0.id) }
            }
            let progress: (@Sendable (String) -> Void)? = showProgress ? { @Sendable line in
                FileHandle.standardError.write(Data("\(line)\n".utf8))
            } : nil
            report = try LabRunner.run(loaded, seed: seed, threads: threads, progress: progress)
        } catch let error as ScenarioError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
        let name = (path as NSString).standardizingPath
        switch format {
        case .text: FileHandle.standardOutput.write(Data(report.text(labName: name).utf8))
        case .json: FileHandle.standardOutput.write(Data(report.json(labName: name).utf8))
        }
        if !report.passed { throw ExitCode(1) }
    }
}
