import Network
import SimKernel

/// An iterative lookup in progress (Kademlia node lookup, BEP 5 `get_peers`).
struct Lookup: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case findNode
        case getPeers
        case announce(port: UInt16?)
        /// A refresh of bucket `bucket` (find_node on a random id in its range).
        case refresh(bucket: Int)
        /// find_node on the own id from the bootstrap nodes.
        case bootstrap

        var publicKind: DHTLookupKind {
            switch self {
            case .getPeers: return .getPeers
            case .announce: return .announce
            case .findNode, .refresh, .bootstrap: return .findNode
            }
        }
        var wantsPeers: Bool {
            switch self {
            case .getPeers, .announce: return true
            case .findNode, .refresh, .bootstrap: return false
            }
        }
    }

    enum CandidateState: UInt8, Sendable, Hashable { case fresh, inFlight, responded, failed }

    struct Candidate: Sendable, Hashable {
        var id: DHTID
        var distance: DHTID
        var endpoint: Endpoint
        var hop: UInt8
        var state: CandidateState
        /// False for a bootstrap endpoint until it answers (placed last: distance max).
        var idKnown: Bool
        var token: ShortBytes?
    }

    var id: UInt32
    var kind: Kind
    var target: DHTID
    /// Started by the embedder or a command (reported), rather than by maintenance.
    var external: Bool
    /// Sorted by distance to the target, closest first; never more than `cap` (in-flight ones are never dropped).
    var candidates: [Candidate] = []
    var inFlight = 0
    var messages = 0
    var startedAt: SimTime
    var peers: [Endpoint] = []
    /// Set once the search phase is over and `announce_peer`s are out.
    var announcing = false
    var announcePending = 0
    var stored = 0
    var rejected = 0
    var hops = 0
    var closest: [CompactNode] = []

    /// The nodes the lookup queried, step by step: `STEP:ADDRESS:PORT:BITS:ANSWERED` separated by spaces,
    /// where STEP is the referral depth (1: from the own routing table), BITS the leading bits the node's id
    /// shares with the target (higher is closer; `?` for a bootstrap endpoint that never answered) and
    /// ANSWERED 1 or 0. In query order within a step (farther first, as a lookup closes in); at most 32.
    var pathDescription: String {
        let queried = candidates.filter { $0.state == .responded || $0.state == .failed }
            .sorted { ($0.hop, $1.distance) < ($1.hop, $0.distance) }
        return queried.prefix(32).map { c in
            let bits = c.idKnown ? String(c.id.commonPrefixLength(with: target)) : "?"
            return "\(c.hop):\(c.endpoint):\(bits):\(c.state == .responded ? 1 : 0)"
        }.joined(separator: " ")
    }

    /// Inserts a candidate in distance order unless it is known already or farther than everything kept.
    mutating func add(_ c: Candidate, cap: Int) {
        for e in candidates where (e.idKnown && c.idKnown && e.id == c.id) || e.endpoint == c.endpoint { return }
        var lo = 0, hi = candidates.count
        while lo < hi {
            let m = (lo + hi) / 2
            if candidates[m].distance < c.distance || (candidates[m].distance == c.distance && !c.idKnown) { lo = m + 1 } else { hi = m }
        }
        if candidates.count >= cap {
            guard lo < candidates.count,
                  let drop = candidates.indices.last(where: { candidates[$0].state != .inFlight }), drop >= lo else { return }
            candidates.remove(at: drop)
        }
        candidates.insert(c, at: lo)
    }
}

extension DHTNode {
    /// Most candidates a lookup keeps.
    var candidateCap: Int { max(4 * settings.k, 16) }

    @discardableResult
    mutating func startLookup(_ kind: Lookup.Kind, target: DHTID, external: Bool, seeds: [Endpoint] = [],
                              io: inout HostIO<KRPCMessage>) -> DHTLookupID {
        nextLookup &+= 1
        var l = Lookup(id: nextLookup, kind: kind, target: target, external: external, startedAt: io.now)
        var contacts: [Contact] = []
        table.closest(to: target, count: settings.k, at: seconds(io.now), into: &contacts)
        for c in contacts {
            l.add(.init(id: c.id, distance: c.id ^ target, endpoint: c.endpoint, hop: 1, state: .fresh, idKnown: true), cap: candidateCap)
        }
        for e in seeds {
            l.add(.init(id: .max, distance: .max, endpoint: e, hop: 1, state: .fresh, idKnown: false), cap: candidateCap)
        }
        if external { metrics.lookupsStarted += 1 }
        lookups.append(l)
        step(lookups.count - 1, io: &io)
        return DHTLookupID(raw: l.id)
    }

    /// Sends queries to the closest unqueried candidates (at most `alpha` in flight); finishes the search
    /// once the k closest candidates that have not failed have all answered.
    mutating func step(_ li: Int, io: inout HostIO<KRPCMessage>) {
        var considered = 0
        var settled = true
        var i = 0
        let k = settings.k
        while i < lookups[li].candidates.count && considered < k {
            switch lookups[li].candidates[i].state {
            case .failed:
                break
            case .responded:
                considered += 1
            case .inFlight:
                considered += 1
                settled = false
            case .fresh:
                considered += 1
                settled = false
                if lookups[li].inFlight < settings.alpha {
                    let c = lookups[li].candidates[i]
                    lookups[li].candidates[i].state = .inFlight
                    lookups[li].inFlight += 1
                    lookups[li].messages += 1
                    let q: KRPCQuery = lookups[li].kind.wantsPeers
                        ? .getPeers(id: id, infoHash: lookups[li].target)
                        : .findNode(id: id, target: lookups[li].target)
                    send(q, to: c.endpoint, nodeID: c.idKnown ? c.id : nil, purpose: .lookup(lookups[li].id), io: &io)
                }
            }
            i += 1
        }
        if settled { finishSearch(li, io: &io) }
    }

    mutating func lookupResponded(_ lid: UInt32, endpoint: Endpoint, response r: KRPCResponse, io: inout HostIO<KRPCMessage>) {
        guard let li = lookups.firstIndex(where: { $0.id == lid }), !lookups[li].announcing else { return }
        lookups[li].inFlight -= 1
        let cap = candidateCap
        var hop: UInt8 = 1
        if let ci = lookups[li].candidates.firstIndex(where: { $0.endpoint == endpoint }) {
            var c = lookups[li].candidates[ci]
            hop = c.hop
            c.state = .responded
            c.token = r.token
            if !c.idKnown || c.id != r.id {
                // A bootstrap node (or a node whose id changed): re-sort it under its real id.
                lookups[li].candidates.remove(at: ci)
                c.id = r.id; c.distance = r.id ^ lookups[li].target; c.idKnown = true
                if r.id != id { lookups[li].add(c, cap: cap) }
            } else {
                lookups[li].candidates[ci] = c
            }
        }
        if let nodes = r.nodes {
            let next = hop == .max ? hop : hop + 1
            for n in nodes where n.id != id {
                lookups[li].add(.init(id: n.id, distance: n.id ^ lookups[li].target, endpoint: n.endpoint, hop: next,
                                      state: .fresh, idKnown: true), cap: cap)
            }
        }
        if let values = r.values, lookups[li].kind.wantsPeers {
            for v in values where lookups[li].peers.count < 1024 && !lookups[li].peers.contains(v) { lookups[li].peers.append(v) }
        }
        step(li, io: &io)
    }

    mutating func lookupFailed(_ lid: UInt32, endpoint: Endpoint, io: inout HostIO<KRPCMessage>) {
        guard let li = lookups.firstIndex(where: { $0.id == lid }), !lookups[li].announcing else { return }
        lookups[li].inFlight -= 1
        if let ci = lookups[li].candidates.firstIndex(where: { $0.endpoint == endpoint && $0.state == .inFlight }) {
            lookups[li].candidates[ci].state = .failed
        }
        step(li, io: &io)
    }

    /// The search is over: record its outcome, then announce (for an announce) or complete.
    mutating func finishSearch(_ li: Int, io: inout HostIO<KRPCMessage>) {
        let answered = lookups[li].candidates.filter { $0.state == .responded }.prefix(settings.k)
        lookups[li].hops = Int(answered.first?.hop ?? 0)
        lookups[li].closest = answered.map { CompactNode(id: $0.id, endpoint: $0.endpoint) }
        switch lookups[li].kind {
        case .announce(let port):
            lookups[li].announcing = true
            let target = lookups[li].target, lid = lookups[li].id
            for c in answered {
                guard let token = c.token else { continue }
                let q = KRPCQuery.announcePeer(id: id, infoHash: target, port: port ?? settings.port, token: token,
                                               impliedPort: port == nil ? true : nil)
                lookups[li].announcePending += 1
                lookups[li].messages += 1
                send(q, to: c.endpoint, nodeID: c.id, purpose: .announce(lid), io: &io)
            }
            if lookups[li].announcePending == 0 { complete(li, io: &io) }
        case .refresh(let b):
            table.touch(bucket: b, at: io.now)
            complete(li, io: &io)
        case .bootstrap:
            if settings.logLookups {
                io.log("dht.bootstrap.done", [LogField("contacts", table.count), LogField("messages", lookups[li].messages)])
            }
            complete(li, io: &io)
        case .findNode, .getPeers:
            complete(li, io: &io)
        }
    }

    mutating func announceAnswered(_ lid: UInt32, stored: Bool, rejected: Bool = false, io: inout HostIO<KRPCMessage>) {
        guard let li = lookups.firstIndex(where: { $0.id == lid }) else { return }
        lookups[li].announcePending -= 1
        if stored { lookups[li].stored += 1 }
        if rejected { lookups[li].rejected += 1 }
        if lookups[li].announcePending == 0 { complete(li, io: &io) }
    }

    /// Removes a finished lookup; reports it if the embedder started it.
    mutating func complete(_ li: Int, io: inout HostIO<KRPCMessage>) {
        let l = lookups.remove(at: li)
        guard l.external else {
            if case .announce = l.kind, settings.logLookups {
                io.log("dht.republish.done", [LogField("target", l.target.short), LogField("hops", l.hops),
                                              LogField("messages", l.messages), LogField("stored", l.stored),
                                              LogField("path", l.pathDescription)])
            }
            return
        }
        let kind = l.kind.publicKind
        let succeeded: Bool
        switch kind {
        case .getPeers: succeeded = !l.peers.isEmpty
        case .announce: succeeded = l.stored > 0
        case .findNode: succeeded = !l.closest.isEmpty
        }
        let result = DHTLookupResult(lookup: DHTLookupID(raw: l.id), kind: kind, target: l.target, peers: l.peers,
                                     closest: l.closest, storedAt: l.stored, rejected: l.rejected, hops: l.hops,
                                     messages: l.messages, startedAt: l.startedAt, finishedAt: io.now, succeeded: succeeded)
        if results.count >= max(1, settings.resultLimit) { results.removeFirst(results.count - max(1, settings.resultLimit) + 1) }
        results.append(result)
        metrics.record(result, limit: settings.sampleLimit)
        if settings.logLookups {
            io.log("dht.lookup.done", [
                LogField("kind", kind.description), LogField("target", l.target.short), LogField("ok", succeeded ? 1 : 0),
                LogField("hops", l.hops), LogField("messages", l.messages),
                LogField("ms", Double(result.duration.nanoseconds) / 1e6), LogField("peers", l.peers.count),
                LogField("path", l.pathDescription),
            ] + (kind == .announce ? [LogField("stored", l.stored)] : []))
        }
    }
}
