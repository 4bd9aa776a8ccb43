public import SimKernel

/// One finished lookup, as kept in a node's metrics (24 bytes).
public struct DHTLookupSample: Sendable, Hashable, Codable {
    /// What the lookup looked for.
    public var kind: DHTLookupKind
    /// Hop count of the closest node that answered (clamped to 255).
    public var hops: UInt8
    /// Whether it succeeded (see `DHTLookupResult.succeeded`).
    public var succeeded: Bool
    /// Queries it sent (clamped to 65,535).
    public var messages: UInt16
    /// Peers found (get_peers and announce).
    public var peers: UInt16
    /// When it finished.
    public var finishedAt: SimTime
    /// How long it took.
    public var duration: SimDuration
}

/// What one DHT node counted. Kept across crashes (they measure the run, not the node's memory).
public struct DHTNodeMetrics: Sendable, Hashable {
    /// KRPC queries sent, maintenance and verification pings included.
    public var queriesSent = 0
    /// Responses matched to a pending query.
    public var responsesReceived = 0
    /// KRPC errors received in answer to our queries.
    public var errorsReceived = 0
    /// Queries unanswered within `queryTimeout`.
    public var timeouts = 0
    /// Queries received from other nodes.
    public var queriesReceived = 0
    /// `announce_peer`s accepted with a valid token.
    public var announcesAccepted = 0
    /// `announce_peer`s refused with error 203 (stale, foreign or misdirected token).
    public var announcesRejected = 0
    /// Lookups started by the embedder or commands (maintenance lookups are not counted).
    public var lookupsStarted = 0
    /// Of those, lookups that finished.
    public var lookupsCompleted = 0
    /// The most recent finished lookups (at most `Config.sampleLimit`).
    public internal(set) var samples: [DHTLookupSample] = []
    /// Samples discarded to respect the limit.
    public internal(set) var samplesDropped = 0

    /// All counters at zero, no samples.
    public init() {}

    mutating func record(_ r: DHTLookupResult, limit: Int) {
        lookupsCompleted += 1
        let cap = max(2, limit)
        if samples.count >= cap {
            let n = cap / 2
            samples.removeFirst(n)
            samplesDropped += n
        }
        samples.append(DHTLookupSample(kind: r.kind, hops: UInt8(clamping: r.hops), succeeded: r.succeeded,
                                       messages: UInt16(clamping: r.messages), peers: UInt16(clamping: r.peers.count),
                                       finishedAt: r.finishedAt, duration: r.duration))
    }
}

/// Count, mean, median, 95th percentile and extremes of a set of values.
public struct DistributionSummary: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Number of values.
    public var count: Int
    /// Arithmetic mean.
    public var mean: Double
    /// The 50th percentile (nearest rank).
    public var median: Double
    /// The 95th percentile (nearest rank).
    public var p95: Double
    /// Smallest value.
    public var min: Double
    /// Largest value.
    public var max: Double

    /// Summarises `values` (all zero when empty). Percentiles are nearest-rank.
    public init(_ values: [Double]) {
        count = values.count
        guard !values.isEmpty else { mean = 0; median = 0; p95 = 0; min = 0; max = 0; return }
        let s = values.sorted()
        mean = s.reduce(0, +) / Double(s.count)
        func rank(_ p: Double) -> Double { s[Swift.min(s.count - 1, Swift.max(0, Int((p * Double(s.count)).rounded(.up)) - 1))] }
        median = rank(0.5)
        p95 = rank(0.95)
        min = s[0]
        max = s[s.count - 1]
    }

    /// `n=300 mean=2.373 median=2 p95=3 max=4` (three decimals at most).
    public var description: String {
        func f(_ x: Double) -> String {
            let r = (x * 1000).rounded() / 1000
            return r == r.rounded() && abs(r) < 1e15 ? String(Int(r)) : String(r)
        }
        return "n=\(count) mean=\(f(mean)) median=\(f(median)) p95=\(f(p95)) max=\(f(max))"
    }
}

/// DHT metrics over many nodes, for reports: lookups finished in a time window, and the state of
/// routing tables and storage now.
public struct DHTMetrics: Sendable, Hashable, Codable {
    /// Nodes considered, and how many of them are running.
    public var nodes: Int
    public var running: Int
    /// Lookups (get_peers, announce, find_node started by embedders or commands) finished in the window.
    public var lookups: Int
    /// Of those, lookups that succeeded.
    public var succeeded: Int
    /// `succeeded / lookups` (1 when there were none).
    public var successRate: Double
    /// Hops per lookup (hop count of the closest node that answered).
    public var hops: DistributionSummary
    /// Lookup latency in milliseconds.
    public var latencyMs: DistributionSummary
    /// Queries sent per lookup.
    public var messages: DistributionSummary
    /// Peers found per `get_peers` lookup.
    public var peersPerGetPeers: DistributionSummary
    /// Contacts per running node's routing table.
    public var routingContacts: DistributionSummary
    /// Buckets per running node's routing table.
    public var buckets: DistributionSummary
    /// Mean of contacts / (buckets × k) over running nodes.
    public var routingFill: Double
    /// Info-hashes stored per running node (load balance).
    public var keysPerNode: DistributionSummary
    /// (info-hash, peer) entries stored, over all running nodes.
    public var storedPeers: Int
    /// Totals of the per-node counters (whole run).
    public var queriesSent: Int
    public var timeouts: Int
    public var announcesRejected: Int

    /// Aggregates nodes' metrics and state. Lookups count if they finished in `window`.
    public static func aggregate(_ nodes: some Sequence<DHTNode>, window: Range<SimTime> = SimTime.zero..<SimTime.never) -> DHTMetrics {
        var hops: [Double] = [], latency: [Double] = [], messages: [Double] = [], peers: [Double] = []
        var contacts: [Double] = [], buckets: [Double] = [], keys: [Double] = []
        var count = 0, running = 0, ok = 0, fillSum = 0.0, stored = 0, sent = 0, timeouts = 0, rejected = 0
        for n in nodes {
            count += 1
            sent += n.metrics.queriesSent
            timeouts += n.metrics.timeouts
            rejected += n.metrics.announcesRejected
            for s in n.metrics.samples where window.contains(s.finishedAt) {
                hops.append(Double(s.hops))
                latency.append(Double(s.duration.nanoseconds) / 1e6)
                messages.append(Double(s.messages))
                if s.kind == .getPeers { peers.append(Double(s.peers)) }
                if s.succeeded { ok += 1 }
            }
            guard n.isRunning else { continue }
            running += 1
            let c = n.table.count
            contacts.append(Double(c))
            buckets.append(Double(n.table.bucketCount))
            fillSum += n.table.fill
            keys.append(Double(n.storage.keyCount))
            stored += n.storage.peerCount
        }
        return DHTMetrics(nodes: count, running: running, lookups: hops.count, succeeded: ok,
                          successRate: hops.isEmpty ? 1 : Double(ok) / Double(hops.count),
                          hops: DistributionSummary(hops), latencyMs: DistributionSummary(latency),
                          messages: DistributionSummary(messages), peersPerGetPeers: DistributionSummary(peers),
                          routingContacts: DistributionSummary(contacts), buckets: DistributionSummary(buckets),
                          routingFill: running == 0 ? 0 : fillSum / Double(running),
                          keysPerNode: DistributionSummary(keys), storedPeers: stored,
                          queriesSent: sent, timeouts: timeouts, announcesRejected: rejected)
    }
}
