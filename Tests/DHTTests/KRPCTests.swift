import Testing
import BitTorrent
import Network
import SimKernel
@testable import DHT

private func id(_ s: String) -> DHTID {
    guard let id = DHTID(bytes: Array(s.utf8)) else { preconditionFailure("20 ASCII bytes expected") }
    return id
}
private let aa = ShortBytes(integer: 0x6161, count: 2)
private let token = ShortBytes(Array("aoeusnth".utf8)) ?? .empty

@Suite struct KRPCTests {
    /// The examples of BEP 5, byte for byte.
    static let examples: [(KRPCMessage, String)] = [
        (.query(.ping(id: id("abcdefghij0123456789")), transaction: aa),
         "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"),
        (.response(KRPCResponse(id: id("mnopqrstuvwxyz123456")), transaction: aa),
         "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re"),
        (.query(.findNode(id: id("abcdefghij0123456789"), target: id("mnopqrstuvwxyz123456")), transaction: aa),
         "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe"),
        (.query(.getPeers(id: id("abcdefghij0123456789"), infoHash: id("mnopqrstuvwxyz123456")), transaction: aa),
         "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe"),
        (.response(KRPCResponse(id: id("abcdefghij0123456789"),
                                values: [Endpoint(IPv4Address(97, 120, 106, 101), 0x2E75), Endpoint(IPv4Address(105, 100, 104, 116), 0x6E6D)],
                                token: token), transaction: aa),
         "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re"),
        (.query(.announcePeer(id: id("abcdefghij0123456789"), infoHash: id("mnopqrstuvwxyz123456"), port: 6881, token: token, impliedPort: true),
                transaction: aa),
         "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe"),
        (.error(.generic, transaction: aa), "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee"),
    ]

    @Test func bep5ExamplesEncodeAndDecodeExactly() throws {
        for (message, text) in Self.examples {
            let bytes = Array(text.utf8)
            #expect(message.encode() == bytes, "\(message)")
            #expect(try KRPCMessage(bytes: bytes) == message)
            #expect(message.encodedLength == bytes.count)
            #expect(message.wireSize == bytes.count + 28)
        }
    }

    @Test func findNodeResponseWithCompactNodes() throws {
        var rng = SimRandom(seed: 11)
        let nodes = (0..<8).map { i in CompactNode(id: .random(using: &rng), endpoint: Endpoint(IPv4Address(100, 64, 0, UInt8(i + 1)), 6881)) }
        let m = KRPCMessage.response(KRPCResponse(id: .random(using: &rng), nodes: nodes), transaction: aa)
        let bytes = m.encode()
        // 8 nodes × 26 bytes in one string.
        #expect(String(decoding: bytes, as: UTF8.self).contains("5:nodes208:"))
        #expect(try KRPCMessage(bytes: bytes) == m)
    }

    /// The size formula equals the encoder's length on many random messages.
    @Test func sizeFormulaMatchesEncoder() throws {
        var rng = SimRandom(seed: 99)
        func ep() -> Endpoint { Endpoint(IPv4Address(raw: UInt32(truncatingIfNeeded: rng.next())), UInt16(truncatingIfNeeded: rng.next())) }
        func bytes(_ n: Int) -> ShortBytes { ShortBytes((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) ?? .empty }
        for i in 0..<2000 {
            let t = bytes(Int(rng.next() % 21))
            let a = DHTID.random(using: &rng), b = DHTID.random(using: &rng)
            let body: KRPCMessage.Body
            switch i % 8 {
            case 0: body = .query(.ping(id: a))
            case 1: body = .query(.findNode(id: a, target: b))
            case 2: body = .query(.getPeers(id: a, infoHash: b))
            case 3:
                let implied: Bool? = [nil, true, false][Int(rng.next() % 3)]
                body = .query(.announcePeer(id: a, infoHash: b, port: UInt16(truncatingIfNeeded: rng.next()), token: bytes(Int(rng.next() % 21)), impliedPort: implied))
            case 4:
                let n = Int(rng.next() % 17)
                body = .response(KRPCResponse(id: a, nodes: (0..<n).map { _ in CompactNode(id: .random(using: &rng), endpoint: ep()) },
                                              token: rng.next() % 2 == 0 ? nil : bytes(Int(rng.next() % 21))))
            case 5:
                let n = Int(rng.next() % 120)
                body = .response(KRPCResponse(id: a, values: (0..<n).map { _ in ep() }, token: bytes(Int(rng.next() % 21))))
            case 6: body = .response(KRPCResponse(id: a, nodes: [], values: [], token: nil))
            default:
                let code = i == 7 ? Int64.min : i == 15 ? Int64.max : Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)
                body = .error(KRPCError(code: code, message: String(repeating: "x", count: Int(rng.next() % 300))))
            }
            let m = KRPCMessage(transaction: t, body: body)
            let encoded = m.encode()
            #expect(m.encodedLength == encoded.count, "\(m)")
            #expect(try KRPCMessage(bytes: encoded) == m)
        }
    }

    @Test func malformedMessagesAreRejectedNotTrapped() throws {
        let bad: [(String, (KRPCDecodingError.Reason) -> Bool)] = [
            ("", { if case .bencode = $0 { true } else { false } }),
            ("i3e", { if case .notADictionary = $0 { true } else { false } }),
            ("d1:y1:qe", { $0 == .missingKey("t") }),
            ("d1:ti1e1:y1:qe", { if case .wrongType(key: "t", _) = $0 { true } else { false } }),
            ("d1:t2:aa1:y1:xe", { $0 == .unknownMessageType("x") }),
            ("d1:t2:aae", { $0 == .missingKey("y") }),
            ("d1:q4:ping1:t2:aa1:y1:qe", { $0 == .missingKey("a") }),
            ("d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe", { if case .invalidValue(key: "id", _) = $0 { true } else { false } }),
            ("d1:ad2:id20:abcdefghij0123456789e1:q4:pong1:t2:aa1:y1:qe", { $0 == .unknownMethod("pong") }),
            ("d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:aa1:y1:qe", { $0 == .missingKey("a.target") }),
            ("d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti70000e5:token2:xxe1:q13:announce_peer1:t2:aa1:y1:qe",
             { if case .invalidValue(key: "a.port", _) = $0 { true } else { false } }),
            ("d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti1e5:token21:xxxxxxxxxxxxxxxxxxxxxe1:q13:announce_peer1:t2:aa1:y1:qe",
             { if case .invalidValue(key: "a.token", _) = $0 { true } else { false } }),
            ("d1:rd2:id20:abcdefghij01234567895:nodes3:abce1:t2:aa1:y1:re", { if case .invalidValue(key: "r.nodes", _) = $0 { true } else { false } }),
            ("d1:rd2:id20:abcdefghij01234567896:valuesl3:abcee1:t2:aa1:y1:re", { if case .invalidValue(key: "r.values", _) = $0 { true } else { false } }),
            ("d1:eli201ee1:t2:aa1:y1:ee", { if case .invalidValue(key: "e", _) = $0 { true } else { false } }),
            ("d1:t21:xxxxxxxxxxxxxxxxxxxxx1:y1:qe", { if case .invalidValue(key: "t", _) = $0 { true } else { false } }),
        ]
        for (text, matches) in bad {
            do {
                _ = try KRPCMessage(bytes: Array(text.utf8))
                Issue.record("accepted malformed \(text)")
            } catch {
                #expect(matches(error.reason), "\(text): \(error)")
            }
        }
        // A node answers an unknown method with 204 and a malformed query with 203, echoing "t".
        let unknown = #expect(throws: KRPCDecodingError.self) {
            try KRPCMessage(bytes: Array("d1:ad2:id20:abcdefghij0123456789e1:q4:pong1:t2:aa1:y1:qe".utf8))
        }
        #expect(unknown.flatMap(KRPCMessage.errorReply(for:)) == .error(.methodUnknown, transaction: aa))
        let malformed = #expect(throws: KRPCDecodingError.self) { try KRPCMessage(bytes: Array("d1:q4:ping1:t2:aa1:y1:qe".utf8)) }
        #expect(malformed.flatMap(KRPCMessage.errorReply(for:))?.body == .error(.protocolError))
        // Every truncation of a valid message is rejected.
        for (m, _) in Self.examples {
            let bytes = m.encode()
            for cut in 0..<bytes.count { #expect(throws: KRPCDecodingError.self) { try KRPCMessage(bytes: Array(bytes[..<cut])) } }
        }
    }

    /// Random corruption of valid messages never traps: each either decodes (and re-encodes to a message
    /// that decodes to the same value) or is rejected with an error.
    @Test func corruptedBytesNeverTrap() throws {
        var rng = SimRandom(seed: 5)
        var rejected = 0
        for i in 0..<5000 {
            var bytes = Self.examples[i % Self.examples.count].0.encode()
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: at)
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                }
                if bytes.isEmpty { break }
            }
            do {
                let m = try KRPCMessage(bytes: bytes)
                #expect(try KRPCMessage(bytes: m.encode()) == m)
            } catch {
                rejected += 1
            }
        }
        #expect(rejected > 4000)
    }

    @Test func unknownKeysAreIgnored() throws {
        // A "v" (client version) key, as real clients send.
        let text = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:v4:UT011:y1:qe"
        #expect(try KRPCMessage(bytes: Array(text.utf8)) == .query(.ping(id: id("abcdefghij0123456789")), transaction: aa))
    }

    @Test func errorCodes() {
        #expect(KRPCError.generic.code == 201)
        #expect(KRPCError.server.code == 202)
        #expect(KRPCError.protocolError.code == 203)
        #expect(KRPCError.badToken.code == 203)
        #expect(KRPCError.methodUnknown.code == 204)
    }
}
