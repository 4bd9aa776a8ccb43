import Dispatch
import HeapModule

/// Runs a `SimModel`: the clock, the event heap, and the windowed parallel executor.
///
/// ## Determinism
/// Every node handles its events in `(time, origin, seq)` order. A message between two nodes takes at least
/// `model.lookahead`, so within a window `[t, t + lookahead)` nothing a node does can reach another node:
/// the nodes of a window run in parallel (`DispatchQueue.concurrentPerform`), each touching only its own
/// state and appending to its own outbox, and the outboxes are merged into the heap afterwards. Keys are
/// unique, so the merge order cannot matter. Control actions are applied serially at window boundaries.
///
/// With one thread the same per-node order is produced by simply popping the heap (no windows), which is
/// faster; every node then sees exactly the same sequence of events, so the fingerprint is identical.
public final class Simulation<Model: SimModel> {
    /// The complete run state. Copy it to checkpoint; assign it to restore.
    public var state: SimState<Model>
    /// Worker threads for windows (1 = sequential). Any value gives the same run.
    public var threads: Int
    /// Receives every log entry, in canonical order, as it is finalised (for `--events out.jsonl`).
    public var logSink: ((LogEntry) -> Void)?

    // Reusable scratch for the windowed executor.
    private var inboxes: [[ScheduledEvent<Model.Message>]] = []
    private var active: [Int] = []
    private var workers: [WorkerOutput] = []

    public init(model: Model, nodes: [Model.Node], seed: UInt64, threads: Int = 1, logCapacity: Int = 10_000) {
        precondition(model.lookahead.nanoseconds > 0, "the lookahead must be positive")
        state = SimState(model: model, nodes: nodes, seed: seed, logCapacity: logCapacity)
        self.threads = max(1, threads)
    }

    /// The virtual time reached.
    public var now: SimTime { state.now }

    /// Why `run` returned.
    public enum Stop: Sendable, Equatable {
        /// The requested time was reached (events may remain after it).
        case reachedTime
        /// Nothing is left to do: no events and no control actions.
        case idle
        /// `shouldStop` asked to pause.
        case paused
    }

    /// Delivers every event and applies every control action earlier than `limit`, then sets the clock to
    /// `limit` (unless paused or idle earlier). `shouldStop` is polled between windows (or every few
    /// thousand events when sequential), so a pause from another thread takes effect promptly.
    @discardableResult
    public func run(until limit: SimTime, shouldStop: () -> Bool = { false }) -> Stop {
        let stop = threads == 1 ? runSequential(until: limit, shouldStop: shouldStop)
                                : runWindowed(until: limit, shouldStop: shouldStop)
        if stop == .reachedTime || stop == .idle, limit != .never { state.now = max(state.now, limit) }
        state.flushLogs(before: stop == .paused ? state.now : .never, sink: logSink)
        return stop
    }

    /// Delivers exactly one event, or applies one control action if it comes first. Returns false when idle.
    @discardableResult
    public func step() -> Bool {
        let nextEvent = state.heap.min?.time, nextControl = state.controls.min?.time
        switch (nextEvent, nextControl) {
        case (nil, nil): return false
        case (_, let c?) where nextEvent == nil || c <= nextEvent!:
            state.applyNextControl()
        default:
            var ctx = makeContext()
            deliverNext(&ctx, model: state.model)
            pushOutbox(&ctx)
        }
        state.flushLogs(before: .never, sink: logSink)
        return true
    }

    /// The time of whatever happens next, event or control action.
    public var nextTime: SimTime? {
        switch (state.heap.min?.time, state.controls.min?.time) {
        case (nil, nil): return nil
        case (let e?, nil): return e
        case (nil, let c?): return c
        case (let e?, let c?): return min(e, c)
        }
    }

    // MARK: Sequential executor

    private func makeContext() -> NodeContext<Model.Message> {
        NodeContext(now: state.now, node: 0, random: SimRandom(seed: 0), seq: 0, logSeq: 0, lookahead: state.model.lookahead)
    }

    /// Pops and delivers the next event with the sequential executor's context.
    @inline(__always)
    private func deliverNext(_ ctx: inout NodeContext<Model.Message>, model: Model) {
        guard let e = state.heap.popMin() else { return }
        let n = Int(e.target)
        state.now = e.time
        ctx.now = e.time
        ctx.node = n
        var slot = state.slots[n]
        ctx.random = slot.random
        ctx.seq = slot.seq
        ctx.logSeq = slot.logSeq
        slot.fingerprint = Self.mix(slot.fingerprint, e, model.digest(e.message))
        slot.delivered &+= 1
        model.handle(e.message, node: &state.nodes[n], context: &ctx)
        slot.random = ctx.random
        slot.seq = ctx.seq
        slot.logSeq = ctx.logSeq
        state.slots[n] = slot
    }

    @inline(__always)
    private func pushOutbox(_ ctx: inout NodeContext<Model.Message>) {
        for e in ctx.outbox { state.heap.insert(e) }
        ctx.outbox.removeAll(keepingCapacity: true)
        if !ctx.logs.isEmpty {
            state.pendingLogs.append(contentsOf: ctx.logs)
            ctx.logs.removeAll(keepingCapacity: true)
        }
    }

    private func runSequential(until limit: SimTime, shouldStop: () -> Bool) -> Stop {
        var ctx = makeContext()
        var flushedBefore = state.now
        var budget = 4096
        var model = state.model  // controls may change the model: refreshed after each
        while true {
            let nextControl = state.controls.min?.time ?? .never
            guard let next = state.heap.min else {
                if nextControl < limit { state.applyNextControl(); model = state.model; continue }
                return .idle
            }
            let t = next.time
            if nextControl <= t && nextControl < limit { state.applyNextControl(); model = state.model; continue }
            if t >= limit { return .reachedTime }
            if t > flushedBefore, !state.pendingLogs.isEmpty {
                state.flushLogs(before: t, sink: logSink)
                flushedBefore = t
            }
            deliverNext(&ctx, model: model)
            pushOutbox(&ctx)
            budget -= 1
            if budget == 0 {
                budget = 4096
                if shouldStop() { return .paused }
            }
        }
    }

    // MARK: Windowed parallel executor

    /// One worker's output for one window.
    struct WorkerOutput {
        var outgoing: [ScheduledEvent<Model.Message>] = []
        var logs: [LogEntry] = []
        var local = Heap<ScheduledEvent<Model.Message>>()
    }

    private func runWindowed(until limit: SimTime, shouldStop: () -> Bool) -> Stop {
        if inboxes.count != state.nodes.count { inboxes = Array(repeating: [], count: state.nodes.count) }
        if workers.count != threads { workers = Array(repeating: WorkerOutput(), count: threads) }
        let lookahead = state.model.lookahead
        while true {
            if shouldStop() { return .paused }
            let nextControl = state.controls.min?.time ?? .never
            guard let first = state.heap.min?.time else {
                if nextControl < limit { state.applyNextControl(); continue }
                return .idle
            }
            if nextControl <= first && nextControl < limit { state.applyNextControl(); continue }
            if first >= limit { return .reachedTime }
            let end = min(first + lookahead, nextControl, limit)

            // Gather this window's events per target node; the heap yields them in key order.
            active.removeAll(keepingCapacity: true)
            while let e = state.heap.min, e.time < end {
                state.heap.removeMin()
                let n = Int(e.target)
                if inboxes[n].isEmpty { active.append(n) }
                inboxes[n].append(e)
            }
            state.now = first
            executeWindow(end: end)
            // Merge: outboxes into the heap (unique keys make the order irrelevant), logs in canonical order.
            for w in workers.indices {
                for e in workers[w].outgoing { state.heap.insert(e) }
                workers[w].outgoing.removeAll(keepingCapacity: true)
                state.pendingLogs.append(contentsOf: workers[w].logs)
                workers[w].logs.removeAll(keepingCapacity: true)
            }
            for n in active { inboxes[n].removeAll(keepingCapacity: true) }
            state.flushLogs(before: end, sink: logSink)
            if let last = lastDeliveredTime { state.now = max(state.now, last) }
        }
    }

    private var lastDeliveredTime: SimTime?

    private func executeWindow(end: SimTime) {
        let model = state.model
        let chunks = min(threads, active.count)
        // Take the node arrays out of `state` while workers hold pointers into them (no copy, no overlapping access).
        var nodes: [Model.Node] = [], slots: [NodeSlot] = []
        swap(&nodes, &state.nodes)
        swap(&slots, &state.slots)
        defer { swap(&nodes, &state.nodes); swap(&slots, &state.slots) }
        var latest = [SimTime](repeating: .zero, count: max(chunks, 1))
        nodes.withUnsafeMutableBufferPointer { nodesBuf in
            slots.withUnsafeMutableBufferPointer { slotsBuf in
                inboxes.withUnsafeBufferPointer { inboxBuf in
                    active.withUnsafeBufferPointer { activeBuf in
                        workers.withUnsafeMutableBufferPointer { workerBuf in
                            latest.withUnsafeMutableBufferPointer { latestBuf in
                                let shared = WindowPointers(nodes: nodesBuf, slots: slotsBuf, inboxes: inboxBuf,
                                                            active: activeBuf, workers: workerBuf)
                                if chunks <= 1 {
                                    latestBuf[0] = Self.runChunk(0, of: 1, shared, model: model, end: end)
                                } else {
                                    let out = UnsafeSendable(latestBuf)
                                    DispatchQueue.concurrentPerform(iterations: chunks) { c in
                                        out.value[c] = Self.runChunk(c, of: chunks, shared, model: model, end: end)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        lastDeliveredTime = latest.max()
    }

    /// Runs the active nodes `[c*k/chunks, (c+1)*k/chunks)` of the window on worker `c`.
    private static func runChunk(_ c: Int, of chunks: Int, _ p: WindowPointers<Model>, model: Model, end: SimTime) -> SimTime {
        let k = p.active.count
        var latest = SimTime.zero
        var ctx = NodeContext<Model.Message>(now: .zero, node: 0, random: SimRandom(seed: 0), seq: 0, logSeq: 0, lookahead: model.lookahead)
        let w = p.workers.baseAddress! + c
        for i in (c * k / chunks)..<((c + 1) * k / chunks) {
            let n = p.active[i]
            let slot = p.slots.baseAddress! + n
            ctx.node = n
            ctx.random = slot.pointee.random
            ctx.seq = slot.pointee.seq
            ctx.logSeq = slot.pointee.logSeq
            let inbox = p.inboxes[n]
            var next = 0
            while true {
                // The next event for this node: from the inbox (already sorted) or self-scheduled in this window.
                let e: ScheduledEvent<Model.Message>
                if let l = w.pointee.local.min, next == inbox.count || l < inbox[next] {
                    e = w.pointee.local.removeMin()
                } else if next < inbox.count {
                    e = inbox[next]; next += 1
                } else { break }
                ctx.now = e.time
                slot.pointee.fingerprint = mix(slot.pointee.fingerprint, e, model.digest(e.message))
                slot.pointee.delivered &+= 1
                model.handle(e.message, node: &p.nodes[n], context: &ctx)
                for o in ctx.outbox {
                    if o.target == UInt32(n) && o.time < end { w.pointee.local.insert(o) } else { w.pointee.outgoing.append(o) }
                }
                ctx.outbox.removeAll(keepingCapacity: true)
                latest = max(latest, e.time)
            }
            slot.pointee.random = ctx.random
            slot.pointee.seq = ctx.seq
            slot.pointee.logSeq = ctx.logSeq
            if !ctx.logs.isEmpty {
                w.pointee.logs.append(contentsOf: ctx.logs)
                ctx.logs.removeAll(keepingCapacity: true)
            }
        }
        return latest
    }

    @inline(__always)
    static func mix(_ h: UInt64, _ e: ScheduledEvent<Model.Message>, _ digest: UInt64) -> UInt64 {
        var x = h ^ UInt64(bitPattern: e.time.nanoseconds)
        x = SplitMix64.mix(x) ^ (UInt64(e.origin) << 32 | UInt64(truncatingIfNeeded: e.seq))
        return SplitMix64.mix(x ^ digest)
    }
}

/// Raw buffers shared by the workers of one window.
///
/// `@unchecked Sendable` is safe here because, during `concurrentPerform`, worker `c` writes only
/// `workers[c]`, and the nodes and slots at the indices of its own slice of `active`; the slices are
/// disjoint and `active` holds each node once, so no two workers touch the same element. `inboxes` and
/// `active` are only read. The buffers outlive the `concurrentPerform` call, which returns only after
/// every worker has finished.
struct WindowPointers<Model: SimModel>: @unchecked Sendable {
    let nodes: UnsafeMutableBufferPointer<Model.Node>
    let slots: UnsafeMutableBufferPointer<NodeSlot>
    let inboxes: UnsafeBufferPointer<[ScheduledEvent<Model.Message>]>
    let active: UnsafeBufferPointer<Int>
    let workers: UnsafeMutableBufferPointer<Simulation<Model>.WorkerOutput>
}

/// A buffer each worker writes one distinct element of (index = worker number).
///
/// `@unchecked Sendable` is safe because each `concurrentPerform` iteration writes only its own index.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: UnsafeMutableBufferPointer<T>
    init(_ value: UnsafeMutableBufferPointer<T>) { self.value = value }
}
