/// A synthetic workload for tests and benchmarks: nodes that exchange timed messages with random
/// peers and set themselves random timers, optionally doing some CPU work per event.
///
/// Used to measure engine throughput (events per second) and to prove determinism across thread counts.
public struct SyntheticWorkload: SimModel {
    public struct Node: Sendable, Hashable {
        public var received: UInt64 = 0
        public var timers: UInt64 = 0
        public var checksum: UInt64 = 0
        public var paused = false
        public init() {}
    }

    public enum Message: Sendable, Hashable {
        case token(hops: UInt32)
        case timer
    }

    public enum Control: Sendable, Hashable {
        /// Nodes in the range ignore messages until resumed (a crude failure injection).
        case pause(Range<Int>)
        case resume(Range<Int>)
    }

    public let lookahead: SimDuration
    /// Extra random delay on top of the lookahead, up to this much.
    public let jitter: SimDuration
    /// Iterations of integer work done per event (0 = pure engine overhead).
    public let workPerEvent: Int
    /// Probability that handling a token also sets a timer.
    public let timerProbability: Double
    public let nodeCount: Int

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

    public func digest(_ message: Message) -> UInt64 {
        switch message {
        case .token(let hops): return UInt64(hops) &+ 1
        case .timer: return 0x7133
        }
    }

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
