import SimKernel

/// Deterministic made-up swarm and DHT snapshots: for screen tests, the render benchmark, and to see the
/// views before a scenario fills them. The same arguments always give the same data.
public enum SyntheticData {
    /// A small deterministic generator (SplitMix64).
    struct Mixer {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
        mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    }

    /// A swarm of `peers` peers over `pieces` pieces: three seeds, two free-riders, one departed peer, and
    /// leechers at every stage of progress, with choke decisions for `rounds` rounds.
    public static func swarm(peers: Int = 30, pieces: Int = 256, rounds: Int = 8, seed: UInt64 = 1) -> SwarmSnapshot {
        var rng = Mixer(state: seed)
        let names = (1...max(1, peers)).map { "peer-\($0)" }
        let nats: [String?] = [nil, "port-restricted", "symmetric", "full-cone", "restricted", "port-restricted"]
        var list: [PeerSnapshot] = []
        list.reserveCapacity(names.count)
        for (i, name) in names.enumerated() {
            let state: PeerSnapshot.State
            if i < min(3, peers) { state = .seed }
            else if i == peers - 1 && peers > 6 { state = .departed }
            else if i >= peers - 3 && peers > 6 { state = .freeRider }
            else { state = .leecher }
            let target = state == .seed ? 1.0 : Double(i) / Double(max(1, peers))
            var have = PieceBits(count: pieces)
            var downloading = PieceBits(count: pieces)
            // Leechers hold a run of early pieces plus rarest-first scattered ones.
            for p in 0..<pieces {
                let u = rng.unit()
                if state == .seed || u < target { have[p] = true } else if state != .departed && u < target + 0.03 { downloading[p] = true }
            }
            let nat = nats[i % nats.count]
            let down: Int64 = state == .seed ? 0 : Int64(200_000 + rng.below(1_800_000))
            let up: Int64 = state == .freeRider || state == .departed ? 0 : Int64(100_000 + rng.below(900_000))
            list.append(PeerSnapshot(
                name: name, state: state, have: have, downloading: downloading, upRate: up, downRate: down,
                uploaded: Int64(rng.below(50_000_000)), downloaded: Int64(Double(pieces) * 262_144 * target),
                nat: nat, connectable: nat == nil || nat == "full-cone", neighbours: min(peers - 1, 4 + rng.below(20)),
                completedAt: state == .seed && i > 0 ? SimTime.seconds(Int64(60 + i * 10)) : nil))
        }
        // Choke decisions: each uploader unchokes three neighbours by rate and one optimistically.
        for i in list.indices where list[i].state == .seed || list[i].state == .leecher {
            var decisions: [ChokeDecision] = []
            for r in 1...max(1, rounds) {
                var chosen: [Unchoke] = []
                var used: Set<Int> = [i]
                for rank in 1...3 where list.count > rank {
                    var j = rng.below(list.count)
                    while used.contains(j) && used.count < list.count { j = (j + 1) % list.count }
                    used.insert(j)
                    chosen.append(Unchoke(peer: list[j].name, reason: .rateRank(rank: rank, rate: Int64(1_500_000 / rank - rng.below(100_000)))))
                }
                if list.count > 5 {
                    var j = rng.below(list.count)
                    while used.contains(j) { j = (j + 1) % list.count }
                    used.insert(j)
                    chosen.append(Unchoke(peer: list[j].name, reason: .optimistic))
                }
                let choked = (0..<2).map { _ in list[rng.below(list.count)].name }.filter { n in !chosen.contains { $0.peer == n } && n != list[i].name }
                decisions.append(ChokeDecision(round: r, time: .seconds(Int64(r * 10)), asSeed: list[i].state == .seed, unchoked: chosen, chokedInterested: choked.count))
            }
            let neighbours = Array(Set(decisions.flatMap { $0.unchoked.map(\.peer) })).sorted()
            let current = Set(decisions.last?.unchoked.map(\.peer) ?? [])
            let ledger = neighbours.map { n in
                LedgerEntry(peer: n, given: Int64(rng.below(8_000_000)), received: list[i].state == .seed ? 0 : Int64(rng.below(8_000_000)),
                            unchoking: current.contains(n), unchokedBy: rng.below(2) == 0, interested: rng.below(3) != 0, snubbed: rng.below(10) == 0)
            }
            list[i].choke = ChokeSnapshot(rounds: decisions, ledger: ledger)
        }
        var availability = Array(repeating: 0, count: pieces)
        for p in list where p.state != .departed {
            for w in 0..<p.have.words.count {
                var bits = p.have.words[w]
                while bits != 0 {
                    let b = bits.trailingZeroBitCount
                    availability[w * 64 + b] += 1
                    bits &= bits - 1
                }
            }
        }
        return SwarmSnapshot(name: "lecture.mp4", pieceCount: pieces, pieceLength: 262_144, fileSize: Int64(pieces) * 262_144,
                             peers: list, availability: availability,
                             tracker: TrackerSnapshot(host: "tracker", isUp: true, knownPeers: peers - 1, seeders: 3,
                                                      leechers: max(0, peers - 4), completed: 2, announces: peers * 3))
    }

    /// A DHT of `nodes` nodes with filled routing tables and a few lookups.
    public static func dht(nodes: Int = 20, seed: UInt64 = 2) -> DHTSnapshot {
        var rng = Mixer(state: seed)
        func hex() -> String {
            var s = ""
            for _ in 0..<3 { let v = String(rng.next(), radix: 16); s += String(repeating: "0", count: 16 - v.count) + v }
            return String(s.prefix(40))
        }
        let names = (1...max(1, nodes)).map { "node-\($0)" }
        let ids = names.map { _ in hex() }
        var list: [DHTNodeSnapshot] = []
        for (i, name) in names.enumerated() {
            var buckets: [DHTBucket] = []
            for b in 0..<min(8, max(1, nodes / 2)) {
                let count = max(0, 8 - b - rng.below(3))
                let contacts = (0..<count).map { _ -> DHTContact in
                    let j = rng.below(names.count)
                    let u = rng.below(10)
                    return DHTContact(name: names[j], id: ids[j], state: u < 7 ? .good : (u < 9 ? .questionable : .bad), lastSeen: .seconds(Int64(rng.below(900))))
                }
                buckets.append(DHTBucket(prefixLength: b, contacts: contacts, replacements: b == 0 ? rng.below(4) : 0))
            }
            list.append(DHTNodeSnapshot(name: name, id: ids[i], isUp: i != 4, buckets: buckets, keysStored: rng.below(12)))
        }
        var lookups: [DHTLookup] = []
        for l in 0..<4 {
            let origin = names[rng.below(names.count)]
            var hops: [DHTHop] = []
            var bits = rng.below(4)
            for step in 1...(3 + l % 2) {
                for _ in 0..<3 {
                    bits += 1 + rng.below(4)
                    hops.append(DHTHop(step: step, node: names[rng.below(names.count)], commonBits: bits, answered: rng.below(8) != 0))
                }
            }
            let status: DHTLookup.Status = l == 3 ? .running : (l == 2 ? .failed : .succeeded)
            lookups.append(DHTLookup(origin: origin, target: hex(), kind: l % 2 == 0 ? "get_peers" : "find_node", status: status,
                                     started: .seconds(Int64(100 + l * 7)), finished: status == .running ? nil : .seconds(Int64(101 + l * 7)),
                                     hops: hops, peersFound: l % 2 == 0 ? 8 : 0))
        }
        return DHTSnapshot(k: 8, alpha: 3, nodes: list, lookups: lookups)
    }
}
