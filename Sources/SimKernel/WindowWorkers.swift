import Foundation
import Synchronization

/// The helper threads of the windowed executor, woken once per window.
///
/// A window of a P2P scenario holds a few dozen events (a lookahead of tens of milliseconds), so waking
/// pool threads through the kernel for each one (`DispatchQueue.concurrentPerform`) costs about as much
/// as the work. Helpers here spin for a few microseconds between windows and sleep on a semaphore only
/// when none comes; the caller runs share 0 itself and spins until the helpers are done.
@usableFromInline final class WindowWorkers: Sendable {
    /// The most threads a window runs on (the caller and 63 helpers); more are capped to it.
    @usableFromInline static let maxThreads = 64
    /// Threads beyond the cores only take turns spinning (64 threads on 2 cores ran 8× slower than 2):
    /// at most the active cores, and at least 2.
    @usableFromInline static let usefulThreads = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// Helper threads (shares `1...helpers`); share 0 runs on the caller.
    @usableFromInline let helpers: Int
    private let shared: Shared

    @usableFromInline init(helpers: Int) {
        precondition(helpers >= 1 && helpers < Self.maxThreads, "between 1 and \(Self.maxThreads - 1) helper threads")
        self.helpers = helpers
        let shared = Shared(helpers: helpers)
        self.shared = shared
        for h in 1...helpers {
            let thread = Thread { shared.serve(share: h) }
            // Handlers nest deeply in unoptimised builds; give helpers the stack the caller would have.
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    deinit {
        shared.stop.store(true, ordering: .sequentiallyConsistent)
        shared.wakeSleepers()
    }

    /// Runs `body(0)` here and `body(h)` on helper `h`, and returns when every share has finished.
    @usableFromInline func run(_ body: @escaping @Sendable (Int) -> Void) {
        shared.job = body
        shared.done.store(0, ordering: .relaxed)
        shared.generation.add(1, ordering: .sequentiallyConsistent)
        shared.wakeSleepers()
        body(0)
        var spins = 0
        while shared.done.load(ordering: .acquiring) < helpers {
            spins += 1
            if spins > 2_000 { sched_yield() }
        }
        shared.job = nil
    }

    /// State the caller and the helpers share.
    ///
    /// `@unchecked Sendable` is safe because `job`, the only non-atomic field, is written by the caller
    /// only while no helper can read it: before the `generation` increment that releases a window (a
    /// helper reads `job` only after its acquiring load sees that increment), and after every helper has
    /// counted itself in `done` (whose acquiring load orders the helpers' reads before the write).
    private final class Shared: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        /// Bit `h` set: helper `h` is asleep (or about to be) on `semaphores[h]`.
        let sleeping = Atomic<UInt64>(0)
        let semaphores: [DispatchSemaphore]
        var job: (@Sendable (Int) -> Void)?

        init(helpers: Int) { semaphores = (0...helpers).map { _ in DispatchSemaphore(value: 0) } }

        func wakeSleepers() {
            var asleep = sleeping.exchange(0, ordering: .sequentiallyConsistent)
            while asleep != 0 {
                let h = asleep.trailingZeroBitCount
                semaphores[h].signal()
                asleep &= asleep - 1
            }
        }

        /// A helper's loop: wait for the next window (spinning, then asleep), run its share, report.
        func serve(share h: Int) {
            let bit = UInt64(1) << h
            var seen = 0
            while true {
                var spins = 0
                while generation.load(ordering: .acquiring) == seen {
                    if stop.load(ordering: .acquiring) { return }
                    spins += 1
                    if spins < 2_000 { continue }
                    // More threads than free cores: let the thread that has the work run.
                    if spins < 4_000 { sched_yield(); continue }
                    spins = 0
                    // Announce the sleep, then look again: either this look sees the new window, or the
                    // caller's `wakeSleepers` (after its increment) sees the bit and signals.
                    sleeping.bitwiseOr(bit, ordering: .sequentiallyConsistent)
                    if generation.load(ordering: .sequentiallyConsistent) != seen || stop.load(ordering: .sequentiallyConsistent) {
                        let before = sleeping.bitwiseAnd(~bit, ordering: .sequentiallyConsistent).oldValue
                        // The caller took the bit first: its signal is coming; consume it.
                        if before & bit == 0 { semaphores[h].wait() }
                    } else {
                        semaphores[h].wait()
                    }
                }
                seen += 1
                job?(h)
                done.add(1, ordering: .releasing)
            }
        }
    }
}
