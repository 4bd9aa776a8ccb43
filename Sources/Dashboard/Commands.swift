public import Scenario
import SimKernel

/// A change to the running emulation typed at the `:` prompt, applied on the simulation thread at the
/// current virtual time. Two injections are equal when they do the same thing (for tests).
public struct Injection: Sendable, Equatable, CustomStringConvertible {
    /// What was asked, in canonical form (`crash server`): logged, and shown as a notice.
    public var label: String
    /// The scenario action, when it is one (for tests and the timeline); nil for custom ones.
    public var action: InjectionSpec.Action?
    /// Schedules the change at the run's current time. Runs on the simulation thread.
    public var apply: @Sendable (ScenarioRun) -> Void

    public init(label: String, action: InjectionSpec.Action? = nil, apply: @escaping @Sendable (ScenarioRun) -> Void) {
        self.label = label; self.action = action; self.apply = apply
    }

    /// An injection that schedules a scenario action now (as if the timeline had it at this instant).
    public static func scenario(_ action: InjectionSpec.Action, label: String) -> Injection {
        Injection(label: label, action: action) { run in
            run.schedule(InjectionSpec(at: TimeSpan(run.simulation.now - .zero), action: action))
        }
    }

    public static func == (a: Injection, b: Injection) -> Bool { a.label == b.label && a.action == b.action }
    public var description: String { label }
}

/// What the UI asks of the simulation thread.
public enum SimCommand: Sendable, Equatable {
    case toggleRun
    case pause
    /// Runs to the end of the current round, then pauses.
    case nextRound
    /// Delivers one event (or applies one injection), then pauses.
    case nextEvent
    /// Restores the state at the start of the current round (or the previous one, at a boundary).
    case previousRound
    case faster, slower
    case setSpeed(Speed)
    case inject(Injection)
}

/// What a command line asks for.
public enum CommandOutcome: Sendable, Equatable {
    case simulation(SimCommand)
    case showHelp
    case quit
    case showTab(Tab)
}

/// A command-line error: one line that says what would work.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What the command line knows about the run: the names it accepts and the state of each host.
public struct CommandContext: Sendable {
    /// Host names, in node order.
    public var hosts: [String]
    /// Group names that stand for several hosts.
    public var groups: [String]
    /// Region name → its hosts.
    public var regions: [(name: String, hosts: [String])]
    public var status: [String: HostSnapshot.Status]
    public var linkUp: [String: Bool]
    /// The snapshot it was made from (protocol commands look at `swarm` and `dht`).
    public var snapshot: DashboardSnapshot

    public init(_ s: DashboardSnapshot) {
        snapshot = s
        hosts = s.hosts.map(\.name)
        var groups: [String] = [], counts: [String: Int] = [:]
        for h in s.hosts { counts[h.group, default: 0] += 1 }
        for h in s.hosts where counts[h.group, default: 0] > 1 && !groups.contains(h.group) && !hosts.contains(h.group) {
            groups.append(h.group)
        }
        self.groups = groups
        regions = s.regions.map { r in (r, s.hosts.filter { $0.region == r }.map(\.name)) }
        status = Dictionary(s.hosts.map { ($0.name, $0.status) }, uniquingKeysWith: { a, _ in a })
        linkUp = Dictionary(s.hosts.map { ($0.name, $0.linkUp) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every name a host argument accepts: hosts, then groups.
    public var targets: [String] { hosts + groups }

    /// The hosts `name` stands for (itself, or a group's members).
    public func members(_ name: String) -> [String] {
        if hosts.contains(name) { return [name] }
        if groups.contains(name) { return snapshot.hosts.filter { $0.group == name }.map(\.name) }
        return []
    }

    /// Checks a host or group name; the error suggests the closest names.
    public func target(_ name: String?, usage: String) throws(CommandError) -> String {
        guard let name, !name.isEmpty else {
            throw CommandError("usage: \(usage) — NAME is a host or group, e.g. \(targets.prefix(3).joined(separator: ", "))")
        }
        guard targets.contains(name) else { throw CommandError("no host or group named '\(name)'" + suggestion(name, among: targets)) }
        return name
    }

    /// `; did you mean 'x'?` when something is close, else a few of the valid names.
    public func suggestion(_ word: String, among names: [String]) -> String {
        let close = names.map { ($0, Spelling.distance(word.lowercased(), $0.lowercased())) }
            .filter { $0.1 <= max(1, word.count / 3) || $0.0.hasPrefix(word) }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        if let best = close.first { return "; did you mean '\(best.0)'?" }
        let some = names.prefix(6).joined(separator: ", ")
        return names.isEmpty ? "" : "; try \(some)\(names.count > 6 ? ", …" : "")"
    }
}


/// One `:` command: its name, how it is used, how it completes, and what it does.
public struct CommandSpec: Sendable {
    /// The first word (`crash`, `link`, `set`).
    public var name: String
    /// `crash NAME`: shown in errors and in the help.
    public var usage: String
    public var summary: String
    /// Candidates for the last argument, given the arguments so far (the last is the partial word).
    public var complete: @Sendable (_ args: [String], _ context: CommandContext) -> [String]
    /// Parses the arguments (without the command name).
    public var parse: @Sendable (_ args: [String], _ context: CommandContext) throws(CommandError) -> CommandOutcome

    public init(name: String, usage: String, summary: String,
                complete: @escaping @Sendable ([String], CommandContext) -> [String] = { _, _ in [] },
                parse: @escaping @Sendable ([String], CommandContext) throws(CommandError) -> CommandOutcome) {
        self.name = name; self.usage = usage; self.summary = summary; self.complete = complete; self.parse = parse
    }
}

/// The result of pressing tab on a command line.
public struct Completion: Sendable, Equatable {
    /// The line with the word completed as far as it is unambiguous.
    public var line: String
    /// The candidates when more than one remains.
    public var candidates: [String]
    public init(line: String, candidates: [String]) { self.line = line; self.candidates = candidates }
}

/// The commands of the `:` line. Protocol modules add theirs through `DashboardExtensions.commands`.
public struct CommandRegistry: Sendable {
    public private(set) var commands: [CommandSpec]

    /// The standard commands, then extensions (an extension with a standard command's name replaces it).
    public init(_ commands: [CommandSpec]) {
        var list: [CommandSpec] = []
        for c in commands {
            if let i = list.firstIndex(where: { $0.name == c.name }) { list[i] = c } else { list.append(c) }
        }
        self.commands = list
    }

    public static let `default` = CommandRegistry(standardCommands + DashboardExtensions.commands)

    public func command(named name: String) -> CommandSpec? { commands.first { $0.name == name } }

    /// Parses a line. Errors are one line that says what would work.
    public func parse(_ line: String, context: CommandContext) throws(CommandError) -> CommandOutcome {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else {
            throw CommandError("type a command, e.g. crash \(context.hosts.first ?? "NAME"); tab completes; help lists them")
        }
        let name = first.lowercased()
        guard let spec = command(named: name) else {
            let names = commands.map(\.name)
            throw CommandError("unknown command '\(first)'" + context.suggestion(name, among: names)
                .replacingAll("; try", with: "; commands:"))
        }
        return try spec.parse(Array(words.dropFirst()), context)
    }

    /// Completes the word under the cursor (the end of the line).
    public func complete(_ line: String, context: CommandContext) -> Completion {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let fresh = line.isEmpty || line.last == " "
        if fresh { words.append("") }
        let prefix = words.last ?? ""
        let candidates: [String]
        if words.count <= 1 {
            candidates = commands.map(\.name).filter { $0.hasPrefix(prefix.lowercased()) }
        } else if let spec = command(named: words[0].lowercased()) {
            candidates = spec.complete(Array(words.dropFirst()), context).filter { $0.hasPrefix(prefix) }
        } else {
            candidates = []
        }
        guard !candidates.isEmpty else { return Completion(line: line, candidates: []) }
        let head = line.dropLast(prefix.count)
        if candidates.count == 1 {
            let c = candidates[0]
            return Completion(line: head + c + (c.hasSuffix(".") ? "" : " "), candidates: [])
        }
        var common = candidates[0]
        for c in candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        return Completion(line: head + (common.count > prefix.count ? common : prefix), candidates: candidates)
    }
}

extension String {
    /// Foundation-free replacement of every occurrence.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return replacing(target, with: replacement)
    }
}

// MARK: The standard commands

extension CommandRegistry {
    static func hostCommand(_ name: String, summary: String, build: @escaping @Sendable (String) -> InjectionSpec.Action,
                            check: @escaping @Sendable (String, CommandContext) -> String? = { _, _ in nil }) -> CommandSpec {
        let usage = "\(name) NAME"
        return CommandSpec(name: name, usage: usage, summary: summary, complete: { args, ctx in args.count == 1 ? ctx.targets : [] }) { args, ctx throws(CommandError) in
            let target = try ctx.target(args.first, usage: usage)
            guard args.count == 1 else { throw CommandError("usage: \(usage) — one name; for several hosts name their group") }
            if let problem = check(target, ctx) { throw CommandError(problem) }
            let action = build(target)
            return .simulation(.inject(.scenario(action, label: "\(name) \(target)")))
        }
    }

    /// An error when none of the hosts `name` stands for is in one of `states`.
    static func require(_ states: Set<HostSnapshot.Status>, _ name: String, _ ctx: CommandContext, else message: (HostSnapshot.Status) -> String) -> String? {
        let members = ctx.members(name)
        let current = members.compactMap { ctx.status[$0] }
        guard !current.isEmpty, !current.contains(where: states.contains) else { return nil }
        return message(current[0])
    }

    public static let standardCommands: [CommandSpec] = [
        hostCommand("crash", summary: "kill the host's process: it loses its state, its connections are reset", build: { .crash($0) },
                    check: { n, c in require([.running], n, c) { "\(n) is not running (\($0)); restart \(n) brings it back" } }),
        hostCommand("kill", summary: "the same as crash", build: { .crash($0) },
                    check: { n, c in require([.running], n, c) { "\(n) is not running (\($0)); restart \(n) brings it back" } }),
        hostCommand("restart", summary: "bring a crashed or departed host back, with fresh state", build: { .restart($0) },
                    check: { n, c in require([.crashed, .left, .absent], n, c) { _ in "\(n) is already running; crash \(n) first" } }),
        hostCommand("join", summary: "a host that has not joined (or has left) joins", build: { .join($0) },
                    check: { n, c in require([.absent, .left, .crashed], n, c) { _ in "\(n) is already running" } }),
        hostCommand("leave", summary: "the host leaves gracefully: its connections are closed", build: { .leave($0) },
                    check: { n, c in require([.running], n, c) { "\(n) is not running (\($0))" } }),
        CommandSpec(name: "link", usage: "link down|up NAME", summary: "take the host's access link down, or bring it back",
                    complete: { args, ctx in args.count == 1 ? ["down", "up"] : args.count == 2 ? ctx.targets : [] }) { args, ctx throws(CommandError) in
            let usage = "link down|up NAME"
            guard let dir = args.first?.lowercased(), dir == "down" || dir == "up" else {
                throw CommandError("usage: \(usage) — e.g. link down \(ctx.hosts.first ?? "NAME")")
            }
            let target = try ctx.target(args.count > 1 ? args[1] : nil, usage: usage)
            guard args.count == 2 else { throw CommandError("usage: \(usage) — one name") }
            // Nothing to do if every link it names is already that way.
            if ctx.members(target).allSatisfy({ ctx.linkUp[$0] == (dir == "up") }) {
                throw CommandError("\(target)'s link is already \(dir)" + (dir == "down" ? "; link up \(target) brings it back" : ""))
            }
            return .simulation(.inject(.scenario(dir == "down" ? .linkDown(target) : .linkUp(target), label: "link \(dir) \(target)")))
        },
        CommandSpec(name: "partition", usage: "partition A B…",
                    summary: "cut these hosts, groups or regions off from the rest (they still reach each other)",
                    complete: { _, ctx in ctx.targets + ctx.regions.map(\.name) }) { args, ctx throws(CommandError) in
            let usage = "partition A B…"
            guard !args.isEmpty else {
                throw CommandError("usage: \(usage) — hosts, groups or regions to cut off, e.g. partition \(ctx.regions.first?.name ?? "REGION")")
            }
            var names: [String] = []
            for a in args {
                if let r = ctx.regions.first(where: { $0.name == a }) {
                    names += r.hosts
                } else if ctx.targets.contains(a) {
                    names.append(a)
                } else {
                    throw CommandError("partition: no host, group or region named '\(a)'" +
                                       ctx.suggestion(a, among: ctx.targets + ctx.regions.map(\.name)) +
                                       (ctx.regions.isEmpty ? "" : "; regions: \(ctx.regions.map(\.name).joined(separator: ", "))"))
                }
            }
            let hosts = args.allSatisfy { ctx.targets.contains($0) } ? args : names
            return .simulation(.inject(.scenario(.partition(hosts), label: "partition \(args.joined(separator: " "))")))
        },
        CommandSpec(name: "heal", usage: "heal", summary: "remove every partition") { args, ctx throws(CommandError) in
            guard args.isEmpty else { throw CommandError("usage: heal — it takes no arguments") }
            guard ctx.snapshot.hosts.contains(where: { $0.partition != 0 }) else { throw CommandError("heal: nothing is partitioned") }
            return .simulation(.inject(.scenario(.heal, label: "heal")))
        },
        CommandSpec(name: "set", usage: "set NAME.up|down RATE · set NAME.loss P",
                    summary: "change a host's access link: capacity (e.g. 256kbps) or datagram loss (0…1)",
                    complete: { args, ctx in
                        guard args.count == 1 else { return args.count == 2 ? ["256kbps", "1Mbps", "10Mbps", "100Mbps"] : [] }
                        let word = args[0]
                        if let dot = word.firstIndex(of: ".") {
                            let name = String(word[..<dot])
                            return ["up", "down", "loss"].map { "\(name).\($0)" }
                        }
                        return ctx.targets.map { $0 + "." }
                    }) { args, ctx throws(CommandError) in
            let usage = "set NAME.up|down RATE · set NAME.loss P"
            guard args.count == 2, let dot = args[0].lastIndex(of: ".") else {
                throw CommandError("usage: \(usage) — e.g. set \(ctx.hosts.first ?? "NAME").up 256kbps")
            }
            let name = try ctx.target(String(args[0][..<dot]), usage: usage)
            let property = args[0][args[0].index(after: dot)...].lowercased()
            switch property {
            case "up", "down":
                let rate: BitRate
                do throws(QuantityParseError) { rate = try BitRate(parsing: args[1]) } catch { throw CommandError("set \(name).\(property): \(error.message)") }
                let action: InjectionSpec.Action = property == "up" ? .setRate(name, up: rate, down: nil) : .setRate(name, up: nil, down: rate)
                return .simulation(.inject(.scenario(action, label: "set \(name).\(property) \(rate)")))
            case "loss":
                guard let p = Double(args[1]), (0...1).contains(p) else {
                    throw CommandError("set \(name).loss: expected a probability between 0 and 1, e.g. 0.05; found '\(args[1])'")
                }
                return .simulation(.inject(.scenario(.setLoss(name, p), label: "set \(name).loss \(args[1])")))
            default:
                throw CommandError("set: no property '\(property)'; a host has .up, .down (bit rates) and .loss (0…1)")
            }
        },
        CommandSpec(name: "speed", usage: "speed X|max", summary: "virtual seconds per second: 0.1 … 1000, or max",
                    complete: { _, _ in ["1", "10", "100", "max"] }) { args, _ throws(CommandError) in
            let options = Speed.steps.map { $0.map { $0 < 1 ? Format.decimal($0, places: 2) : String(Int($0)) } ?? "max" }
            guard args.count == 1 else { throw CommandError("usage: speed X|max — one of \(options.joined(separator: ", "))") }
            var word = args[0].lowercased()
            if word != "max", word.hasSuffix("x") || word.hasSuffix("×") { word.removeLast() }
            if word == "max" { return .simulation(.setSpeed(Speed(index: Speed.steps.count - 1))) }
            guard let v = Double(word), v > 0, v.isFinite else {
                throw CommandError("speed: expected a positive number (0.1 … 1000) or max, found '\(args[0])'")
            }
            // The nearest step.
            let best = Speed.steps.indices.dropLast().min { abs((Speed.steps[$0] ?? 0) - v) < abs((Speed.steps[$1] ?? 0) - v) } ?? 0
            return .simulation(.setSpeed(Speed(index: best)))
        },
        CommandSpec(name: "help", usage: "help", summary: "the keys, the columns of this view, and these commands") { _, _ throws(CommandError) in
            .showHelp
        },
        CommandSpec(name: "quit", usage: "quit", summary: "leave the dashboard") { _, _ throws(CommandError) in .quit },
    ]
}
