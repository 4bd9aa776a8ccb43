public import SimKernel

/// A small built-in application for first labs: probers send datagram probes (and optionally open
/// connections) to targets round-robin; responders echo probes and accept connections.
/// It makes NAT behaviour visible: a probe to a host behind a NAT goes unanswered.
public struct PingApp: HostApplication, Hashable {
    public enum Payload: Sendable, Hashable {
        case probe(seq: UInt32, sentAt: SimTime)
        case reply(seq: UInt32, sentAt: SimTime)
        case hello
    }

    /// What a host running the ping application does.
    public struct Config: Sendable, Hashable {
        /// The port it listens and answers on.
        public var port: UInt16 = 7
        /// Targets to probe, in order; empty means responder only.
        public var targets: [Endpoint] = []
        public var interval: SimDuration = .seconds(1)
        /// Probe size in bytes.
        public var size: Int = 64
        /// Also open a connection to each target (every `connectEvery` probes; 0 = never).
        public var connectEvery: Int = 0
        public init(port: UInt16 = 7, targets: [Endpoint] = [], interval: SimDuration = .seconds(1), size: Int = 64, connectEvery: Int = 0) {
            self.port = port; self.targets = targets; self.interval = interval; self.size = size; self.connectEvery = connectEvery
        }
    }

    /// What it measured.
    public struct Metrics: Sendable, Hashable, Codable {
        public var probesSent = 0
        public var repliesReceived = 0
        public var probesAnswered = 0
        public var rttTotal = SimDuration.zero
        public var rttMax = SimDuration.zero
        public var connectsSucceeded = 0
        public var connectsFailed = 0
        public var connectionsAccepted = 0
        public init() {}
    }

    public var config: Config
    public var metrics = Metrics()
    var seq: UInt32 = 0

    public init(config: Config) { self.config = config }

    public mutating func handle(_ event: AppEvent<Payload>, io: inout HostIO<Payload>) {
        switch event {
        case .start:
            io.listen(on: config.port)
            if !config.targets.isEmpty {
                // Spread the first probe over one interval so hosts do not all fire at once.
                io.setTimer(0, after: .nanoseconds(Int64(io.random.next() % UInt64(config.interval.nanoseconds))))
            }
        case .timer:
            let target = config.targets[Int(seq) % config.targets.count]
            seq &+= 1
            io.sendDatagram(.probe(seq: seq, sentAt: io.now), size: config.size, from: config.port, to: target)
            metrics.probesSent += 1
            if config.connectEvery > 0, Int(seq) % config.connectEvery == 0 {
                _ = io.connect(to: target)
            }
            io.setTimer(0, after: config.interval)
        case .datagram(let from, _, let payload, let size):
            switch payload {
            case .probe(let s, let sentAt):
                metrics.probesAnswered += 1
                io.sendDatagram(.reply(seq: s, sentAt: sentAt), size: size, from: config.port, to: from)
            case .reply(_, let sentAt):
                let rtt = io.now - sentAt
                metrics.repliesReceived += 1
                metrics.rttTotal = metrics.rttTotal + rtt
                metrics.rttMax = max(metrics.rttMax, rtt)
            case .hello: break
            }
        case .connected(let id, _):
            metrics.connectsSucceeded += 1
            io.send(.hello, size: 100, on: id)
            io.close(id)
        case .connectFailed:
            metrics.connectsFailed += 1
        case .accepted:
            metrics.connectionsAccepted += 1
        case .received, .closed:
            break
        }
    }

    public mutating func crash() {
        seq = 0
    }

    public static func digest(_ payload: Payload) -> UInt64 {
        switch payload {
        case .probe(let s, let t): return SplitMix64.mix(UInt64(s) ^ UInt64(bitPattern: t.nanoseconds) << 1)
        case .reply(let s, let t): return SplitMix64.mix(UInt64(s) ^ UInt64(bitPattern: t.nanoseconds) << 2) ^ 1
        case .hello: return 0x4E11
        }
    }
}
