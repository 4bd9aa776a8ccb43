import BitTorrent
import Foundation
import Testing

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Decodes `text` expecting failure; returns the error.
private func decodeError(_ text: String, maxDepth: Int = Bencode.defaultMaxDepth) -> BencodeError? {
    decodeError(bytes(text), maxDepth: maxDepth)
}

private func decodeError(_ input: [UInt8], maxDepth: Int = Bencode.defaultMaxDepth) -> BencodeError? {
    do {
        _ = try Bencode.decode(input, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

/// SplitMix64: a tiny seeded generator so the fuzz test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Bencode")
struct BencodeTests {
    // MARK: BEP 3's own examples

    @Test("BEP 3 examples decode and re-encode byte for byte")
    func bep3Examples() throws {
        #expect(try Bencode.decode(bytes("4:spam")) == .bytes("spam"))
        #expect(try Bencode.decode(bytes("i3e")) == .integer(3))
        #expect(try Bencode.decode(bytes("i-3e")) == .integer(-3))
        #expect(try Bencode.decode(bytes("i0e")) == .integer(0))
        #expect(try Bencode.decode(bytes("0:")) == .bytes(""))
        #expect(try Bencode.decode(bytes("l4:spam4:eggse")) == ["spam", "eggs"])
        #expect(try Bencode.decode(bytes("d3:cow3:moo4:spam4:eggse")) == ["cow": "moo", "spam": "eggs"])
        #expect(try Bencode.decode(bytes("d4:spaml1:a1:bee")) == ["spam": ["a", "b"]])
        #expect(try Bencode.decode(bytes("le")) == .list([]))
        #expect(try Bencode.decode(bytes("de")) == .dictionary([:]))
        for text in ["4:spam", "i3e", "i-3e", "i0e", "0:", "l4:spam4:eggse", "d3:cow3:moo4:spam4:eggse", "d4:spaml1:a1:bee"] {
            #expect(try Bencode.decode(bytes(text)).encoded() == bytes(text), "\(text)")
        }
    }

    @Test("Encoder sorts keys as raw bytes, not as Swift strings")
    func canonicalKeyOrder() {
        let value: BencodeValue = ["b": 1, "a": 2, "B": 3, "ab": 4, "\u{e9}": 5, "z": 6]
        // 'B' (0x42) < 'a' < 'ab' < 'b' < 'z' < 0xC3 0xA9 ('é').
        #expect(value.encoded() == bytes("d1:Bi3e1:ai2e2:abi4e1:bi1e1:zi6e2:\u{e9}i5ee"))
        // Binary keys compare unsigned.
        let binary = BencodeValue.dictionary([ByteString([0xFF]): 1, ByteString([0x01]): 2])
        #expect(binary.encoded() == [UInt8]("d1:".utf8) + [0x01] + bytes("i2e1:") + [0xFF] + bytes("i1ee"))
    }

    @Test("Round trip of nested values, binary strings and extreme integers")
    func roundTrips() throws {
        let values: [BencodeValue] = [
            .integer(Int64.max), .integer(Int64.min), .integer(-1),
            .bytes(ByteString((0...255).map { UInt8($0) })),
            ["info": ["name": "x", "pieces": .bytes(ByteString([0, 1, 2])), "files": [["path": ["a", "b"], "length": 3]]]],
            [[], [:], [[[1]]], ["": ""]],
        ]
        for value in values {
            let encoded = value.encoded()
            let decoded = try Bencode.decode(encoded)
            #expect(decoded == value)
            #expect(decoded.encoded() == encoded)
        }
        #expect(try Bencode.decode(bytes("i9223372036854775807e")) == .integer(Int64.max))
        #expect(try Bencode.decode(bytes("i-9223372036854775808e")) == .integer(Int64.min))
    }

    @Test("Accessors return the payload only for the matching case")
    func accessors() {
        let value: BencodeValue = ["n": 7, "s": "text", "l": [1], "b": .bytes(ByteString([0xFF]))]
        #expect(value["n"]?.integer == 7)
        #expect(value["s"]?.string == "text")
        #expect(value["b"]?.byteString == ByteString([0xFF]))
        #expect(value["b"]?.string == nil)  // not UTF-8
        #expect(value["l"]?.list == [1])
        #expect(value["n"]?.string == nil)
        #expect(value["missing"] == nil)
        #expect(BencodeValue.integer(1)["n"] == nil)
    }

    // MARK: Rejections, each with its offset

    @Test(
        "Malformed input is rejected with the right reason and offset",
        arguments: [
            // integers
            ("i03e", 1, BencodeError.Reason.leadingZeroInInteger),
            ("i-03e", 2, .leadingZeroInInteger),
            ("i00e", 1, .leadingZeroInInteger),
            ("i-0e", 0, .negativeZero),
            ("ie", 0, .emptyInteger),
            ("i-e", 0, .emptyInteger),
            ("i12", 3, .unexpectedEnd),
            ("i", 1, .unexpectedEnd),
            ("i1x2e", 2, .unexpectedByte(UInt8(ascii: "x"))),
            ("i+1e", 1, .unexpectedByte(UInt8(ascii: "+"))),
            ("i9223372036854775808e", 0, .integerOverflow),
            ("i-9223372036854775809e", 0, .integerOverflow),
            ("i99999999999999999999999999999e", 0, .integerOverflow),
            // strings
            ("03:abc", 0, .leadingZeroInLength),
            ("4:spa", 0, .lengthExceedsInput(length: 4, remaining: 3)),
            ("5", 1, .unexpectedEnd),
            ("5x", 1, .unexpectedByte(UInt8(ascii: "x"))),
            ("99999999999999999999999:x", 0, .lengthOverflow),
            ("9223372036854775807:x", 0, .lengthExceedsInput(length: Int.max, remaining: 1)),
            // lists and dictionaries
            ("l4:spam", 7, .unexpectedEnd),
            ("l", 1, .unexpectedEnd),
            ("d3:cow", 6, .unexpectedEnd),
            ("d3:cow3:moo", 11, .unexpectedEnd),
            ("d4:spam4:eggs3:cow3:mooe", 13, .unsortedKey("cow")),
            ("d3:cow3:moo3:cow3:mooe", 11, .duplicateKey("cow")),
            ("d1:bi1e1:ai2ee", 7, .unsortedKey("a")),
            ("d2:abi1e1:ai2ee", 8, .unsortedKey("a")),
            ("di1ei2ee", 1, .nonStringKey),
            ("dl1:ae1:be", 1, .nonStringKey),
            ("dde1:ae", 1, .nonStringKey),
            ("dxe", 1, .unexpectedByte(UInt8(ascii: "x"))),
            // top level
            ("", 0, .unexpectedEnd),
            ("e", 0, .unexpectedByte(UInt8(ascii: "e"))),
            ("x", 0, .unexpectedByte(UInt8(ascii: "x"))),
            ("i1ei2e", 3, .trailingData(count: 3)),
            ("4:spamx", 6, .trailingData(count: 1)),
            ("le ", 2, .trailingData(count: 1)),
        ] as [(String, Int, BencodeError.Reason)]
    )
    func rejections(input: String, offset: Int, reason: BencodeError.Reason) {
        let error = decodeError(input)
        #expect(error == BencodeError(offset: offset, reason: reason), "input \(input.debugDescription)")
    }

    @Test("Error descriptions name the byte offset and the problem")
    func errorDescription() {
        let padding = "d3:abc" + "3:xyz" + "3:num"  // offset 16 is the 'i'
        let error = decodeError(padding + "i03ee")
        #expect(error?.description == "bencode error at byte 17: leading zero in integer")
        #expect(decodeError("d3:cow3:moo3:cow3:mooe")?.description == "bencode error at byte 11: duplicate dictionary key \"cow\"")
        #expect(decodeError("4:spa")?.description == "bencode error at byte 0: string length 4 exceeds the 3 remaining bytes")
        #expect(decodeError([0x01])?.description == "bencode error at byte 0: unexpected byte 0x01")
    }

    @Test("Nesting is bounded: depth 64 decodes, 65 is rejected at the 65th container")
    func nestingDepth() throws {
        let ok = String(repeating: "l", count: 64) + String(repeating: "e", count: 64)
        #expect(throws: Never.self) { try Bencode.decode(bytes(ok)) }
        let tooDeep = String(repeating: "l", count: 65) + String(repeating: "e", count: 65)
        #expect(decodeError(tooDeep) == BencodeError(offset: 64, reason: .nestingTooDeep(limit: 64)))
        let dicts = String(repeating: "d1:a", count: 65) + "i1e" + String(repeating: "e", count: 65)
        #expect(decodeError(dicts) == BencodeError(offset: 64 * 4, reason: .nestingTooDeep(limit: 64)))
        #expect(decodeError("lle", maxDepth: 1) == BencodeError(offset: 1, reason: .nestingTooDeep(limit: 1)))
        // A million open brackets: rejected quickly, no stack overflow.
        let huge = [UInt8](repeating: UInt8(ascii: "l"), count: 1_000_000)
        #expect(decodeError(huge) == BencodeError(offset: 64, reason: .nestingTooDeep(limit: 64)))
    }

    @Test("Top-level ranges point at each value's original bytes")
    func documentRanges() throws {
        let input = bytes("d4:infod4:name1:xe5:valuei42ee")
        let document = try Bencode.decodeDocument(input)
        let infoRange = try #require(document.topLevelRanges["info"])
        #expect(Array(input[infoRange]) == bytes("d4:name1:xe"))
        let valueRange = try #require(document.topLevelRanges["value"])
        #expect(Array(input[valueRange]) == bytes("i42e"))
        #expect(document.topLevelRanges["name"] == nil)  // nested keys are not top level
        #expect(try Bencode.decodeDocument(bytes("l1:ae")).topLevelRanges.isEmpty)
    }

    @Test("Large inputs decode in linear time")
    func linearTime() throws {
        // 100,000 sorted keys and a 100,000-element list: quadratic behaviour would take minutes.
        var input: [UInt8] = [UInt8(ascii: "d")]
        for index in 0..<100_000 {
            let key = String(format: "k%07d", index)
            input += bytes("\(key.utf8.count):\(key)i\(index)e")
        }
        input += bytes("4:listl")
        for _ in 0..<100_000 { input += bytes("i1e") }
        input += bytes("ee")
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            let value = try Bencode.decode(input)
            #expect(value.dictionary?.count == 100_001)
            #expect(value.encoded() == input)
        }
        #expect(elapsed < .seconds(30))
    }

    @Test("Fuzz: random, truncated and mutated inputs never crash and finish in bounded time")
    func fuzz() throws {
        var random = SplitMix64(seed: 0x1E7_1AB)
        let alphabet = bytes("0123456789ilde:-x")
        let seeds: [[UInt8]] = [
            bytes("d8:announce12:http://t/ann4:infod6:lengthi300e4:name1:x12:piece lengthi32768e6:pieces20:aaaaaaaaaaaaaaaaaaaaee"),
            bytes("d3:cow3:moo4:spam4:eggse"),
            bytes("l4:spam4:eggsi-42ed1:ai1eee"),
        ]
        let clock = ContinuousClock()
        var decoded = 0
        var rejected = 0
        let elapsed = clock.measure {
            for round in 0..<30_000 {
                var input: [UInt8]
                switch round % 4 {
                case 0:  // random bytes from the bencode alphabet
                    let count = Int(random.next() % 64)
                    input = (0..<count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
                case 1:  // truncated valid input
                    let seed = seeds[Int(random.next() % UInt64(seeds.count))]
                    input = Array(seed.prefix(Int(random.next() % UInt64(seed.count + 1))))
                case 2:  // mutated valid input: flip, insert or delete a few bytes
                    input = seeds[Int(random.next() % UInt64(seeds.count))]
                    for _ in 0..<(1 + Int(random.next() % 4)) {
                        let position = Int(random.next() % UInt64(input.count + 1))
                        let byte = random.next() % 2 == 0
                            ? alphabet[Int(random.next() % UInt64(alphabet.count))]
                            : UInt8(truncatingIfNeeded: random.next())
                        switch random.next() % 3 {
                        case 0 where position < input.count: input[position] = byte
                        case 1: input.insert(byte, at: position)
                        default: if position < input.count { input.remove(at: position) }
                        }
                    }
                default:  // fully random bytes
                    let count = Int(random.next() % 48)
                    input = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                }
                if let value = try? Bencode.decode(input) {
                    // Whatever the strict decoder accepts is canonical: it re-encodes identically.
                    #expect(value.encoded() == input)
                    decoded += 1
                } else {
                    let offset = decodeError(input)?.offset ?? -1
                    #expect(offset >= 0 && offset <= input.count)
                    rejected += 1
                }
                _ = try? Metainfo(bytes: input)
            }
        }
        #expect(decoded > 100)
        #expect(rejected > 10_000)
        #expect(elapsed < .seconds(60))
    }
}
