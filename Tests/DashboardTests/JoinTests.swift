import Dashboard
import Scenario
import SimKernel
import Testing

/// `join N leechers` / `join N GROUP`: the next absent hosts of the leecher groups (or of a group) join;
/// logged, on the round's injections, undone by stepping back.
@Suite struct JoinTests {
    /// A tiny swarm: a tracker, a seed, two leechers, and a reserve of three absent leechers.
    static let text = """
    name: join-test
    seed: 5
    round: 10s
    duration: 60s
    regions: [{name: eu}]
    swarms: [{name: file, file-size: 512KiB, piece-length: 64KiB, tracker: tracker}]
    hosts:
      - {group: tracker, up: 100Mbps, down: 100Mbps, app: {tracker: {}}}
      - {group: seed, up: 10Mbps, down: 10Mbps, app: {peer: {swarm: file, seed: true}}}
      - {group: peer, count: 2, up: 2Mbps, down: 10Mbps, app: {peer: {swarm: file}}}
      - {group: reserve, count: 3, up: 2Mbps, down: 10Mbps, absent: true, app: {peer: {swarm: file}}}
      - {group: spare, count: 2, up: 2Mbps, down: 10Mbps, absent: true}
    """

    static func driver() throws -> SimulationDriver {
        let loaded = try ScenarioLoader.parse(text, file: "join-test.yaml", overrides: [])
        let d = SimulationDriver(run: ScenarioRun(loaded, keepCheckpoints: true))
        d.apply(.nextRound)
        return d
    }

    func parse(_ line: String, _ s: DashboardSnapshot) throws(CommandError) -> Injection? {
        if case .simulation(.inject(let i)) = try CommandRegistry.default.parse(line, context: CommandContext(s)) { return i }
        return nil
    }

    func error(_ line: String, _ s: DashboardSnapshot) -> String? {
        do { _ = try parse(line, s); return nil } catch { return error.message }
    }

    func status(_ s: DashboardSnapshot, _ names: String...) -> [HostSnapshot.Status] { names.map { s.host(named: $0)?.status ?? .running } }

    @Test func joinTenLeechersJoinsTheNextAbsentLeechersLogsItAndStepsBack() throws {
        let d = try Self.driver()
        let before = d.snapshot()
        #expect(before.reserveGroups == ["reserve", "spare"])
        #expect(status(before, "reserve-1", "reserve-2", "reserve-3") == [.absent, .absent, .absent])
        let fingerprint = before.fingerprint

        let join = try #require(try parse("join 2 leechers", before))
        #expect(join.label == "join 2 leechers: reserve-1, reserve-2")
        d.apply(.inject(join))
        var s = d.snapshot()
        #expect(status(s, "reserve-1", "reserve-2", "reserve-3") == [.running, .running, .absent])
        #expect(status(s, "spare-1") == [.absent], "spare runs no peer: not a leecher")
        #expect(s.notice?.text == "join 2 leechers: reserve-1, reserve-2 at 10s")
        let logged = try #require(s.log.last { $0.kind == "inject.join" })
        #expect(logged["hosts"] == .string("reserve-1 reserve-2") && logged["name"] == .string("2 leechers"))
        #expect(s.log.filter { $0.kind == "host.join" && $0.time == .seconds(10) }.count == 2)

        // On the round's injections once the round is done, and the new peers are in the swarm.
        d.apply(.nextRound)
        s = d.snapshot()
        #expect(s.rows.last?.injections.contains("join 2 leechers") == true)
        #expect(s.swarm?.peer(named: "reserve-1") != nil)

        // Fewer left than asked: the rest join, and the message says so.
        let more = try #require(try parse("join 5 leechers", s))
        #expect(more.label == "join 5 leechers: only 1 left, reserve-3")
        d.apply(.inject(more))
        s = d.snapshot()
        #expect(error("join 1 leechers", s) == "no absent leechers left; the scenario's reserve group reserve (3 hosts, absent: true) has joined")

        // Stepping back past the injections undoes them: the reserve is absent again, the run as before.
        d.apply(.previousRound)
        d.apply(.previousRound)
        s = d.snapshot()
        #expect(s.round == 1)
        #expect(status(s, "reserve-1", "reserve-2", "reserve-3") == [.absent, .absent, .absent])
        #expect(!s.log.contains { $0.kind == "inject.join" || ($0.kind == "host.join" && $0.time > .zero) })
        #expect(s.fingerprint == fingerprint)
    }

    @Test func joinNOfAGroupAndErrors() throws {
        let d = try Self.driver()
        let s = d.snapshot()
        #expect(try parse("join 1 spare", s)?.label == "join 1 spare: spare-1")
        #expect(try parse("join 4 reserve", s)?.label == "join 4 reserve: only 3 left, reserve-1, reserve-2, reserve-3")
        // join NAME still works, for a host and for a group, and is logged too.
        #expect(try parse("join reserve-2", s) == Injection(label: "join reserve-2", action: .join("reserve-2")) { _ in })
        #expect(error("join peer-1", s) == "peer-1 is already running")
        #expect(error("join 0 leechers", s) == "join: expected how many hosts (1 or more), e.g. join 5 leechers; found '0'")
        #expect(error("join 3", s) == "usage: join N leechers|GROUP — e.g. join 3 leechers, or join 3 peer")
        #expect(error("join 3 reserv", s) == "join 3: no group named 'reserv'; did you mean 'reserve'?")
        #expect(error("join 3 peer", s)?.hasPrefix("no absent peer left: every one has joined") == true)

        let hello = try helloDriver().snapshot()
        #expect(error("join 2 leechers", hello) == "no leechers in this scenario: no group runs a peer that is not a seed; join NAME joins a host")
    }

    @Test func tabCompletionAndHelpKnowIt() throws {
        let s = try Self.driver().snapshot()
        let context = CommandContext(s)
        let registry = CommandRegistry.default
        #expect(registry.complete("join 10 l", context: context).line == "join 10 leechers ")
        let groups = registry.complete("join 10 ", context: context)
        #expect(groups.candidates == ["leechers", "reserve", "spare"])
        #expect(registry.complete("join res", context: context).line == "join reserve")
        var state = ui(.swarm, width: 100, height: 200)
        press([.char("?")], &state, s)
        let help = render(s, state, size: state.size).text
        #expect(help.contains("join NAME · join N leechers|GROUP"))
    }

    @Test func theBuiltInScenarioKeepsTenLeechersInReserve() throws {
        let builtin = BuiltinScenario.default
        let loaded = try ScenarioLoader.parse(builtin.text, file: builtin.file, overrides: [])
        #expect(loaded.spec.swarms.first?.dht == true)
        let d = SimulationDriver(run: ScenarioRun(loaded, keepCheckpoints: true))
        let s = d.snapshot()
        #expect(s.reserveGroups == ["reserve"])
        let join = try #require(try parse("join 10 leechers", s))
        #expect(join.label == "join 10 leechers: reserve-1 \u{2026} reserve-10 (10 hosts)")
        d.apply(.inject(join))
        #expect(d.snapshot().hosts.filter { $0.group == "reserve" }.allSatisfy { $0.status == .running })
        #expect(error("join 1 leechers", d.snapshot())?.hasPrefix("no absent leechers left; the scenario's reserve group reserve (10 hosts") == true)
    }
}
