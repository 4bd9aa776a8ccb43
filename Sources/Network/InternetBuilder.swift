public import SimKernel

/// Assembles an emulated Internet: regions, hosts (with addresses assigned deterministically), NATs.
public struct InternetBuilder<App: HostApplication> {
    /// The topology so far: regions, and each host's name, address and latency.
    public private(set) var topology: Topology
    /// The hosts so far, indexed by node id.
    public private(set) var hosts: [Host<App>] = []
    /// When each host joins (nil = it starts absent, until a `join` control).
    public private(set) var joinTimes: [SimTime?] = []
    private var nextPublic: UInt32 = 0
    private var nextPrivate: UInt32 = 0

    /// Regions and their one-way core latency matrix (`core[a][b]`, symmetric; the diagonal is the
    /// latency inside a region).
    public init(regions: [String], core: [[SimDuration]]) {
        topology = Topology(regions: regions, core: core)
    }

    /// The next public address: 100.64.0.1, 100.64.0.2, … (deterministic, in order of creation).
    private mutating func allocatePublic() -> IPv4Address {
        nextPublic += 1
        return IPv4Address(raw: IPv4Address(100, 64, 0, 0).raw &+ nextPublic)
    }

    /// Adds a host. With `nat`, the host gets a private address behind its own NAT box, whose public
    /// address is what the rest of the Internet sees. Returns the host's node id.
    @discardableResult
    public mutating func addHost(name: String, group: String, region: Int, link: LinkSpec, nat: NATConfig?,
                                 app: App, joinAt: SimTime? = .zero) -> NodeID {
        let id = hosts.count
        let publicAddress = allocatePublic()
        let address: IPv4Address
        var box: NATBox?
        if let nat {
            nextPrivate += 1
            // Each home network is 10.x.y.0/24; the host is .2 behind its router.
            address = IPv4Address(raw: IPv4Address(10, 0, 0, 2).raw &+ (nextPrivate << 8))
            box = NATBox(publicAddress: publicAddress, config: nat)
        } else {
            address = publicAddress
        }
        _ = topology.addHost(name: name, group: group, region: region, publicAddress: publicAddress, latency: link.latency,
                                 downlink: link.down)
        hosts.append(Host(id: id, address: address, link: link, nat: box, app: app))
        joinTimes.append(joinAt)
        return id
    }

    /// The public endpoint of a host's `port` (through its NAT, where a forward or mapping must exist).
    public func publicEndpoint(of host: NodeID, port: UInt16) -> Endpoint {
        Endpoint(topology.publicAddress[host], port)
    }

    /// Builds the simulation, with every host's join scheduled.
    public func build(seed: UInt64, threads: Int = 1, connectTimeout: SimDuration = .seconds(5),
                      logNATDrops: Bool = true, logCapacity: Int = 10_000) -> Simulation<Internet<App>> {
        let model = Internet<App>(topology: topology, connectTimeout: connectTimeout, logNATDrops: logNATDrops)
        let sim = Simulation(model: model, nodes: hosts, seed: seed, threads: threads, logCapacity: logCapacity)
        for (id, t) in joinTimes.enumerated() {
            if let t { sim.state.scheduleControl(.join(id), at: t) }
        }
        return sim
    }
}

extension InternetBuilder {
    /// Replaces the hosts (same count, same order) after adjusting them, e.g. to install applications
    /// that need every host's address first.
    public mutating func replaceHosts(_ updated: [Host<App>]) {
        precondition(updated.count == hosts.count, "replaceHosts keeps the same hosts")
        hosts = updated
    }
}
