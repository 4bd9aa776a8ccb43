import Dispatch
import Foundation
public import Scenario
import Synchronization

/// The simulation thread and its mailbox.
///
/// The UI (main thread) sends `SimCommand`s; the simulation thread owns the `ScenarioRun` (created on
/// that thread, never shared) and publishes an immutable `DashboardSnapshot` after each change. The two
/// exchange only values, through `Mutex`es: there is no shared mutable state. Paused, the simulation
/// thread blocks on a semaphore; running, it advances in slices of about 40 ms of wall time, and a
/// waiting command interrupts a slice.
public final class SimulationHost: Sendable {
    private struct Mailbox {
        var commands: [SimCommand] = []
        var quit = false
    }

    private let mailbox = Mutex(Mailbox())
    private let published = Mutex<(generation: Int, snapshot: DashboardSnapshot?)>((0, nil))
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let makeRun: @Sendable () -> ScenarioRun
    private let onPublish: @Sendable () -> Void
    private let speed: Speed

    /// - Parameters:
    ///   - makeRun: builds the run; called once, on the simulation thread.
    ///   - onPublish: called on the simulation thread after each new snapshot (wakes the UI).
    public init(speed: Speed = .default, makeRun: @escaping @Sendable () -> ScenarioRun, onPublish: @escaping @Sendable () -> Void) {
        self.makeRun = makeRun
        self.onPublish = onPublish
        self.speed = speed
    }

    /// Starts the simulation thread.
    public func start() {
        let thread = Thread { [self] in self.main() }
        thread.name = "inetlab-simulation"
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Queues a command for the simulation thread.
    public func send(_ command: SimCommand) {
        mailbox.withLock { $0.commands.append(command) }
        wake.signal()
    }

    /// The newest snapshot and its generation (increases with every publication).
    public func latest() -> (generation: Int, snapshot: DashboardSnapshot?) {
        published.withLock { $0 }
    }

    /// Stops the simulation thread and waits for it (at most `timeout`).
    public func stop(timeout: Duration = .seconds(2)) {
        mailbox.withLock { $0.quit = true }
        wake.signal()
        let ms = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        _ = done.wait(timeout: .now() + .milliseconds(ms))
    }

    private func publish(_ snapshot: DashboardSnapshot) {
        published.withLock { $0 = ($0.generation + 1, snapshot) }
        onPublish()
    }

    /// The simulation thread.
    private func main() {
        defer { done.signal() }
        let driver = SimulationDriver(run: makeRun(), speed: speed)
        publish(driver.snapshot())
        while true {
            if driver.isRunning {
                _ = wake.wait(timeout: .now() + .milliseconds(30))
            } else {
                wake.wait()
            }
            let (commands, quit) = mailbox.withLock { box -> ([SimCommand], Bool) in
                defer { box.commands.removeAll() }
                return (box.commands, box.quit)
            }
            if quit { return }
            for c in commands { driver.apply(c) }
            let wasRunning = driver.isRunning
            if wasRunning {
                driver.tick { [self] in self.mailbox.withLock { !$0.commands.isEmpty || $0.quit } }
            }
            if wasRunning || !commands.isEmpty { publish(driver.snapshot()) }
        }
    }
}
