public import Dispatch
public import HeapModule

/// Why `Simulation.run` returned.
public enum RunStop: Sendable, Equatable {
    /// The requested time was reached (events may remain after it).
    case reachedTime
    /// Nothing is left to do: no events and no control actions.
    case idle
    /// `shouldStop` asked to pause.
    case paused
}

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
///
/// The hot loops are `@inlinable` so that they are specialised for each model in the module that uses it.
public final class Simulation<Model: SimModel> {
    public typealias Stop = RunStop

    /// The complete run state. Copy it to checkpoint; assign it to restore.
    public var state: SimState<Model>
    /// Worker threads for windows (1 = sequential). Any value gives the same run.
    public var threads: Int
    /// Receives every log entry, in canonical order, as it is finalised (for `--events out.jsonl`).
    public var logSink: ((LogEntry) -> Void)?
    @usableFromInline var executor = WindowExecutor<Model>()

    public init(model: Model, nodes: [Model.Node], seed: UInt64, threads: Int = 1, logCapacity: Int = 10_000) {
        precondition(model.lookahead.nanoseconds > 0, "the lookahead must be positive")
        state = SimState(model: model, nodes: nodes, seed: seed, logCapacity: logCapacity)
        self.threads = max(1, threads)
    }

    /// The virtual time reached.
    public var now: SimTime { state.now }

    /// Delivers every event and applies every control action earlier than `limit`, then sets the clock to
    /// `limit` (unless paused or idle earlier). `shouldStop` is polled with the current virtual time between
    /// windows (or every few thousand events when sequential), so a pause from another thread takes effect
    /// promptly. It must not touch the simulation (the run holds it).
    @inlinable @discardableResult
    public func run(until limit: SimTime, shouldStop: (_ now: SimTime) -> Bool = { _ in false }) -> RunStop {
        let stop = threads == 1
            ? state.runSequential(until: limit, shouldStop: shouldStop, logSink: logSink)
            : executor.run(&state, threads: threads, until: limit, shouldStop: shouldStop, logSink: logSink)
        if stop == .reachedTime || stop == .idle, limit != .never { state._now = max(state._now, limit) }
        state.flushLogs(before: stop == .paused ? state.now : .never, sink: logSink)
        return stop
    }

    /// Delivers exactly one event, or applies one control action if it comes first. Returns false when idle.
    @discardableResult
    public func step() -> Bool {
        let stepped = state.stepOne()
        state.flushLogs(before: .never, sink: logSink)
        return stepped
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
}

// MARK: Sequential executor

extension SimState {
    @inlinable func makeContext() -> NodeContext<Model.Message> {
        NodeContext(now: now, node: 0, random: SimRandom(seed: 0), seq: 0, logSeq: 0, lookahead: model.lookahead)
    }

    @usableFromInline mutating func stepOne() -> Bool {
        let nextEvent = heap.min?.time, nextControl = controls.min?.time
        if let c = nextControl, nextEvent.map({ c <= $0 }) ?? true {
            applyNextControl()
            return true
        }
        guard nextEvent != nil else { return false }
        var ctx = makeContext()
        deliverNext(&ctx, model: model)
        pushOutbox(&ctx)
        return true
    }

    /// Pops and delivers the next event.
    @inlinable @inline(__always)
    mutating func deliverNext(_ ctx: inout NodeContext<Model.Message>, model: Model) {
        guard let e = heap.popMin() else { return }
        let n = Int(e.target)
        _now = e.time
        ctx._now = e.time
        ctx._node = n
        var slot = _slots[n]
        ctx.random = slot.random
        ctx.seq = slot.seq
        ctx.logSeq = slot.logSeq
        slot.fingerprint = fingerprintStep(slot.fingerprint, e, model.digest(e.message))
        slot.delivered &+= 1
        model.handle(e.message, node: &nodes[n], context: &ctx)
        slot.random = ctx.random
        slot.seq = ctx.seq
        slot.logSeq = ctx.logSeq
        _slots[n] = slot
    }

    @inlinable @inline(__always)
    mutating func pushOutbox(_ ctx: inout NodeContext<Model.Message>) {
        // Moved out one by one (no retain/release of payloads); keys are unique, so the order in which
        // they enter the heap cannot change the order in which they leave it.
        while let e = ctx.outbox.popLast() { heap.insert(e) }
        if !ctx.logs.isEmpty {
            pendingLogs.append(contentsOf: ctx.logs)
            ctx.logs.removeAll(keepingCapacity: true)
        }
    }

    @inlinable
    mutating func runSequential(until limit: SimTime, shouldStop: (SimTime) -> Bool, logSink: ((LogEntry) -> Void)?) -> RunStop {
        var ctx = makeContext()
        var flushedBefore = now
        var budget = 4096
        var model = self.model  // control actions may change the model: refreshed after each
        var nextControl = controls.min?.time ?? .never
        while true {
            guard let t = heap.minTime else {
                if nextControl < limit {
                    applyNextControl(); model = self.model; nextControl = controls.min?.time ?? .never
                    continue
                }
                return .idle
            }
            if nextControl <= t && nextControl < limit {
                applyNextControl(); model = self.model; nextControl = controls.min?.time ?? .never
                continue
            }
            if t >= limit { return .reachedTime }
            if t > flushedBefore, !pendingLogs.isEmpty {
                flushLogs(before: t, sink: logSink)
                flushedBefore = t
            }
            deliverNext(&ctx, model: model)
            pushOutbox(&ctx)
            budget &-= 1
            if budget == 0 {
                budget = 4096
                if shouldStop(_now) { return .paused }
                // A control scheduled from another call (e.g. by the UI between runs) is picked up here too.
                nextControl = controls.min?.time ?? .never
            }
        }
    }
}

/// One step of a node's running fingerprint: mixes in the event's key and the message digest.
@inlinable @inline(__always)
func fingerprintStep<M>(_ h: UInt64, _ e: ScheduledEvent<M>, _ digest: UInt64) -> UInt64 {
    var x = h ^ UInt64(bitPattern: e.time.nanoseconds)
    x = SplitMix64.mix(x) ^ (UInt64(e.origin) << 32 | UInt64(truncatingIfNeeded: e.seq))
    return SplitMix64.mix(x ^ digest)
}

// MARK: Windowed parallel executor

/// One worker's output for one window.
@usableFromInline struct WorkerOutput<Message> {
    @usableFromInline var outgoing: [ScheduledEvent<Message>] = []
    @usableFromInline var logs: [LogEntry] = []
    @usableFromInline var local = EventHeap<Message>()
    @usableFromInline var latest = SimTime.zero
    @usableFromInline init() {}
}

/// Reusable scratch space of the windowed executor.
@usableFromInline struct WindowExecutor<Model: SimModel> {
    @usableFromInline var inboxes: [[ScheduledEvent<Model.Message>]] = []
    @usableFromInline var active: [Int] = []
    @usableFromInline var workers: [WorkerOutput<Model.Message>] = []
    @usableFromInline init() {}

    @inlinable
    mutating func run(_ state: inout SimState<Model>, threads: Int, until limit: SimTime, shouldStop: (SimTime) -> Bool,
                      logSink: ((LogEntry) -> Void)?) -> RunStop {
        if inboxes.count != state.nodes.count { inboxes = Array(repeating: [], count: state.nodes.count) }
        if workers.count != threads { workers = Array(repeating: WorkerOutput(), count: threads) }
        let lookahead = state.model.lookahead
        while true {
            if shouldStop(state._now) { return .paused }
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
                _ = state.heap.popMin()
                let n = Int(e.target)
                if inboxes[n].isEmpty { active.append(n) }
                inboxes[n].append(e)
            }
            state._now = first
            let latest = execute(&state, threads: threads, end: end)
            // Merge: outboxes into the heap (unique keys make the order irrelevant), logs in canonical order.
            for w in workers.indices {
                while let e = workers[w].outgoing.popLast() { state.heap.insert(e) }
                if !workers[w].logs.isEmpty {
                    state.pendingLogs.append(contentsOf: workers[w].logs)
                    workers[w].logs.removeAll(keepingCapacity: true)
                }
            }
            for n in active { inboxes[n].removeAll(keepingCapacity: true) }
            state.flushLogs(before: end, sink: logSink)
            state._now = max(state._now, latest)
        }
    }

    /// Runs the window's active nodes, split into `threads` contiguous slices. Returns the latest event time.
    @inlinable
    mutating func execute(_ state: inout SimState<Model>, threads: Int, end: SimTime) -> SimTime {
        let model = state.model
        let chunks = min(threads, active.count)
        return state.nodes.withUnsafeMutableBufferPointer { nodesBuf in
            state._slots.withUnsafeMutableBufferPointer { slotsBuf in
                inboxes.withUnsafeBufferPointer { inboxBuf in
                    active.withUnsafeBufferPointer { activeBuf in
                        workers.withUnsafeMutableBufferPointer { workerBuf in
                            let shared = WindowPointers<Model>(nodes: nodesBuf, slots: slotsBuf, inboxes: inboxBuf,
                                                        active: activeBuf, workers: workerBuf)
                            if chunks <= 1 {
                                Self.runChunk(0, of: 1, shared, model: model, end: end)
                            } else {
                                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                                    Self.runChunk(c, of: chunks, shared, model: model, end: end)
                                }
                            }
                            var latest = SimTime.zero
                            for c in 0..<max(chunks, 1) { latest = max(latest, workerBuf[c].latest) }
                            return latest
                        }
                    }
                }
            }
        }
    }

    /// Runs the active nodes `[c*k/chunks, (c+1)*k/chunks)` of the window on worker `c`.
    @inlinable
    static func runChunk(_ c: Int, of chunks: Int, _ p: WindowPointers<Model>, model: Model, end: SimTime) {
        let k = p.active.count
        var latest = SimTime.zero
        var ctx = NodeContext<Model.Message>(now: .zero, node: 0, random: SimRandom(seed: 0), seq: 0, logSeq: 0, lookahead: model.lookahead)
        let w = p.workers.baseAddress! + c
        let slots = p.slots.baseAddress!, nodes = p.nodes.baseAddress!
        for i in (c * k / chunks)..<((c + 1) * k / chunks) {
            let n = p.active[i]
            let slot = slots + n
            ctx._node = n
            ctx.random = slot.pointee.random
            ctx.seq = slot.pointee.seq
            ctx.logSeq = slot.pointee.logSeq
            let inbox = p.inboxes[n]
            var next = 0
            while true {
                // The next event for this node: from the inbox (already sorted) or self-scheduled in this window.
                let e: ScheduledEvent<Model.Message>
                if let l = w.pointee.local.min, next == inbox.count || l < inbox[next] {
                    e = w.pointee.local.popMin()!
                } else if next < inbox.count {
                    e = inbox[next]; next += 1
                } else { break }
                ctx._now = e.time
                slot.pointee.fingerprint = fingerprintStep(slot.pointee.fingerprint, e, model.digest(e.message))
                slot.pointee.delivered &+= 1
                model.handle(e.message, node: &(nodes + n).pointee, context: &ctx)
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
        w.pointee.latest = latest
    }
}

/// Raw buffers shared by the workers of one window.
///
/// `@unchecked Sendable` is safe here because, during `concurrentPerform`, worker `c` writes only
/// `workers[c]`, and the nodes and slots at the indices of its own slice of `active`; the slices are
/// disjoint and `active` holds each node once, so no two workers touch the same element. `inboxes` and
/// `active` are only read. The buffers outlive the `concurrentPerform` call, which returns only after
/// every worker has finished.
@usableFromInline struct WindowPointers<Model: SimModel>: @unchecked Sendable {
    @usableFromInline let nodes: UnsafeMutableBufferPointer<Model.Node>
    @usableFromInline let slots: UnsafeMutableBufferPointer<NodeSlot>
    @usableFromInline let inboxes: UnsafeBufferPointer<[ScheduledEvent<Model.Message>]>
    @usableFromInline let active: UnsafeBufferPointer<Int>
    @usableFromInline let workers: UnsafeMutableBufferPointer<WorkerOutput<Model.Message>>
    @inlinable init(nodes: UnsafeMutableBufferPointer<Model.Node>, slots: UnsafeMutableBufferPointer<NodeSlot>,
                    inboxes: UnsafeBufferPointer<[ScheduledEvent<Model.Message>]>, active: UnsafeBufferPointer<Int>,
                    workers: UnsafeMutableBufferPointer<WorkerOutput<Model.Message>>) {
        self.nodes = nodes; self.slots = slots; self.inboxes = inboxes; self.active = active; self.workers = workers
    }
}
