/// A synthetic workload for tests and benchmarks: nodes that exchange timed messages with random
/// peers and set themselves random timers, optionally doing some CPU work per event.
///
/// Used to measure engine throughput (events per second) and to prove determinism across thread counts.
public struct SyntheticWorkload: SimModel {
    /// Per-node counters.
    public struct Node: Sendable, Hashable {
        /// Tokens received.
        public var received: UInt64 = 0
        /// Timers fired.
        public var timers: UInt64 = 0
        /// A running hash of the events handled (it keeps the per-event work from being optimised away).
        public var checksum: UInt64 = 0
        /// True between a `pause` and a `resume`: messages are ignored.
        public var paused = false
        /// A fresh node: nothing counted, not paused.
        public init() {}
    }

    /// What the synthetic nodes exchange.
    public enum Message: Sendable, Hashable {
        /// A token passed from node to node; `hops` counts the forwards so far.
        case token(hops: UInt32)
        /// A timer a node set for itself.
        case timer
    }

    /// Failure injections for the synthetic workload.
    public enum Control: Sendable, Hashable {
        /// Nodes in the range ignore messages until resumed (a crude failure injection).
        case pause(Range<Int>)
        /// Nodes in the range handle messages again.
        case resume(Range<Int>)
    }

    /// The smallest delay of a token between nodes (the window width).
    public let lookahead: SimDuration
    /// Extra random delay on top of the lookahead, up to this much.
    public let jitter: SimDuration
    /// Iterations of integer work done per event (0 = pure engine overhead).
    public let workPerEvent: Int
    /// Probability that handling a token also sets a timer.
    public let timerProbability: Double
    /// The number of nodes; each token goes to one of them chosen uniformly.
    public let nodeCount: Int

    /// A workload over `nodeCount` nodes; a token takes `lookahead` plus a random part of `jitter`.
    public init(nodeCount: Int, lookahead: SimDuration = .milliseconds(10), jitter: SimDuration = .milliseconds(40),
                workPerEvent: Int = 0, timerProbability: Double = 0.25) {
        self.nodeCount = nodeCount; self.lookahead = lookahead; self.jitter = jitter
        self.workPerEvent = workPerEvent; self.timerProbability = timerProbability
    }

    /// A ready-to-run simulation with `tokensPerNode` tokens in flight from each node.
    public static func simulation(nodes: Int, tokensPerNode: Int = 1, seed: UInt64, threads: Int,
                                  workPerEvent: Int = 0) -> Simulation<SyntheticWorkload> {
        let model = SyntheticWorkload(nodeCount: nodes, workPerEvent: workPerEvent)
        let sim = Simulation(model: model, nodes: Array(repeating: Node(), count: nodes), seed: seed, threads: threads)
        for n in 0..<nodes {
            for k in 0..<tokensPerNode {
                sim.state.schedule(.token(hops: 0), to: n, at: SimTime(nanoseconds: Int64(k) * 1_000_000))
            }
        }
        return sim
    }

    /// Does the per-event work, then forwards a token to a random node (sometimes also setting a timer) or counts a timer.
    /// A paused node does nothing.
    public func handle(_ message: Message, node: inout Node, context: inout NodeContext<Message>) {
        if node.paused { return }
        var x = node.checksum
        for i in 0..<workPerEvent { x = SplitMix64.mix(x &+ UInt64(i)) }
        switch message {
        case .token(let hops):
            node.received &+= 1
            node.checksum = SplitMix64.mix(x ^ UInt64(hops) ^ UInt64(bitPattern: context.now.nanoseconds))
            let target = Int(context.random.next() % UInt64(nodeCount))
            let delay = lookahead + .nanoseconds(Int64(context.random.next() % UInt64(max(1, jitter.nanoseconds))))
            context.send(.token(hops: hops &+ 1), to: target, at: context.now + delay)
            if context.random.chance(timerProbability) {
                context.scheduleSelf(.timer, after: .nanoseconds(Int64(context.random.next() % UInt64(lookahead.nanoseconds * 2))))
            }
            if hops % 1000 == 999 { context.log("token.milestone", [LogField("hops", Int(hops))]) }
        case .timer:
            node.timers &+= 1
            node.checksum = SplitMix64.mix(x ^ 0x7133)
        }
    }

    /// The token's hop count plus one, or a constant for a timer.
    public func digest(_ message: Message) -> UInt64 {
        switch message {
        case .token(let hops): return UInt64(hops) &+ 1
        case .timer: return 0x7133
        }
    }

    /// Pauses or resumes a range of nodes and logs `inject.pause` or `inject.resume`.
    public static func apply(_ control: Control, to world: inout SimState<SyntheticWorkload>) {
        switch control {
        case .pause(let r):
            for n in r { world.nodes[n].paused = true }
            world.log("inject.pause", [LogField("nodes", "\(r.lowerBound)..<\(r.upperBound)")])
        case .resume(let r):
            for n in r { world.nodes[n].paused = false }
            world.log("inject.resume", [LogField("nodes", "\(r.lowerBound)..<\(r.upperBound)")])
        }
    }
}
