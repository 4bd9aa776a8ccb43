import Dashboard
import Scenario
import Testing

/// The `:` command line: good and bad commands, their errors, and completion.
@Suite struct CommandTests {
    let context: CommandContext
    let registry = CommandRegistry.default

    init() throws { context = CommandContext(try helloDriver().snapshot()) }

    func parse(_ line: String) throws(CommandError) -> CommandOutcome { try registry.parse(line, context: context) }

    func inject(_ line: String) throws -> Injection? {
        if case .simulation(.inject(let i)) = try parse(line) { return i }
        return nil
    }

    func error(_ line: String) -> String? {
        do { _ = try parse(line); return nil } catch { return error.message }
    }

    @Test func goodCommands() throws {
        #expect(try inject("crash server")?.action == .crash("server"))
        #expect(try inject("kill home-2")?.action == .crash("home-2"))
        #expect(try inject("crash home")?.action == .crash("home"))  // a group
        #expect(try inject("link down home-1") == .scenario(.linkDown("home-1"), label: "link down home-1"))
        #expect(try inject("partition server home-1")?.action == .partition(["server", "home-1"]))
        #expect(try inject("partition us")?.action == .partition(["office-1", "office-2"]))  // a region
        #expect(try inject("set home-1.up 256kbps")?.action == .setRate("home-1", up: BitRate(bitsPerSecond: 256_000), down: nil))
        #expect(try inject("set office.down 2Mbps")?.action == .setRate("office", up: nil, down: BitRate(bitsPerSecond: 2_000_000)))
        #expect(try inject("set home-1.loss 0.1")?.action == .setLoss("home-1", 0.1))
        #expect(try inject("leave home-3")?.action == .leave("home-3"))
        #expect(try parse("speed max") == .simulation(.setSpeed(Speed(index: Speed.steps.count - 1))))
        #expect(try parse("speed 10x") == .simulation(.setSpeed(Speed(index: 6))))
        #expect(try parse("help") == .showHelp)
        #expect(try parse("quit") == .quit)
        #expect(try parse("  CRASH   server  ") == .simulation(.inject(.scenario(.crash("server"), label: "crash server"))))
    }

    /// `link up` and `heal` need something to undo: a link that is down, a partition.
    @Test func linkUpAndHealUndoWhatIsBroken() throws {
        var snapshot = try helloDriver().snapshot()
        let home1 = try #require(snapshot.hosts.firstIndex { $0.name == "home-1" })
        snapshot.hosts[home1].linkUp = false
        snapshot.hosts[0].partition = 1
        let broken = CommandContext(snapshot)
        #expect(try registry.parse("link up home-1", context: broken) == .simulation(.inject(.scenario(.linkUp("home-1"), label: "link up home-1"))))
        #expect(try registry.parse("heal", context: broken) == .simulation(.inject(.scenario(.heal, label: "heal"))))
        #expect(throws: CommandError("home-1's link is already down; link up home-1 brings it back")) {
            try registry.parse("link down home-1", context: broken)
        }
        // As the run starts, nothing is down or cut off.
        #expect(error("link up home-1") == "home-1's link is already up")
        #expect(error("heal") == "heal: nothing is partitioned")
    }

    @Test func badCommandsSayWhatWouldWork() {
        #expect(error("crsh server") == "unknown command 'crsh'; did you mean 'crash'?")
        #expect(error("frobnicate") == "unknown command 'frobnicate'; commands: crash, restart, kill, join, leave, link, …"
                || error("frobnicate")?.hasPrefix("unknown command 'frobnicate'; commands: crash") == true)
        #expect(error("crash") == "usage: crash NAME — NAME is a host or group, e.g. server, home-1, home-2")
        #expect(error("crash sever") == "no host or group named 'sever'; did you mean 'server'?")
        #expect(error("crash nobody-at-all")?.hasPrefix("no host or group named 'nobody-at-all'; try server, home-1") == true)
        #expect(error("crash server home-1") == "usage: crash NAME — one name; for several hosts name their group")
        #expect(error("restart server") == "server is already running; crash server first")
        #expect(error("join home-1") == "home-1 is already running")
        #expect(error("link sideways home-1") == "usage: link down|up NAME — e.g. link down server")
        #expect(error("link down") == "usage: link down|up NAME — NAME is a host or group, e.g. server, home-1, home-2")
        #expect(error("set home-1.up fast") == "set home-1.up: expected a bit rate like 1Mbps, 56kbps or 10Gbit/s, found 'fast'")
        #expect(error("set home-1.up 1MB/s")?.contains("bit rates count bits, not bytes") == true)
        #expect(error("set home-1.mtu 1500") == "set: no property 'mtu'; a host has .up, .down (bit rates) and .loss (0…1)")
        #expect(error("set home-1.loss 2") == "set home-1.loss: expected a probability between 0 and 1, e.g. 0.05; found '2'")
        #expect(error("set home-1 1Mbps") == "usage: set NAME.up|down RATE · set NAME.loss P — e.g. set server.up 256kbps")
        #expect(error("partition") == "usage: partition A B… — hosts, groups or regions to cut off, e.g. partition eu")
        #expect(error("heal now") == "usage: heal — it takes no arguments")
        #expect(error("speed fast") == "speed: expected a positive number (0.1 … 1000) or max, found 'fast'")
        #expect(error("speed 0") == "speed: expected a positive number (0.1 … 1000) or max, found '0'")
        #expect(error("speed inf") == "speed: expected a positive number (0.1 … 1000) or max, found 'inf'")
        #expect(error("partition asia") == "partition: no host, group or region named 'asia'; try server, home-1, home-2, home-3, home-4, home-fwd, …; regions: eu, us")
        // The swarm commands only act on BitTorrent peers (hello runs none).
        #expect(error("freeride home-1") == "freeride: home-1 is not a BitTorrent peer (it runs ping); this scenario has no swarm")
        #expect(error("leave-swarm server")?.hasPrefix("leave-swarm: server is not a BitTorrent peer") == true)
        #expect(error("")?.hasPrefix("type a command") == true)
    }

    @Test func completion() {
        #expect(registry.complete("cr", context: context) == Completion(line: "crash ", candidates: []))
        let ho = registry.complete("crash ho", context: context)
        #expect(ho.line == "crash home")
        #expect(ho.candidates.contains("home-1") && ho.candidates.contains("home"))
        #expect(registry.complete("crash se", context: context).line == "crash server ")
        #expect(registry.complete("link d", context: context).line == "link down ")
        #expect(registry.complete("set serv", context: context).line == "set server.")
        let props = registry.complete("set server.", context: context)
        #expect(props.candidates == ["server.up", "server.down", "server.loss"])
        #expect(registry.complete("partition e", context: context).line == "partition eu ")
        #expect(registry.complete("zz", context: context) == Completion(line: "zz", candidates: []))
    }

    @Test func protocolModulesCanAddAndReplaceCommands() throws {
        let freeride = CommandSpec(name: "freeride", usage: "freeride PEER", summary: "stop uploading") { args, ctx throws(CommandError) in
            let peer = try ctx.target(args.first, usage: "freeride PEER")
            return .simulation(.inject(Injection(label: "freeride \(peer)") { _ in }))
        }
        let join = CommandSpec(name: "join", usage: "join N leechers", summary: "add leechers") { _, _ throws(CommandError) in
            .simulation(.inject(Injection(label: "join leechers") { _ in }))
        }
        let registry = CommandRegistry(CommandRegistry.standardCommands + [freeride, join])
        #expect(registry.commands.filter { $0.name == "join" }.count == 1)
        #expect(try registry.parse("join 10 leechers", context: context) == .simulation(.inject(Injection(label: "join leechers") { _ in })))
        #expect(try registry.parse("freeride home-1", context: context) == .simulation(.inject(Injection(label: "freeride home-1") { _ in })))
        #expect(registry.complete("free", context: context).line == "freeride ")
    }
}
