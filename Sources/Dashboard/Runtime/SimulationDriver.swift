public import Scenario
import SimKernel

/// Drives a `ScenarioRun` for the dashboard: applies the UI's commands, advances the run at the chosen
/// speed, and builds snapshots. It is confined to the simulation thread (the run is not `Sendable`);
/// tests use it directly, without a thread.
public final class SimulationDriver {
    public let run: ScenarioRun
    public private(set) var isRunning = false
    public private(set) var speed: Speed
    private var capturer = SnapshotCapturer()
    private var notice: Notice?
    private var noticeCount = 0
    private let clock = ContinuousClock()
    private var lastTick: ContinuousClock.Instant
    /// (wall time, events delivered) samples for the events-per-second gauge.
    private var rateSamples: [(ContinuousClock.Instant, UInt64)] = []

    /// What the state looked like when the run last stood exactly at a round boundary: (rounds completed,
    /// events delivered, control actions applied). Tells "at the checkpoint" from "at the checkpoint's time,
    /// but something happened since" (an injection or an event at that very instant).
    private var boundary: (round: Int, events: UInt64, controls: UInt64)?

    /// - Parameter run: a run built with `keepCheckpoints: true` (stepping back restores checkpoints).
    public init(run: ScenarioRun, speed: Speed = .default) {
        self.run = run
        self.speed = speed
        lastTick = clock.now
        noteBoundary()
    }

    /// Records the state as a checkpoint's, when the run stands at a round boundary.
    private func noteBoundary() {
        let state = run.simulation.state
        guard run.simulation.now == checkpointTime(run.completedRounds) else { return }
        boundary = (run.completedRounds, state.eventsDelivered, state.controlsApplied)
    }

    /// Whether the state is exactly the checkpoint of the last completed round.
    private var atCheckpoint: Bool {
        guard let b = boundary, b.round == run.completedRounds, run.simulation.now == checkpointTime(b.round) else { return false }
        let state = run.simulation.state
        return state.eventsDelivered == b.events && state.controlsApplied == b.controls
    }

    /// A snapshot of the run as it stands.
    public func snapshot() -> DashboardSnapshot {
        capturer.capture(run, isRunning: isRunning, speed: speed, eventsPerSecond: isRunning ? eventsPerSecond() : 0, notice: notice)
    }

    private func say(_ text: String, error: Bool = false) {
        noticeCount += 1
        notice = Notice(id: noticeCount, text: text, isError: error)
    }

    /// Applies one command from the UI.
    public func apply(_ command: SimCommand) {
        switch command {
        case .toggleRun:
            if isRunning { isRunning = false; return }
            guard !run.isFinished else { say("the run is over: b steps back a round", error: true); return }
            isRunning = true
            lastTick = clock.now
            rateSamples = []
        case .pause:
            isRunning = false
        case .nextRound:
            isRunning = false
            guard !run.isFinished else { say("the run is over: b steps back a round", error: true); return }
            let row = run.runRound()
            noteBoundary()
            if let row {
                say("round \(row.round) done at \(Format.time(run.simulation.now)): \(row.events) events" +
                    (row.injections.isEmpty ? "" : ", " + row.injections.joined(separator: ", ")))
            }
        case .nextEvent:
            isRunning = false
            guard !run.isFinished else { say("the run is over: b steps back a round", error: true); return }
            let rounds = run.completedRounds
            run.stepEvent()
            // A step that completed the round leaves the run at its checkpoint: `b` then goes back a round.
            if run.completedRounds > rounds { noteBoundary() }
        case .previousRound:
            isRunning = false
            stepBack()
        case .faster: speed = speed.faster
        case .slower: speed = speed.slower
        case .setSpeed(let s): speed = s
        case .inject(let injection):
            guard !run.isFinished else { say("the run is over: step back (b) before injecting", error: true); return }
            injection.apply(run)
            // Apply it now rather than at the next step, so the screen shows its effect at once.
            var guardSteps = 0
            while let t = run.simulation.state.nextControlTime, t <= run.simulation.now, guardSteps < 10_000 {
                run.stepEvent()
                guardSteps += 1
            }
            say("\(injection.label) at \(Format.time(run.simulation.now))")
        }
    }

    /// The virtual time of the checkpoint kept at the end of round `k`.
    private func checkpointTime(_ k: Int) -> SimTime {
        k == 0 ? .zero : min(run.endTime, .zero + run.roundLength * Int64(k))
    }

    private func stepBack() {
        guard run.keepsCheckpoints else { say("stepping back needs checkpoints (build the run with keepCheckpoints)", error: true); return }
        let done = run.completedRounds
        let k = atCheckpoint ? done - 1 : done
        guard k >= 0 else { say("already at the start", error: true); return }
        run.restore(round: k)
        capturer.reset()
        noteBoundary()
        say("back to \(k == 0 ? "the start" : "the end of round \(k)") (\(Format.time(run.simulation.now))): state restored, later injections undone")
    }

    /// Advances the run by the wall time elapsed since the last tick times the speed, stopping early at
    /// `deadline` or when `interrupt` returns true (a command is waiting).
    public func tick(deadline: Duration = .milliseconds(40), interrupt: @escaping () -> Bool = { false }) {
        guard isRunning else { return }
        let start = clock.now
        let elapsed = min(start - lastTick, .milliseconds(250))
        lastTick = start
        let stopAt = start + deadline
        let clock = self.clock
        let shouldStop: (SimTime) -> Bool = { _ in interrupt() || clock.now >= stopAt }
        if let m = speed.multiplier {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let step = SimDuration(seconds: seconds * m)
            run.advance(to: run.simulation.now + max(step, .nanoseconds(1)), shouldStop: shouldStop)
        } else {
            run.advance(to: run.endTime, shouldStop: shouldStop)
        }
        noteBoundary()
        rateSamples.append((clock.now, run.simulation.state.eventsDelivered))
        while rateSamples.count > 2, clock.now - rateSamples[1].0 > .seconds(1) { rateSamples.removeFirst() }
        if run.isFinished {
            isRunning = false
            say("run finished at \(Format.time(run.simulation.now)) · fingerprint \(run.simulation.state.fingerprintHex)")
        }
    }

    private func eventsPerSecond() -> Double {
        guard let first = rateSamples.first, let last = rateSamples.last, last.0 > first.0 else { return 0 }
        let d = last.0 - first.0
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return Double(last.1 &- first.1) / seconds
    }
}
