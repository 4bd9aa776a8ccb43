import Scenario
import SimKernel

extension CommandRegistry {
    /// BitTorrent commands for the `:` line.
    static let bitTorrent: [CommandSpec] = [
        hostCommand("freeride", summary: "the peer (or every peer of a group) stops uploading: it unchokes nobody", build: { .freeRide($0) },
                    check: { n, c in requirePeer(n, c, command: "freeride") }),
        hostCommand("leave-swarm", summary: "the peer announces 'stopped' and leaves the swarm (the host stays up)", build: { .leaveSwarm($0) },
                    check: { n, c in requirePeer(n, c, command: "leave-swarm") }),
        join,
    ]

    /// An error unless `name` is (or its group has) a BitTorrent peer: the swarm commands do nothing to other hosts.
    static func requirePeer(_ name: String, _ ctx: CommandContext, command: String) -> String? {
        let members = Set(ctx.members(name))
        let apps = ctx.snapshot.hosts.filter { members.contains($0.name) }.map(\.app)
        guard !apps.contains("peer") else { return nil }
        let peers = ctx.snapshot.hosts.filter { $0.app == "peer" }.map(\.name)
        return "\(command): \(name) is not a BitTorrent peer (it runs \(apps.first ?? "nothing"))" +
            (peers.isEmpty ? "; this scenario has no swarm" : "; peers are e.g. \(peers.prefix(3).joined(separator: ", "))")
    }

    /// The word that stands for every leecher group in `join N leechers`.
    static let leechersWord = "leechers"

    /// `join NAME` (a host that has not joined, or has left, joins; a group: all of it), and
    /// `join N leechers` / `join N GROUP`: the next N hosts that have not joined yet, in host order, of the
    /// groups whose application is a leecher (or of GROUP). Replaces the standard `join`.
    static let join = CommandSpec(
        name: "join", usage: "join NAME · join N leechers|GROUP",
        summary: "a host that has not joined (or has left) joins; join N leechers: the next N absent leechers (the scenario's reserve) join",
        complete: { args, ctx in
            if args.count == 1 { return ctx.targets }
            guard args.count == 2, Int(args[0]) != nil else { return [] }
            let groups = ctx.groups.filter { g in ctx.members(g).contains { ctx.status[$0] == .absent } }
            return [leechersWord] + groups
        }) { args, ctx throws(CommandError) in
        let usage = "join NAME · join N leechers|GROUP"
        guard let first = args.first, let count = Int(first) else {
            // join NAME
            let target = try ctx.target(args.first, usage: usage)
            guard args.count == 1 else { throw CommandError("usage: \(usage) — one name, or a number and leechers or a group, e.g. join 5 leechers") }
            if let problem = require([.absent, .left, .crashed], target, ctx, else: { _ in "\(target) is already running" }) {
                throw CommandError(problem)
            }
            let hosts = ctx.members(target).filter { ctx.status[$0] != .running }
            return .simulation(.inject(joinInjection(hosts, label: "join \(target)", action: .join(target), fields: [LogField("host", target)])))
        }
        guard count > 0 else { throw CommandError("join: expected how many hosts (1 or more), e.g. join 5 leechers; found '\(first)'") }
        guard args.count == 2 else {
            throw CommandError("usage: join N leechers|GROUP — e.g. join \(count) leechers, or join \(count) \(ctx.groups.first ?? "GROUP")")
        }
        let what = args[1]
        let pool: [String]
        let noun: String
        if what.lowercased() == leechersWord || what.lowercased() == "leecher", !ctx.targets.contains(what) {
            pool = ctx.snapshot.hosts.filter { $0.app == "peer" }.map(\.name)
            noun = count == 1 ? "leecher" : leechersWord
        } else {
            guard ctx.targets.contains(what) else {
                throw CommandError("join \(count): no group named '\(what)'" + ctx.suggestion(what, among: [leechersWord] + ctx.groups))
            }
            pool = ctx.members(what)
            noun = what
        }
        let absent = pool.filter { ctx.status[$0] == .absent }
        guard !absent.isEmpty else { throw CommandError(noneLeft(what: noun == "leecher" ? leechersWord : noun, pool: pool, ctx)) }
        let chosen = Array(absent.prefix(count))
        var label = "join \(count) \(noun)"
        label += chosen.count < count ? ": only \(chosen.count) left, \(names(chosen))" : ": \(names(chosen))"
        return .simulation(.inject(joinInjection(chosen, label: label, action: nil,
                                                 fields: [LogField("name", "\(count) \(noun)"), LogField("joined", chosen.count)])))
    }

    /// `a, b, c`, or `a … z (10 hosts)` for longer lists.
    static func names(_ hosts: [String]) -> String {
        hosts.count <= 3 ? hosts.joined(separator: ", ") : "\(hosts[0]) \u{2026} \(hosts[hosts.count - 1]) (\(hosts.count) hosts)"
    }

    /// Why nothing can join: every host of the pool has joined, or the scenario keeps no reserve.
    static func noneLeft(what: String, pool: [String], _ ctx: CommandContext) -> String {
        let reserve = ctx.snapshot.reserveGroups.filter { g in ctx.snapshot.hosts.contains { $0.group == g && pool.contains($0.name) } }
        let back = pool.filter { ctx.status[$0] == .left || ctx.status[$0] == .crashed }
        let hint = back.isEmpty ? "" : "; restart \(back[0]) brings back one that left or crashed"
        if pool.isEmpty {
            return "no leechers in this scenario: no group runs a peer that is not a seed; join NAME joins a host"
        }
        if !reserve.isEmpty {
            let size = ctx.snapshot.hosts.filter { reserve.contains($0.group) }.count
            return "no absent \(what) left; the scenario's reserve group \(reserve.joined(separator: ", ")) (\(size) hosts, absent: true) has joined" + hint
        }
        let others = ctx.snapshot.reserveGroups.filter { g in ctx.snapshot.hosts.contains { $0.group == g && ctx.status[$0.name] == .absent } }
        if let other = others.first {
            return "no absent \(what) left: every one has joined; the group \(other) still has absent hosts (join 1 \(other))" + hint
        }
        return "no absent \(what) left: every one has joined (the scenario keeps no other absent hosts)" + hint
    }

    /// An injection that logs `inject.join` (so the join is on the timeline, in the round's injections)
    /// and makes `hosts` join now.
    static func joinInjection(_ hosts: [String], label: String, action: InjectionSpec.Action?, fields: [LogField]) -> Injection {
        Injection(label: label, action: action) { run in
            let fresh = hosts.filter { name in run.targets[name]?.allSatisfy { !run.simulation.state.nodes[$0].running } ?? false }
            run.simulation.state.log("inject.join", fields + [LogField("hosts", fresh.joined(separator: " "))])
            let now = TimeSpan(run.simulation.now - .zero)
            for h in fresh { run.schedule(InjectionSpec(at: now, action: .join(h))) }
        }
    }
}
