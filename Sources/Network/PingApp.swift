public import SimKernel

/// A small built-in application for first labs: probers send datagram probes (and optionally open
/// connections) to targets round-robin; responders echo probes and accept connections.
/// It makes NAT behaviour visible: a probe to a host behind a NAT goes unanswered.
public struct PingApp: HostApplication, Hashable {
    /// What ping hosts send: probes, their echoes, and a greeting on test connections.
    public enum Payload: Sendable, Hashable {
        /// A probe; the responder echoes `seq` and `sentAt` back.
        case probe(seq: UInt32, sentAt: SimTime)
        /// The echo of a probe: `now - sentAt` is the round-trip time.
        case reply(seq: UInt32, sentAt: SimTime)
        /// Sent once on each test connection before closing it.
        case hello
    }

    /// What a host running the ping application does.
    public struct Config: Sendable, Hashable {
        /// The port it listens and answers on.
        public var port: UInt16 = 7
        /// Targets to probe, in order; empty means responder only.
        public var targets: [Endpoint] = []
        /// Time between probes.
        public var interval: SimDuration = .seconds(1)
        /// Probe size in bytes.
        public var size: Int = 64
        /// Also open a connection to each target (every `connectEvery` probes; 0 = never).
        public var connectEvery: Int = 0
        /// A configuration; the defaults make a responder on port 7.
        public init(port: UInt16 = 7, targets: [Endpoint] = [], interval: SimDuration = .seconds(1), size: Int = 64, connectEvery: Int = 0) {
            self.port = port; self.targets = targets; self.interval = interval; self.size = size; self.connectEvery = connectEvery
        }
    }

    /// What it measured.
    public struct Metrics: Sendable, Hashable, Codable {
        /// Probes this host sent.
        public var probesSent = 0
        /// Replies it received.
        public var repliesReceived = 0
        /// Probes it answered (as a responder).
        public var probesAnswered = 0
        /// The sum of measured round-trip times (divide by `repliesReceived` for the mean).
        public var rttTotal = SimDuration.zero
        /// The longest measured round-trip time.
        public var rttMax = SimDuration.zero
        /// Test connections established.
        public var connectsSucceeded = 0
        /// Test connections that timed out or were refused.
        public var connectsFailed = 0
        /// Connections accepted from probers.
        public var connectionsAccepted = 0
        /// All zero.
        public init() {}
    }

    /// What this host does.
    public var config: Config
    /// What it has measured so far; kept across a crash.
    public var metrics = Metrics()
    var seq: UInt32 = 0

    /// A host running `config`, with nothing measured yet.
    public init(config: Config) { self.config = config }

    /// Listens on the port, probes the targets round-robin every `interval`, echoes probes, and counts.
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

    /// Restarts the probe sequence; the metrics are kept.
    public mutating func crash() {
        seq = 0
    }

    /// A stable digest of a payload for the run fingerprint.
    public static func digest(_ payload: Payload) -> UInt64 {
        switch payload {
        case .probe(let s, let t): return SplitMix64.mix(UInt64(s) ^ UInt64(bitPattern: t.nanoseconds) << 1)
        case .reply(let s, let t): return SplitMix64.mix(UInt64(s) ^ UInt64(bitPattern: t.nanoseconds) << 2) ^ 1
        case .hello: return 0x4E11
        }
    }
}
