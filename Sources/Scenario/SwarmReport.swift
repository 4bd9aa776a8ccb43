import BitTorrent
import Network
import SimKernel

/// What a run tells about one BitTorrent swarm. Documented in `docs/report-format.md`.
public struct SwarmReport: Sendable, Codable, Hashable {
    public var name: String
    public var infoHash: String
    public var fileBytes: Int64
    public var pieceLength: Int
    public var pieces: Int
    /// Peers that took part (joined at some point), initial seeds and leechers among them.
    public var peers: Int
    public var initialSeeds: Int
    public var leechers: Int
    /// Leechers that completed, and when the last of them did (the distribution time), in seconds.
    public var completed: Int
    @NullEncoded public var distributionTimeS: Double?
    /// Fraction of leechers complete at times (seconds), one point per completion.
    public var completionCdf: [CDFPoint]
    /// Kurose & Ross lower bounds for these peers' capacities, in seconds.
    public var lowerBoundP2pS: Double
    public var lowerBoundClientServerS: Double
    /// Bytes uploaded over the uplink capacity of the participating peers during the distribution.
    public var uplinkUtilisation: Double
    /// Peers that can accept connections (public, or with a port forward) and those that cannot.
    public var connectable: Int
    public var unconnectable: Int
    public var freeRiders: GroupStats
    public var contributors: GroupStats
    /// How peers find each other: `tracker`, `dht` or `tracker+dht`.
    public var discovery: String
    /// Peer addresses learnt, summed over peers: from the tracker and from the DHT.
    public var peersFromTracker: Int
    public var peersFromDht: Int
    /// Leechers that joined and never received a byte (they found no one to download from).
    public var stranded: Int
    public var peersDetail: [PeerReport]

    // Spelled out so that the P2P bound is `lower_bound_p2p_s` (the automatic conversion would give `p_2p`).
    enum CodingKeys: String, CodingKey {
        case name, infoHash, fileBytes, pieceLength, pieces, peers, initialSeeds, leechers, completed, distributionTimeS
        case completionCdf, lowerBoundP2pS = "lower_bound_p2p_s", lowerBoundClientServerS, uplinkUtilisation, connectable
        case unconnectable, freeRiders, contributors, discovery, peersFromTracker, peersFromDht, stranded, peersDetail
    }

    public struct CDFPoint: Sendable, Codable, Hashable {
        public var timeS: Double
        public var fraction: Double
    }

    public struct GroupStats: Sendable, Codable, Hashable {
        public var count: Int
        public var completed: Int
        /// Mean time from joining to completing, seconds (nil if none completed).
        @NullEncoded public var meanCompletionS: Double?
    }

    public struct PeerReport: Sendable, Codable, Hashable {
        public var name: String
        /// The host group the peer belongs to.
        public var group: String
        public var role: String
        public var nat: String
        public var connectable: Bool
        @NullEncoded public var joinedS: Double?
        /// Seconds from joining to completing, and from joining to the first complete piece.
        @NullEncoded public var completionS: Double?
        @NullEncoded public var firstPieceS: Double?
        public var uploaded: Int64
        public var downloaded: Int64
        /// Uploaded over downloaded (nil if nothing downloaded).
        @NullEncoded public var shareRatio: Double?
        public var timeChokedS: Double
        public var connections: Int
        public var connectFailures: Int
        /// Peer addresses this peer learnt from the tracker and from the DHT.
        public var peersFromTracker: Int
        public var peersFromDht: Int
    }
}

/// The client–server baseline in a report.
public struct ClientServerReport: Sendable, Codable, Hashable {
    public var clients: Int
    public var completed: Int
    @NullEncoded public var distributionTimeS: Double?
    public var lowerBoundS: Double
}

extension ScenarioRun {
    /// Hosts running a peer of `swarm`, with their node ids.
    func peers(of swarm: String) -> [(NodeID, BTPeer)] {
        guard let info = scenario.torrents[swarm] else { return [] }
        return simulation.state.nodes.enumerated().compactMap { i, h in
            guard let p = h.app.peer, p.config.torrent.infoHash == info.infoHash else { return nil }
            return (i, p)
        }
    }

    /// The name of the host group a node belongs to.
    func groupName(of node: NodeID) -> String {
        groupRanges.firstIndex { $0.contains(node) }.map { scenario.spec.hosts[$0].group } ?? ""
    }

    /// Whether a host can accept inbound connections on `port`.
    func connectable(_ host: NodeID, port: UInt16) -> Bool {
        guard let nat = simulation.state.nodes[host].nat else { return true }
        return nat.config.portForwards[port] != nil
    }

    func swarmReports() -> [SwarmReport] {
        scenario.spec.swarms.compactMap { sw -> SwarmReport? in
            guard let info = scenario.torrents[sw.name] else { return nil }
            let all = peers(of: sw.name).filter { $0.1.stats.joinedAt != nil }
            let seeds = all.filter { $0.1.config.startAsSeed }
            let leech = all.filter { !$0.1.config.startAsSeed }
            let done = leech.compactMap(\.1.stats.completedAt).sorted()
            let F = Double(info.totalLength) * 8
            let us = seeds.map { Double(simulation.state.nodes[$0.0].link.up) }.reduce(0, +)
            let ui = leech.map { Double(simulation.state.nodes[$0.0].link.up) }.reduce(0, +)
            let dmin = leech.map { Double(simulation.state.nodes[$0.0].link.down) }.min() ?? .infinity
            let n = Double(leech.count)
            let p2p = us > 0 && n > 0 ? max(F / us, F / dmin, n * F / (us + ui)) : 0
            let cs = us > 0 && n > 0 ? max(n * F / us, F / dmin) : 0
            let start = leech.compactMap(\.1.stats.joinedAt).min() ?? .zero
            let end = done.last ?? simulation.now
            let span = max(1e-9, (end - start).seconds)
            let uploaded = all.reduce(Int64(0)) { $0 + $1.1.stats.bytesUploaded }
            let util = (us + ui) > 0 ? Double(uploaded) * 8 / ((us + ui) * span) : 0
            func stats(_ group: [(NodeID, BTPeer)]) -> SwarmReport.GroupStats {
                let times = group.compactMap { p -> Double? in
                    guard let c = p.1.stats.completedAt, let j = p.1.stats.joinedAt else { return nil }
                    return (c - j).seconds
                }
                return .init(count: group.count, completed: times.count, meanCompletionS: times.isEmpty ? nil : round3(times.reduce(0, +) / Double(times.count)))
            }
            let detail = all.map { id, p -> SwarmReport.PeerReport in
                let host = simulation.state.nodes[id]
                return SwarmReport.PeerReport(
                    name: hostNames[id], group: groupName(of: id), role: p.config.startAsSeed ? "seed" : (p.config.freeRider ? "free-rider" : "leecher"),
                    nat: host.nat?.config.preset?.rawValue ?? "none", connectable: connectable(id, port: p.config.port),
                    joinedS: p.stats.joinedAt.map { round3($0.seconds) },
                    completionS: p.stats.completedAt.flatMap { c in p.stats.joinedAt.map { round3((c - $0).seconds) } },
                    firstPieceS: p.stats.firstPieceAt.flatMap { c in p.stats.joinedAt.map { round3((c - $0).seconds) } },
                    uploaded: p.stats.bytesUploaded, downloaded: p.stats.bytesDownloaded,
                    shareRatio: p.stats.bytesDownloaded > 0 ? round3(Double(p.stats.bytesUploaded) / Double(p.stats.bytesDownloaded)) : nil,
                    timeChokedS: round3(p.stats.timeChoked.seconds), connections: p.connectionCount, connectFailures: p.stats.connectsFailed,
                    peersFromTracker: p.stats.peersFromTracker, peersFromDht: p.stats.peersFromDHT)
            }
            let conn = all.filter { connectable($0.0, port: $0.1.config.port) }.count
            return SwarmReport(
                name: sw.name, infoHash: info.infoHash.hex, fileBytes: info.totalLength, pieceLength: info.pieceLength, pieces: info.pieceCount,
                peers: all.count, initialSeeds: seeds.count, leechers: leech.count, completed: done.count,
                distributionTimeS: done.count == leech.count && !done.isEmpty ? round3((done[done.count - 1] - start).seconds) : nil,
                completionCdf: done.enumerated().map { .init(timeS: round3(($1 - start).seconds), fraction: round3(Double($0 + 1) / n)) },
                lowerBoundP2pS: round3(p2p), lowerBoundClientServerS: round3(cs), uplinkUtilisation: round3(util),
                connectable: conn, unconnectable: all.count - conn,
                freeRiders: stats(leech.filter { $0.1.config.freeRider }), contributors: stats(leech.filter { !$0.1.config.freeRider }),
                discovery: sw.tracker != nil && sw.dht ? "tracker+dht" : (sw.dht ? "dht" : "tracker"),
                peersFromTracker: all.reduce(0) { $0 + $1.1.stats.peersFromTracker }, peersFromDht: all.reduce(0) { $0 + $1.1.stats.peersFromDHT },
                stranded: leech.filter { $0.1.stats.completedAt == nil && $0.1.stats.bytesDownloaded == 0 }.count,
                peersDetail: detail)
        }
    }

    func clientServerReport() -> ClientServerReport? {
        let clients = simulation.state.nodes.enumerated().compactMap { i, h in h.app.fileClient.map { (i, $0) } }
        guard !clients.isEmpty else { return nil }
        let done = clients.compactMap(\.1.completedAt)
        let start = clients.compactMap(\.1.joinedAt).min() ?? .zero
        let servers = simulation.state.nodes.filter { $0.app.fileServer != nil }
        let us = servers.map { Double($0.link.up) }.reduce(0, +)
        let F = Double(clients[0].1.fileSize) * 8
        let dmin = clients.map { Double(simulation.state.nodes[$0.0].link.down) }.min() ?? .infinity
        let n = Double(clients.count)
        return ClientServerReport(clients: clients.count, completed: done.count,
                                  distributionTimeS: done.count == clients.count ? done.max().map { round3(($0 - start).seconds) } : nil,
                                  lowerBoundS: us > 0 ? round3(max(n * F / us, F / dmin)) : 0)
    }

    /// Per-round swarm sample: leechers complete so far, least-available piece, pieces only one running peer
    /// has, and the rarity histogram (pieces by number of copies among running peers).
    func swarmSample() -> (completed: Int, minAvailability: Int, singleCopy: Int, histogram: [Int])? {
        guard let sw = scenario.spec.swarms.first, let info = scenario.torrents[sw.name] else { return nil }
        let running = peers(of: sw.name).filter { simulation.state.nodes[$0.0].running && $0.1.phase != .departed }
        let completed = peers(of: sw.name).filter { !$0.1.config.startAsSeed && $0.1.stats.completedAt != nil }.count
        var counts = [Int](repeating: 0, count: info.pieceCount)
        for (_, p) in running {
            if p.isComplete { continue }
            for i in 0..<info.pieceCount where p.have[i] { counts[i] += 1 }
        }
        let seeds = running.filter { $0.1.isComplete }.count
        let minA = (counts.min() ?? 0) + seeds
        let single = seeds > 1 ? 0 : counts.filter { $0 + seeds == 1 }.count
        var histogram = [Int](repeating: 0, count: RoundRow.rarityBins)
        for c in counts { histogram[min(c + seeds, RoundRow.rarityBins - 1)] += 1 }
        return (completed, minA, single, histogram)
    }
}
