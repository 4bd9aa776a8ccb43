import Dashboard
import Foundation
import Scenario
import SimKernel
import Synchronization
import Testing

/// The simulation side: stepping, injecting, stepping back, running, and the thread that hosts it.
@Suite struct DriverTests {
    @Test func nextRoundAndNextEvent() throws {
        let d = try helloDriver()
        d.apply(.nextRound)
        #expect(d.snapshot().round == 1)
        #expect(d.snapshot().time == .seconds(10))
        let before = d.snapshot().eventsDelivered
        let next = try #require(d.snapshot().nextEvent)
        d.apply(.nextEvent)
        let after = d.snapshot()
        #expect(after.eventsDelivered == before + 1 || next.kind == "inject")
        #expect(after.time == next.time)
    }

    @Test func injectionAppliesAtOnceAndSteppingBackUndoesIt() throws {
        let d = try helloDriver(rounds: 2)
        let fingerprint = d.snapshot().fingerprint
        d.apply(.inject(.scenario(.crash("server"), label: "crash server")))
        var s = d.snapshot()
        #expect(s.host(named: "server")?.status == .crashed)
        #expect(s.log.last?.kind == "inject.crash")
        #expect(s.notice?.text == "crash server at 20s")
        // Mid-round after the injection's step: back goes to the start of this round (the end of round 2).
        d.apply(.nextEvent)
        d.apply(.previousRound)
        s = d.snapshot()
        #expect(s.time == .seconds(20) && s.round == 2)
        #expect(s.host(named: "server")?.status == .running)
        #expect(!s.log.contains { $0.kind == "inject.crash" })
        #expect(s.fingerprint == fingerprint)
        // At a boundary: back goes one whole round.
        d.apply(.previousRound)
        #expect(d.snapshot().round == 1 && d.snapshot().time == .seconds(10))
        // Replaying gives the same run.
        d.apply(.nextRound)
        #expect(d.snapshot().fingerprint == fingerprint)
    }

    @Test func stepBackRestoresTheTimelineCrash() throws {
        let d = try helloDriver(rounds: 7)
        #expect(d.snapshot().host(named: "server")?.status == .crashed)
        d.apply(.previousRound)
        d.apply(.previousRound)
        #expect(d.snapshot().host(named: "server")?.status == .running)
        #expect(d.snapshot().upcoming.first?.description == "crash server")
    }

    /// When `.` completes a round, `b` goes back one whole round (it used to restore the checkpoint the run
    /// already stood at, and do nothing the first time).
    @Test func backAfterStepsThatFinishARoundGoesBackARound() throws {
        let d = try helloDriver(rounds: 1)
        while d.snapshot().round == 1 { d.apply(.nextEvent) }
        #expect(d.snapshot().round == 2 && d.snapshot().time == .seconds(20))
        d.apply(.previousRound)
        #expect(d.snapshot().round == 1 && d.snapshot().time == .seconds(10))
    }

    @Test func backAtTheStartSaysSo() throws {
        let d = try helloDriver()
        d.apply(.previousRound)
        #expect(d.snapshot().notice?.text == "already at the start")
        #expect(d.snapshot().notice?.isError == true)
    }

    @Test func runningAtMaximumSpeedReachesTheEnd() throws {
        let d = try helloDriver()
        d.apply(.setSpeed(Speed(index: Speed.steps.count - 1)))
        d.apply(.toggleRun)
        #expect(d.isRunning)
        var guardTicks = 0
        while d.isRunning && guardTicks < 1000 { d.tick(deadline: .milliseconds(50)); guardTicks += 1 }
        let s = d.snapshot()
        #expect(s.isFinished && s.round == 12 && !s.isRunning)
        #expect(s.notice?.text.hasPrefix("run finished at 2m00s") == true)
        // Same fingerprint as the headless run.
        let headless = ScenarioRun(try helloScenario())
        headless.runToEnd()
        #expect(s.fingerprint == headless.simulation.state.fingerprintHex)
        d.apply(.toggleRun)
        #expect(!d.isRunning && d.snapshot().notice?.isError == true)
    }

    @Test func speedSteps() throws {
        let d = try helloDriver()
        #expect(d.speed == .default)
        d.apply(.faster)
        #expect(d.speed.description == "20×")
        for _ in 0..<20 { d.apply(.slower) }
        #expect(d.speed.description == "0.10×")
    }

    @Test func hostThreadAnswersCommandsWithSnapshots() throws {
        let scenario = try helloScenario()
        let published = Counter()
        let host = SimulationHost(makeRun: { ScenarioRun(scenario, keepCheckpoints: true) }, onPublish: { published.add() })
        host.start()
        defer { host.stop() }
        func waitFor(_ condition: (DashboardSnapshot) -> Bool) -> DashboardSnapshot? {
            for _ in 0..<500 {
                if let s = host.latest().snapshot, condition(s) { return s }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return nil
        }
        #expect(waitFor { $0.round == 0 } != nil)
        host.send(.nextRound)
        host.send(.nextRound)
        #expect(waitFor { $0.round == 2 } != nil)
        host.send(.inject(.scenario(.crash("server"), label: "crash server")))
        #expect(waitFor { $0.host(named: "server")?.status == .crashed } != nil)
        host.send(.previousRound)
        #expect(waitFor { $0.host(named: "server")?.status == .running && $0.round == 2 } != nil)
        #expect(published.value >= 4)
    }
}

/// A thread-safe counter for the publish callback.
final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// The dashboard on a real swarm (the lab's BitTorrent scenario), when the lab has one.
@Suite struct SwarmIntegrationTests {
    static let swarmLab = Paths.root.appendingPathComponent("labs/00-hello/swarm.yaml").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: swarmLab), "no swarm lab"))
    func swarmAndChokeViewsShowTheRun() throws {
        let d = SimulationDriver(run: ScenarioRun(try ScenarioLoader.load(path: Self.swarmLab), keepCheckpoints: true))
        for _ in 0..<4 { d.apply(.nextRound) }
        let s = d.snapshot()
        let swarm = try #require(s.swarm)
        #expect(!swarm.peers.isEmpty && swarm.availability.count == swarm.pieceCount)
        let screen = render(s, ui(.swarm), size: Size(width: 80, height: 24)).text
        #expect(screen.contains("Swarm \(swarm.name)") && screen.contains("rarity"))
        var choke = ui(.choke)
        choke.selection = swarm.peers.first { $0.choke?.current != nil }?.name
        #expect(render(s, choke, size: Size(width: 80, height: 24)).text.contains("Unchoked at that rechoke"))
        // Stepping back restores the pieces.
        let held = swarm.peers.map { $0.have.setCount }
        d.apply(.nextRound)
        d.apply(.previousRound)
        #expect(d.snapshot().swarm?.peers.map { $0.have.setCount } == held)
    }
}
