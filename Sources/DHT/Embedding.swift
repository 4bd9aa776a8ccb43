public import Network

// Helpers for applications that embed a DHT node (a BitTorrent peer using the DHT for peers).
//
//     struct Peer: HostApplication {
//         enum Payload: Sendable { case dht(KRPCMessage), wire(…) }
//         var dht = DHTNode(config: …)
//         mutating func handle(_ event: AppEvent<Payload>, io: inout HostIO<Payload>) {
//             let unwrap: (Payload) -> KRPCMessage? = { if case .dht(let m) = $0 { m } else { nil } }
//             if dht.handle(embedded: event, io: &io, wrap: Payload.dht, unwrap: unwrap) {
//                 for r in dht.takeResults() { … r.peers … }   // lookups finish inside DHT events
//                 return
//             }
//             …                                               // the peer's own events (and .start)
//             let id = dht.getPeers(infoHash, io: &io, wrap: Payload.dht)
//         }
//         mutating func crash() { dht.crash(); … }
//     }

extension DHTNode {
    /// Runs an event of an embedding application through this node. Returns true if the event was the
    /// node's alone (a DHT datagram, or a timer with the DHT tag): the embedder should then only drain
    /// `takeResults()`. `.start` is handled too but returns false, since the embedder starts as well.
    @discardableResult
    public mutating func handle<Outer: Sendable>(embedded event: AppEvent<Outer>, io: inout HostIO<Outer>,
                                                 wrap: (KRPCMessage) -> Outer, unwrap: (Outer) -> KRPCMessage?) -> Bool {
        switch event {
        case .start:
            io.embed(wrap) { handle(.start, io: &$0) }
            return false
        case .timer(let token):
            guard Self.ownsTimer(token) else { return false }
            io.embed(wrap) { handle(.timer(token), io: &$0) }
            return true
        case .datagram(let from, let port, let payload, let size):
            guard let message = unwrap(payload) else { return false }
            io.embed(wrap) { handle(.datagram(from: from, port: port, payload: message, size: size), io: &$0) }
            return true
        case .connected, .connectFailed, .accepted, .received, .closed:
            return false
        }
    }

    /// `getPeers(_:io:)` from an embedding application's handler.
    @discardableResult
    public mutating func getPeers<Outer: Sendable>(_ infoHash: DHTID, io: inout HostIO<Outer>, wrap: (KRPCMessage) -> Outer) -> DHTLookupID {
        var id = DHTLookupID(raw: 0)
        io.embed(wrap) { id = getPeers(infoHash, io: &$0) }
        return id
    }

    /// `announce(_:port:io:)` from an embedding application's handler.
    @discardableResult
    public mutating func announce<Outer: Sendable>(_ infoHash: DHTID, port: UInt16?, io: inout HostIO<Outer>,
                                                   wrap: (KRPCMessage) -> Outer) -> DHTLookupID {
        var id = DHTLookupID(raw: 0)
        io.embed(wrap) { id = announce(infoHash, port: port, io: &$0) }
        return id
    }

    /// `findNode(_:io:)` from an embedding application's handler.
    @discardableResult
    public mutating func findNode<Outer: Sendable>(_ target: DHTID, io: inout HostIO<Outer>, wrap: (KRPCMessage) -> Outer) -> DHTLookupID {
        var id = DHTLookupID(raw: 0)
        io.embed(wrap) { id = findNode(target, io: &$0) }
        return id
    }
}
