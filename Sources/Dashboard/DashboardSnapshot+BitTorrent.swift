import BitTorrent
import Network
public import Scenario
import SimKernel

extension SwarmSnapshot {
    /// The first swarm of a run, as the Swarm and Choke views show it (nil when the scenario has none).
    public static func capture(from run: ScenarioRun) -> SwarmSnapshot? {
        guard let swarm = run.scenario.spec.swarms.first, let info = run.scenario.torrents[swarm.name] else { return nil }
        let state = run.simulation.state
        let names = run.hostNames
        func name(_ peer: UInt32) -> String { Int(peer) < names.count ? names[Int(peer)] : "peer#\(peer)" }
        var peers: [PeerSnapshot] = []
        var availability = [Int](repeating: 0, count: info.pieceCount)
        for (id, host) in state.nodes.enumerated() {
            guard let p = host.app.peer, p.config.torrent.infoHash == info.infoHash, host.running || p.stats.joinedAt != nil else { continue }
            let present = host.running && p.phase != .departed
            var have = PieceBits(count: info.pieceCount)
            for i in 0..<info.pieceCount where p.have[i] {
                have[i] = true
                if present { availability[i] += 1 }
            }
            var downloading = PieceBits(count: info.pieceCount)
            for i in p.piecesInProgress { downloading[i] = true }
            let st: PeerSnapshot.State = !present ? .departed : p.config.freeRider ? .freeRider : p.isComplete ? .seed : .leecher
            let rates = p.recentRates
            let snubbed = p.snubbedPeers(at: state.now)
            let ledger = p.ledger.map {
                Dashboard.LedgerEntry(peer: name($0.peer), given: $0.uploaded, received: $0.downloaded, unchoking: !$0.amChoking,
                                      unchokedBy: !$0.peerChoking, interested: $0.peerInterested, snubbed: snubbed.contains($0.peer))
            }
            let rounds = p.history.map { r in
                ChokeDecision(round: r.round, time: r.time, asSeed: r.seeding, unchoked: r.unchoked.map { e in
                    let reason: Unchoke.Reason
                    switch e.reason {
                    case .rate(let rank, let bps): reason = .rateRank(rank: rank, rate: Int64(bps * 8))
                    case .optimistic: reason = .optimistic
                    case .roundRobin, .freeSlot: reason = .roundRobin
                    }
                    return Unchoke(peer: name(e.peer), reason: reason)
                }, chokedInterested: r.chokedInterested, freeRiding: r.freeRiding)
            }
            let nat = host.nat?.config.preset?.rawValue
            let connectable = host.nat.map { $0.config.portForwards[p.config.port] != nil } ?? true
            var snapshot = PeerSnapshot(name: names[id], state: st, have: have, downloading: downloading,
                                        upRate: Int64(rates.up * 8), downRate: Int64(rates.down * 8),
                                        uploaded: p.stats.bytesUploaded, downloaded: p.stats.bytesDownloaded, nat: nat,
                                        connectable: connectable, neighbours: p.connectionCount, completedAt: p.stats.completedAt,
                                        choke: ChokeSnapshot(rounds: rounds, ledger: ledger))
            snapshot.peersFromTracker = p.stats.peersFromTracker
            snapshot.peersFromDHT = p.stats.peersFromDHT
            peers.append(snapshot)
        }
        var tracker: TrackerSnapshot?
        if let t = swarm.tracker, let host = run.targets[t]?.first, let app = state.nodes[host].app.tracker {
            let counts = app.counts(info.infoHash)
            tracker = TrackerSnapshot(host: names[host], isUp: state.nodes[host].running, knownPeers: app.knownPeers,
                                      seeders: counts.seeders, leechers: counts.leechers,
                                      completed: peers.filter { $0.completedAt != nil && $0.state != .seed }.count, announces: app.announces)
        }
        return SwarmSnapshot(name: swarm.name, pieceCount: info.pieceCount, pieceLength: Int64(info.pieceLength),
                             fileSize: info.totalLength, peers: peers, availability: availability, tracker: tracker)
    }
}
