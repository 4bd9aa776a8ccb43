public import SimKernel

/// An access link: the host's connection to its ISP. Capacities are separate per direction.
public struct LinkSpec: Sendable, Hashable, Codable {
    /// Uplink capacity in bits per second.
    public var up: Int64
    /// Downlink capacity in bits per second.
    public var down: Int64
    /// One-way latency from the host to its region's core.
    public var latency: SimDuration
    /// Probability that a datagram is lost on this link (each direction). Connections are reliable.
    public var loss: Double

    /// A link of `up` and `down` bits per second, one-way `latency`, and datagram `loss` probability.
    public init(up: Int64, down: Int64, latency: SimDuration, loss: Double = 0) {
        self.up = up; self.down = down; self.latency = latency; self.loss = loss
    }
}

/// The shape of the emulated Internet: regions, the core latency between them, and where each host is.
///
/// This is shared, read-only configuration while hosts run; control actions (partitions) change it
/// between windows.
public struct Topology: Sendable {
    /// Region names (ISPs or continents), indexed by region number.
    public var regions: [String]
    /// One-way core latency between regions, `core[a][b]` (symmetric).
    public var core: [[SimDuration]]
    /// Each host's name, region, and public address (its own, or its NAT's).
    public var hostNames: [String]
    /// Each host's region number (an index into `regions`).
    public var hostRegion: [Int]
    /// Each host's group name from the scenario (hosts of a group share their set-up).
    public var hostGroup: [String]
    /// Each host's public address: its own, or its NAT's.
    public var publicAddress: [IPv4Address]
    /// Each host's access-link latency, copied here so any host can compute a path latency.
    public var accessLatency: [SimDuration]
    /// Each host's downlink capacity (bits per second), copied here so a sender can time a small packet's
    /// arrival through the receiver's downlink (see `Internet.arrive`).
    public var downlinkRate: [Int64]
    /// Partition label per host: two hosts reach each other only if their labels are equal.
    public var partition: [Int]
    @usableFromInline var routes: [IPv4Address: Int]

    /// Regions and their one-way core latencies, with no hosts yet.
    public init(regions: [String], core: [[SimDuration]]) {
        self.regions = regions; self.core = core
        hostNames = []; hostRegion = []; hostGroup = []; publicAddress = []; accessLatency = []; downlinkRate = []; partition = []
        routes = [:]
    }

    /// Adds a host reachable at `publicAddress`; returns its node id.
    public mutating func addHost(name: String, group: String, region: Int, publicAddress: IPv4Address, latency: SimDuration,
                                 downlink: Int64) -> NodeID {
        let id = hostNames.count
        hostNames.append(name); hostGroup.append(group); hostRegion.append(region)
        self.publicAddress.append(publicAddress); accessLatency.append(latency); downlinkRate.append(downlink); partition.append(0)
        routes[publicAddress] = id
        return id
    }

    /// The host that owns a public address.
    @inlinable public func host(at address: IPv4Address) -> Int? { routes[address] }

    /// One-way propagation latency from host `a` to host `b`: both access links plus the core.
    @inlinable public func pathLatency(_ a: Int, _ b: Int) -> SimDuration {
        accessLatency[a] + core[hostRegion[a]][hostRegion[b]] + accessLatency[b]
    }

    /// The smallest latency between any two distinct hosts (the engine's lookahead).
    public var minimumPathLatency: SimDuration {
        guard hostNames.count > 1 else { return .milliseconds(1) }
        // A lower bound: the two smallest access latencies plus the smallest core latency between
        // regions in use (a region's own diagonal counts only if it holds two hosts or more).
        let sorted = accessLatency.sorted()
        var perRegion: [Int: Int] = [:]
        for r in hostRegion { perRegion[r, default: 0] += 1 }
        var minCore = SimDuration(nanoseconds: .max)
        for (a, count) in perRegion {
            for b in perRegion.keys where a != b || count > 1 { minCore = min(minCore, core[a][b]) }
        }
        if minCore.nanoseconds == .max { minCore = .zero }
        return sorted[0] + sorted[1] + minCore
    }

    /// The node id of the host called `name`.
    public func host(named name: String) -> Int? { hostNames.firstIndex(of: name) }
}
