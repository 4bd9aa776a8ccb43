public import BitTorrent
public import Network
import SimKernel

// KRPC (BEP 5): bencoded dictionaries over UDP. Every message has "t" (transaction id) and "y"
// ("q" query, "r" response, "e" error). Queries carry "q" (method) and "a" (arguments), responses
// "r" (return values), errors "e" = [code, message]. Node contacts travel as "compact node info"
// (20-byte id + 4-byte IPv4 + 2-byte port = 26 bytes), peers as "compact peer info" (6 bytes).

/// A node's contact as KRPC carries it ("compact node info", 26 bytes on the wire).
public struct CompactNode: Hashable, Sendable, CustomStringConvertible {
    /// The node's 160-bit id.
    public var id: DHTID
    /// Its public UDP endpoint.
    public var endpoint: Endpoint
    /// A contact as given.
    @inlinable public init(id: DHTID, endpoint: Endpoint) { self.id = id; self.endpoint = endpoint }
    /// Bytes on the wire.
    public static let byteCount = 26
    public var description: String { "\(id.short)@\(endpoint)" }
}

/// A KRPC query (BEP 5): the four DHT methods with their arguments.
public enum KRPCQuery: Hashable, Sendable {
    /// `ping`: a = {id}.
    case ping(id: DHTID)
    /// `find_node`: a = {id, target}.
    case findNode(id: DHTID, target: DHTID)
    /// `get_peers`: a = {id, info_hash}.
    case getPeers(id: DHTID, infoHash: DHTID)
    /// `announce_peer`: a = {id, implied_port?, info_hash, port, token}. With `impliedPort == true` the
    /// receiver stores the UDP source port instead of `port`. `nil` leaves the key out.
    case announcePeer(id: DHTID, infoHash: DHTID, port: UInt16, token: ShortBytes, impliedPort: Bool?)

    /// The querying node's id.
    public var id: DHTID {
        switch self {
        case .ping(let id), .findNode(let id, _), .getPeers(let id, _), .announcePeer(let id, _, _, _, _): return id
        }
    }

    /// The method name on the wire.
    public var method: String {
        switch self {
        case .ping: return "ping"
        case .findNode: return "find_node"
        case .getPeers: return "get_peers"
        case .announcePeer: return "announce_peer"
        }
    }
}

/// A KRPC response's return values. Which keys appear depends on the query answered:
/// `ping`/`announce_peer` → {id}; `find_node` → {id, nodes}; `get_peers` → {id, token, values} or {id, token, nodes}.
public struct KRPCResponse: Hashable, Sendable {
    /// The responding node's id.
    public var id: DHTID
    /// "nodes": compact node info of the closest nodes known to the responder.
    public var nodes: [CompactNode]?
    /// "values": compact peer info of peers for the info-hash.
    public var values: [Endpoint]?
    /// "token": to present in a later `announce_peer` to this node.
    public var token: ShortBytes?

    /// A response from node `id`; pass only the keys the answered query returns.
    public init(id: DHTID, nodes: [CompactNode]? = nil, values: [Endpoint]? = nil, token: ShortBytes? = nil) {
        self.id = id; self.nodes = nodes; self.values = values; self.token = token
    }
}

/// A KRPC error: "e" = [code, message].
public struct KRPCError: Hashable, Sendable, CustomStringConvertible {
    /// The error code (201–204 in BEP 5).
    public var code: Int64
    /// Human-readable text.
    public var message: String
    /// An error as given.
    public init(code: Int64, message: String) { self.code = code; self.message = message }

    /// 201 Generic Error.
    public static let generic = KRPCError(code: 201, message: "A Generic Error Ocurred")
    /// 202 Server Error.
    public static let server = KRPCError(code: 202, message: "A Server Error Ocurred")
    /// 203 Protocol Error (malformed packet, invalid arguments, or bad token).
    public static let protocolError = KRPCError(code: 203, message: "A Protocol Error Ocurred, such as a malformed packet, invalid arguments, or bad token")
    /// 203 for an `announce_peer` whose token is stale, foreign, or issued to another address.
    public static let badToken = KRPCError(code: 203, message: "Bad token")
    /// 204 Method Unknown.
    public static let methodUnknown = KRPCError(code: 204, message: "Method Unknown")

    public var description: String { "\(code) \(message)" }
}

/// One KRPC message: a transaction id and a query, response or error.
///
/// `encode()` writes the exact BEP 5 bencoding; `init(bytes:)` decodes and validates it (malformed
/// input throws `KRPCDecodingError`, never traps). `wireSize` is the datagram size on the emulated wire
/// (encoded length + 28 bytes of IPv4 and UDP headers), computed arithmetically, without encoding.
public struct KRPCMessage: Hashable, Sendable, CustomStringConvertible {
    /// The message's kind ("y") and content.
    public enum Body: Hashable, Sendable {
        /// "y" = "q": a query and its arguments ("q", "a").
        case query(KRPCQuery)
        /// "y" = "r": a response's return values ("r").
        case response(KRPCResponse)
        /// "y" = "e": an error ("e" = [code, message]).
        case error(KRPCError)
    }

    /// The message lives in one immutable box, so that a packet carrying it through the event heap is
    /// one pointer rather than ~100 bytes; the wire size is computed once, when the message is made.
    @usableFromInline final class Storage: Sendable {
        @usableFromInline let transaction: ShortBytes
        @usableFromInline let body: Body
        @usableFromInline let encodedLength: Int
        @usableFromInline let digest: UInt64
        @usableFromInline init(transaction: ShortBytes, body: Body) {
            self.transaction = transaction
            self.body = body
            self.encodedLength = KRPCMessage.encodedLength(transaction: transaction, body: body)
            self.digest = KRPCMessage.digest(transaction: transaction, body: body)
        }
    }
    @usableFromInline var storage: Storage

    /// "t": chosen by the querier, echoed in the response or error.
    public var transaction: ShortBytes {
        get { storage.transaction }
        set { storage = Storage(transaction: newValue, body: storage.body) }
    }
    /// What the message is: a query, a response or an error.
    public var body: Body {
        get { storage.body }
        set { storage = Storage(transaction: storage.transaction, body: newValue) }
    }

    /// A message with transaction id `transaction`.
    public init(transaction: ShortBytes, body: Body) { storage = Storage(transaction: transaction, body: body) }

    public static func == (a: KRPCMessage, b: KRPCMessage) -> Bool {
        a.storage === b.storage || (a.transaction == b.transaction && a.body == b.body)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(transaction)
        hasher.combine(body)
    }

    /// A query.
    public static func query(_ q: KRPCQuery, transaction: ShortBytes) -> KRPCMessage { .init(transaction: transaction, body: .query(q)) }
    /// A response.
    public static func response(_ r: KRPCResponse, transaction: ShortBytes) -> KRPCMessage { .init(transaction: transaction, body: .response(r)) }
    /// An error.
    public static func error(_ e: KRPCError, transaction: ShortBytes) -> KRPCMessage { .init(transaction: transaction, body: .error(e)) }

    /// IPv4 (20 bytes) + UDP (8 bytes) headers.
    public static let headerBytes = 28

    /// The datagram size: encoded length plus IPv4/UDP headers.
    @inlinable public var wireSize: Int { encodedLength + Self.headerBytes }

    public var description: String {
        switch body {
        case .query(let q):
            switch q {
            case .ping(let id): return "q ping id=\(id.short) t=\(transaction)"
            case .findNode(let id, let target): return "q find_node id=\(id.short) target=\(target.short) t=\(transaction)"
            case .getPeers(let id, let h): return "q get_peers id=\(id.short) info_hash=\(h.short) t=\(transaction)"
            case .announcePeer(let id, let h, let port, let token, let implied):
                return "q announce_peer id=\(id.short) info_hash=\(h.short) port=\(port) token=\(token)\(implied == true ? " implied_port" : "") t=\(transaction)"
            }
        case .response(let r):
            var s = "r id=\(r.id.short)"
            if let n = r.nodes { s += " nodes=\(n.count)" }
            if let v = r.values { s += " values=\(v.count)" }
            if let t = r.token { s += " token=\(t)" }
            return s + " t=\(transaction)"
        case .error(let e): return "e \(e.code) \"\(e.message)\" t=\(transaction)"
        }
    }

    /// A 64-bit digest for the run fingerprint (stable across processes; computed once, without encoding).
    public var digest: UInt64 { storage.digest }

    static func digest(transaction: ShortBytes, body: Body) -> UInt64 {
        var h = transaction.digest
        switch body {
        case .query(let q):
            switch q {
            case .ping(let id): h ^= SplitMix64.mix(id.digest ^ 1)
            case .findNode(let id, let t): h ^= SplitMix64.mix(id.digest ^ t.digest << 1 ^ 2)
            case .getPeers(let id, let t): h ^= SplitMix64.mix(id.digest ^ t.digest << 1 ^ 3)
            case .announcePeer(let id, let t, let port, let token, let implied):
                h ^= SplitMix64.mix(id.digest ^ t.digest << 1 ^ token.digest << 2 ^ UInt64(port) << 3 ^ (implied.map { $0 ? 5 : 6 } ?? 7))
            }
        case .response(let r):
            var x = r.id.digest ^ 0x52
            if let nodes = r.nodes {
                for n in nodes { x = SplitMix64.mix(x ^ n.id.digest ^ UInt64(n.endpoint.address.raw) << 16 ^ UInt64(n.endpoint.port)) }
            }
            if let values = r.values {
                x ^= 0x56
                for v in values { x = SplitMix64.mix(x ^ UInt64(v.address.raw) << 16 ^ UInt64(v.port)) }
            }
            if let t = r.token { x ^= t.digest << 3 }
            h ^= SplitMix64.mix(x)
        case .error(let e): h ^= SplitMix64.mix(UInt64(bitPattern: e.code) ^ stableHash(e.message) ^ 0x45)
        }
        return h
    }
}

// MARK: - Encoding

extension KRPCMessage {
    /// The exact BEP 5 bencoding (canonical: dictionary keys sorted as raw bytes).
    public func encode() -> [UInt8] { bencodeValue.encoded() }

    /// The message as a bencode value.
    public var bencodeValue: BencodeValue {
        var top: [ByteString: BencodeValue] = ["t": .bytes(ByteString(transaction.bytes))]
        switch body {
        case .query(let q):
            top["y"] = "q"
            top["q"] = .bytes(ByteString(q.method))
            var a: [ByteString: BencodeValue] = ["id": Self.idValue(q.id)]
            switch q {
            case .ping: break
            case .findNode(_, let target): a["target"] = Self.idValue(target)
            case .getPeers(_, let h): a["info_hash"] = Self.idValue(h)
            case .announcePeer(_, let h, let port, let token, let implied):
                a["info_hash"] = Self.idValue(h)
                a["port"] = .integer(Int64(port))
                a["token"] = .bytes(ByteString(token.bytes))
                if let implied { a["implied_port"] = .integer(implied ? 1 : 0) }
            }
            top["a"] = .dictionary(a)
        case .response(let r):
            top["y"] = "r"
            var d: [ByteString: BencodeValue] = ["id": Self.idValue(r.id)]
            if let nodes = r.nodes {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(nodes.count * CompactNode.byteCount)
                for n in nodes {
                    n.id.append(to: &bytes)
                    Self.appendCompact(n.endpoint, to: &bytes)
                }
                d["nodes"] = .bytes(ByteString(bytes))
            }
            if let values = r.values {
                d["values"] = .list(values.map { v in
                    var b: [UInt8] = []
                    Self.appendCompact(v, to: &b)
                    return .bytes(ByteString(b))
                })
            }
            if let token = r.token { d["token"] = .bytes(ByteString(token.bytes)) }
            top["r"] = .dictionary(d)
        case .error(let e):
            top["y"] = "e"
            top["e"] = .list([.integer(e.code), .bytes(ByteString(e.message))])
        }
        return .dictionary(top)
    }

    static func idValue(_ id: DHTID) -> BencodeValue { .bytes(ByteString(id.bytes)) }

    /// Compact IPv4/port info: 4 address bytes then 2 port bytes, network order.
    static func appendCompact(_ e: Endpoint, to out: inout [UInt8]) {
        let a = e.address.raw
        out.append(UInt8(truncatingIfNeeded: a >> 24)); out.append(UInt8(truncatingIfNeeded: a >> 16))
        out.append(UInt8(truncatingIfNeeded: a >> 8)); out.append(UInt8(truncatingIfNeeded: a))
        out.append(UInt8(truncatingIfNeeded: e.port >> 8)); out.append(UInt8(truncatingIfNeeded: e.port))
    }

    // MARK: Size without encoding

    /// Decimal digits of an unsigned integer.
    static func digits(_ v: UInt64) -> Int {
        var n = 1, x = v
        while x >= 10 { x /= 10; n += 1 }
        return n
    }
    /// Bencoded length of a byte string of `n` bytes.
    static func str(_ n: Int) -> Int { digits(UInt64(n)) + 1 + n }
    /// Bencoded length of an integer.
    static func int(_ v: Int64) -> Int { 2 + (v < 0 ? 1 : 0) + digits(v.magnitude) }

    /// The length of `encode()`, computed arithmetically when the message is made (checked against the
    /// encoder in tests).
    @inlinable public var encodedLength: Int { storage.encodedLength }

    @usableFromInline static func encodedLength(transaction: ShortBytes, body: Body) -> Int {
        // Top level: d … e; "1:t" + t; "1:y" + "1:q|r|e".
        var n = 2 + 3 + Self.str(Int(transaction.count)) + 3 + 3
        let id = 4 + 23  // "2:id" + "20:<20 bytes>"
        switch body {
        case .query(let q):
            n += 3 + Self.str(q.method.utf8.count)  // "1:q" + method
            var a = 2 + id                           // "1:a" counted below; d … e
            switch q {
            case .ping: break
            case .findNode: a += 8 + 23                // "6:target"
            case .getPeers: a += 11 + 23               // "9:info_hash"
            case .announcePeer(_, _, let port, let token, let implied):
                a += 11 + 23 + 6 + Self.int(Int64(port)) + 7 + Self.str(Int(token.count))
                if implied != nil { a += 15 + 3 }      // "12:implied_port" + i0e/i1e
            }
            n += 3 + a
        case .response(let r):
            var d = 2 + id
            if let nodes = r.nodes { d += 7 + Self.str(nodes.count * CompactNode.byteCount) }
            if let token = r.token { d += 7 + Self.str(Int(token.count)) }
            if let values = r.values { d += 8 + 2 + values.count * 8 }  // "6:values" l … e, each "6:xxxxxx"
            n += 3 + d
        case .error(let e):
            n += 3 + 2 + Self.int(e.code) + Self.str(e.message.utf8.count)
        }
        return n
    }
}

// MARK: - Decoding

/// Why bytes are not a valid KRPC message. `transaction` is set when the "t" key could be read, so
/// that a node can answer with a KRPC error (`replyCode`: 204 for an unknown method, else 203).
public struct KRPCDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong with the bytes.
    public enum Reason: Hashable, Sendable {
        /// Not strict bencode.
        case bencode(BencodeError)
        /// The top-level value (or "a"/"r") is not a dictionary.
        case notADictionary(String)
        /// A required key is absent.
        case missingKey(String)
        /// A key's value has the wrong bencode type.
        case wrongType(key: String, expected: String)
        /// A key's value has the right type but not an acceptable value (a wrong length, say).
        case invalidValue(key: String, problem: String)
        /// "y" is not q, r or e.
        case unknownMessageType(String)
        /// A query method other than ping, find_node, get_peers, announce_peer.
        case unknownMethod(String)
    }
    /// What is wrong.
    public var reason: Reason
    /// The "t" value, if it could be read (nil: no error reply can be matched to the query).
    public var transaction: ShortBytes?

    /// The KRPC error code a node should answer with.
    public var replyCode: Int64 {
        if case .unknownMethod = reason { return 204 }
        return 203
    }

    public var description: String {
        switch reason {
        case .bencode(let e): return "KRPC: \(e)"
        case .notADictionary(let what): return "KRPC: \(what) is not a dictionary"
        case .missingKey(let k): return "KRPC: missing key '\(k)'"
        case .wrongType(let k, let t): return "KRPC: '\(k)' must be \(t)"
        case .invalidValue(let k, let p): return "KRPC: invalid '\(k)': \(p)"
        case .unknownMessageType(let y): return "KRPC: unknown message type '\(y)'"
        case .unknownMethod(let m): return "KRPC: unknown method '\(m)'"
        }
    }
}

extension KRPCMessage {
    /// Decodes and validates one KRPC message. Unknown keys (such as "v") are ignored, as BEP 5 asks.
    /// Transaction ids and tokens longer than 20 bytes are rejected.
    public init(bytes: [UInt8]) throws(KRPCDecodingError) {
        let value: BencodeValue
        do { value = try Bencode.decode(bytes) } catch { throw KRPCDecodingError(reason: .bencode(error), transaction: nil) }
        guard let top = value.dictionary else { throw KRPCDecodingError(reason: .notADictionary("message"), transaction: nil) }
        guard let tv = top["t"] else { throw KRPCDecodingError(reason: .missingKey("t"), transaction: nil) }
        guard let tb = tv.byteString else { throw KRPCDecodingError(reason: .wrongType(key: "t", expected: "a byte string"), transaction: nil) }
        guard let t = ShortBytes(tb.bytes) else {
            throw KRPCDecodingError(reason: .invalidValue(key: "t", problem: "longer than \(ShortBytes.capacity) bytes"), transaction: nil)
        }
        func fail(_ r: KRPCDecodingError.Reason) -> KRPCDecodingError { KRPCDecodingError(reason: r, transaction: t) }
        guard let yv = top["y"] else { throw fail(.missingKey("y")) }
        guard let y = yv.byteString else { throw fail(.wrongType(key: "y", expected: "a byte string")) }
        switch y.bytes {
        case [UInt8(ascii: "q")]:
            guard let mv = top["q"] else { throw fail(.missingKey("q")) }
            guard let m = mv.byteString else { throw fail(.wrongType(key: "q", expected: "a byte string")) }
            guard let av = top["a"] else { throw fail(.missingKey("a")) }
            guard let a = av.dictionary else { throw fail(.notADictionary("a")) }
            let id = try Self.id(a, "id", t)
            let method = m.string ?? m.description
            switch method {
            case "ping": self.init(transaction: t, body: .query(.ping(id: id)))
            case "find_node": self.init(transaction: t, body: .query(.findNode(id: id, target: try Self.id(a, "target", t))))
            case "get_peers": self.init(transaction: t, body: .query(.getPeers(id: id, infoHash: try Self.id(a, "info_hash", t))))
            case "announce_peer":
                let h = try Self.id(a, "info_hash", t)
                guard let pv = a["port"] else { throw fail(.missingKey("a.port")) }
                guard let p = pv.integer else { throw fail(.wrongType(key: "a.port", expected: "an integer")) }
                guard let port = UInt16(exactly: p) else { throw fail(.invalidValue(key: "a.port", problem: "\(p) is not a port")) }
                guard let tokv = a["token"] else { throw fail(.missingKey("a.token")) }
                guard let tokb = tokv.byteString else { throw fail(.wrongType(key: "a.token", expected: "a byte string")) }
                guard let token = ShortBytes(tokb.bytes) else {
                    throw fail(.invalidValue(key: "a.token", problem: "longer than \(ShortBytes.capacity) bytes"))
                }
                var implied: Bool?
                if let iv = a["implied_port"] {
                    guard let i = iv.integer else { throw fail(.wrongType(key: "a.implied_port", expected: "an integer")) }
                    guard i == 0 || i == 1 else { throw fail(.invalidValue(key: "a.implied_port", problem: "must be 0 or 1")) }
                    implied = i == 1
                }
                self.init(transaction: t, body: .query(.announcePeer(id: id, infoHash: h, port: port, token: token, impliedPort: implied)))
            default:
                throw fail(.unknownMethod(method))
            }
        case [UInt8(ascii: "r")]:
            guard let rv = top["r"] else { throw fail(.missingKey("r")) }
            guard let r = rv.dictionary else { throw fail(.notADictionary("r")) }
            var response = KRPCResponse(id: try Self.id(r, "id", t))
            if let nv = r["nodes"] {
                guard let nb = nv.byteString?.bytes else { throw fail(.wrongType(key: "r.nodes", expected: "a byte string")) }
                guard nb.count % CompactNode.byteCount == 0 else {
                    throw fail(.invalidValue(key: "r.nodes", problem: "\(nb.count) bytes is not a multiple of 26"))
                }
                var nodes: [CompactNode] = []
                nodes.reserveCapacity(nb.count / CompactNode.byteCount)
                var i = 0
                while i < nb.count {
                    guard let nid = DHTID(bytes: nb[i..<i + 20]) else { throw fail(.invalidValue(key: "r.nodes", problem: "bad id")) }
                    nodes.append(CompactNode(id: nid, endpoint: Self.compactEndpoint(nb, at: i + 20)))
                    i += CompactNode.byteCount
                }
                response.nodes = nodes
            }
            if let vv = r["values"] {
                guard let list = vv.list else { throw fail(.wrongType(key: "r.values", expected: "a list")) }
                var values: [Endpoint] = []
                values.reserveCapacity(list.count)
                for item in list {
                    guard let b = item.byteString?.bytes else { throw fail(.wrongType(key: "r.values", expected: "a list of byte strings")) }
                    guard b.count == 6 else { throw fail(.invalidValue(key: "r.values", problem: "a peer is \(b.count) bytes, not 6")) }
                    values.append(Self.compactEndpoint(b, at: 0))
                }
                response.values = values
            }
            if let tokv = r["token"] {
                guard let tokb = tokv.byteString else { throw fail(.wrongType(key: "r.token", expected: "a byte string")) }
                guard let token = ShortBytes(tokb.bytes) else {
                    throw fail(.invalidValue(key: "r.token", problem: "longer than \(ShortBytes.capacity) bytes"))
                }
                response.token = token
            }
            self.init(transaction: t, body: .response(response))
        case [UInt8(ascii: "e")]:
            guard let ev = top["e"] else { throw fail(.missingKey("e")) }
            guard let list = ev.list else { throw fail(.wrongType(key: "e", expected: "a list")) }
            guard list.count == 2, let code = list[0].integer, let msg = list[1].byteString else {
                throw fail(.invalidValue(key: "e", problem: "must be [code, message]"))
            }
            self.init(transaction: t, body: .error(KRPCError(code: code, message: msg.string ?? msg.description)))
        default:
            throw fail(.unknownMessageType(y.string ?? y.description))
        }
    }

    static func id(_ d: [ByteString: BencodeValue], _ key: String, _ t: ShortBytes) throws(KRPCDecodingError) -> DHTID {
        let parent = key == "id" ? "id" : "a.\(key)"
        guard let v = d[ByteString(key)] else { throw KRPCDecodingError(reason: .missingKey(parent), transaction: t) }
        guard let b = v.byteString else { throw KRPCDecodingError(reason: .wrongType(key: parent, expected: "a byte string"), transaction: t) }
        guard let id = DHTID(bytes: b.bytes) else {
            throw KRPCDecodingError(reason: .invalidValue(key: parent, problem: "\(b.count) bytes, not 20"), transaction: t)
        }
        return id
    }

    /// Reads 6 bytes of compact peer info at `i` (the caller checked the length).
    static func compactEndpoint(_ b: [UInt8], at i: Int) -> Endpoint {
        let a = UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        return Endpoint(IPv4Address(raw: a), UInt16(b[i + 4]) << 8 | UInt16(b[i + 5]))
    }

    /// The KRPC error a node sends back for undecodable bytes, if the transaction id could be read.
    public static func errorReply(for error: KRPCDecodingError) -> KRPCMessage? {
        guard let t = error.transaction else { return nil }
        return .error(error.replyCode == 204 ? .methodUnknown : .protocolError, transaction: t)
    }
}
