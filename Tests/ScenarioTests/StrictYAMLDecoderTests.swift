import Testing
import Scenario
import SimKernel
import Foundation

// A small scenario schema, shaped like the real one, to exercise the decoder.

private enum NATKind: String, Codable, CaseIterable, Equatable {
    case none
    case fullCone = "full-cone"
    case symmetric
}

private struct HostGroup: Codable, Equatable {
    var count: Int
    var region: String?
    var up: BitRate
    var down: BitRate
    var nat: NATKind?
}

private struct Torrent: Codable, Equatable {
    var size: ByteCount
    var pieceSize: ByteCount
    var seeders: Int8
    var endgame: Bool?
}

private struct Doc: Codable, Equatable {
    var seed: UInt64
    var duration: TimeSpan
    var regions: [String]
    var hosts: [HostGroup]
    var torrent: Torrent?
    var latency: [String: TimeSpan]?
    var lossRate: Double?
    var notes: String?
}

private let decoder = StrictYAMLDecoder()

/// The error decoding a `Doc` throws, as its one-line description (or a note that it did not throw).
private func failure(_ yaml: String, overrides: [String] = []) -> String {
    failure(Doc.self, yaml, overrides: overrides)
}

/// The error decoding `T` throws, as its one-line description (or a note that it did not throw).
private func failure<T: Decodable>(_ type: T.Type, _ yaml: String, overrides: [String] = []) -> String {
    do {
        let value = try decoder.decode(T.self, from: yaml, file: "s.yaml", overrides: overrides)
        return "decoded without error: \(value)"
    } catch {
        return error.description
    }
}

private let minimal = """
    seed: 1
    duration: 10s
    regions: [eu, us]
    hosts:
      - count: 10
        up: 1Mbps
        down: 8Mbps
      - count: 2
        region: us
        up: 10Mbps
        down: 10Mbps

    """

// MARK: - Successful decoding

@Test func decodesRealisticDocument() throws {
    let yaml = """
        # A swarm with a seeder group and leechers behind NATs.
        seed: 42
        duration: 1h30m
        regions:
          - eu
          - us
        defaults: &leecher
          up: 1Mbps
          down: 8Mbps
          nat: full-cone
        hosts:
          - count: 1
            region: eu
            up: 100Mbps
            down: 100Mbps
          - <<: *leecher
            count: 50
            region: us
            nat: symmetric
          - <<: *leecher
            count: 0x10
        torrent:
          size: 100MB
          pieceSize: 256KiB
          seeders: -1
          endgame: true
        latency:
          eu-us: 45ms
          eu-eu: 0.5ms
        lossRate: 1e-3
        notes: ~

        """
    struct WithDefaults: Decodable {
        var scenario: Doc
        init(from decoder: any Decoder) throws {
            // `defaults` only holds the anchor; asking about it makes it a known key.
            let c = try decoder.container(keyedBy: AnyKey.self)
            _ = c.contains(AnyKey("defaults"))
            scenario = try Doc(from: decoder)
        }
    }
    let s = try decoder.decode(WithDefaults.self, from: yaml, file: "s.yaml").scenario
    #expect(s.seed == 42)
    #expect(s.duration.duration == .seconds(5400))
    #expect(s.regions == ["eu", "us"])
    #expect(s.hosts == [
        HostGroup(count: 1, region: "eu", up: BitRate(bitsPerSecond: 100_000_000), down: BitRate(bitsPerSecond: 100_000_000), nat: nil),
        HostGroup(count: 50, region: "us", up: BitRate(bitsPerSecond: 1_000_000), down: BitRate(bitsPerSecond: 8_000_000), nat: .symmetric),
        HostGroup(count: 16, region: nil, up: BitRate(bitsPerSecond: 1_000_000), down: BitRate(bitsPerSecond: 8_000_000), nat: .fullCone),
    ])
    #expect(s.torrent == Torrent(size: ByteCount(bytes: 100_000_000), pieceSize: ByteCount(bytes: 262_144), seeders: -1, endgame: true))
    #expect(s.latency == ["eu-us": TimeSpan(.milliseconds(45)), "eu-eu": TimeSpan(.microseconds(500))])
    #expect(s.lossRate == 0.001)
    #expect(s.notes == nil)
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

@Test func optionalsMayBeAbsentOrNull() throws {
    let s = try decoder.decode(Doc.self, from: minimal + "notes:\ntorrent: null\n", file: "s.yaml")
    #expect(s.notes == nil && s.torrent == nil && s.latency == nil)
    #expect(s.hosts.map(\.count) == [10, 2])
    #expect(s.hosts[1].region == "us")
}

@Test func stringsAcceptAnyScalarButNotNull() throws {
    struct Named: Decodable { var name: String }
    #expect(try decoder.decode(Named.self, from: "name: 42", file: "s.yaml").name == "42")
    #expect(try decoder.decode(Named.self, from: "name: 'yes'", file: "s.yaml").name == "yes")
    #expect(failure(Named.self, "name:") == "s.yaml:1:6: error: name: expected a string, found nothing")
    #expect(failure(Named.self, "name: [a]") == "s.yaml:1:7: error: name: expected a string, found a sequence")
}

@Test func numbersOfEveryWidth() throws {
    struct Numbers: Decodable, Equatable {
        var i8: Int8, i16: Int16, i32: Int32, i64: Int64, u: UInt, u8: UInt8, u16: UInt16, u32: UInt32, u64: UInt64
        var d: Double, f: Float, big: [Int]
    }
    let yaml = """
        i8: -128
        i16: 32767
        i32: -5
        i64: 9223372036854775807
        u: 7
        u8: 255
        u16: 1_000
        u32: +12
        u64: 18446744073709551615
        d: -2.5e3
        f: .5
        big: [1, -1, 0x7f]
        """
    let n = try decoder.decode(Numbers.self, from: yaml, file: "s.yaml")
    #expect(n == Numbers(i8: -128, i16: 32767, i32: -5, i64: .max, u: 7, u8: 255, u16: 1000, u32: 12, u64: .max,
                         d: -2500, f: 0.5, big: [1, -1, 127]))
}

// MARK: - Type errors

@Test func wrongTypeSaysWhatWasFound() {
    let yaml = minimal.replacingFirst("count: 10", with: "count: abc")
    #expect(failure(yaml) == "s.yaml:5:12: error: hosts[0].count: expected an integer, found 'abc'")
}

@Test func integersRejectFractionsQuotesAndOverflow() {
    #expect(failure(minimal.replacingFirst("count: 10", with: "count: 1.5"))
        == "s.yaml:5:12: error: hosts[0].count: expected an integer, found '1.5'")
    #expect(failure(minimal.replacingFirst("count: 10", with: "count: \"12\""))
        == "s.yaml:5:12: error: hosts[0].count: expected an integer, found a quoted string '12' (remove the quotes)")
    #expect(failure(minimal.replacingFirst("count: 10", with: "count: 99999999999999999999"))
        == "s.yaml:5:12: error: hosts[0].count: expected an integer from -9223372036854775808 to 9223372036854775807, found '99999999999999999999'")
    #expect(failure(minimal.replacingFirst("seed: 1", with: "seed: -1"))
        == "s.yaml:1:7: error: seed: expected an integer from 0 to 18446744073709551615, found '-1'")
    #expect(failure(minimal + "torrent: {size: 1MB, pieceSize: 16KiB, seeders: 300}\n")
        == "s.yaml:12:49: error: torrent.seeders: expected an integer from -128 to 127, found '300'")
    #expect(failure(minimal.replacingFirst("count: 10", with: "count:"))
        == "s.yaml:5:11: error: hosts[0].count: expected an integer, found nothing")
}

@Test func boolsAreOnlyTrueOrFalse() {
    let torrent = "torrent: {size: 1MB, pieceSize: 16KiB, seeders: 1, endgame: %@}\n"
    #expect(failure(minimal + torrent.replacingFirst("%@", with: "yes"))
        == "s.yaml:12:61: error: torrent.endgame: expected true or false, found 'yes'")
    #expect(failure(minimal + torrent.replacingFirst("%@", with: "'true'"))
        == "s.yaml:12:61: error: torrent.endgame: expected true or false, found a quoted string 'true' (remove the quotes)")
    #expect(failure(minimal + torrent.replacingFirst("%@", with: "1"))
        == "s.yaml:12:61: error: torrent.endgame: expected true or false, found '1'")
}

@Test func doublesRejectWords() {
    #expect(failure(minimal + "lossRate: 1%\n") == "s.yaml:12:11: error: lossRate: expected a number, found '1%'")
}

@Test func containersOfTheWrongShape() {
    #expect(failure("- 1\n- 2\n") == "s.yaml:1:1: error: expected a mapping, found a sequence")
    #expect(failure(minimal.replacingFirst("regions: [eu, us]", with: "regions: eu"))
        == "s.yaml:3:10: error: regions: expected a sequence, found 'eu'")
    #expect(failure("seed: 1\nduration: 1s\nregions: []\nhosts:\n  x: 1\n")
        == "s.yaml:5:3: error: hosts: expected a sequence, found a mapping")
}

@Test func nestedArrayElementErrorNamesTheElement() {
    let yaml = minimal.replacingFirst("up: 10Mbps", with: "up: 10")
    #expect(failure(yaml) == "s.yaml:10:9: error: hosts[1].up: expected a bit rate like 1Mbps, 56kbps or 10Gbit/s, found '10'")
}

@Test func quantityGivenAMappingSaysSo() {
    let yaml = minimal.replacingFirst("duration: 10s", with: "duration: {seconds: 10}")
    #expect(failure(yaml) == "s.yaml:2:11: error: duration: expected a duration like 10s or 250ms, found a mapping")
}

// MARK: - Keys

@Test func unknownKeySuggestsTheClosestExpectedOne() {
    let yaml = minimal.replacingFirst("region: us", with: "regoin: us")
    #expect(failure(yaml)
        == "s.yaml:9:5: error: hosts[1].regoin: unknown key 'regoin'; expected one of: count, region, up, down, nat; did you mean 'region'?")
}

@Test func unknownKeyWithoutAnyCloseMatch() {
    #expect(failure(minimal + "colour: blue\n")
        == "s.yaml:12:1: error: colour: unknown key 'colour'; expected one of: seed, duration, regions, hosts, torrent, latency, lossRate, notes")
}

@Test func earliestUnknownKeyIsReportedFirst() {
    let yaml = minimal.replacingFirst("up: 10Mbps", with: "up: 10Mbps\n    speed: 3") + "extra:\n  deep: {a: 1}\n"
    #expect(failure(yaml).hasPrefix("s.yaml:11:5: error: hosts[1].speed: unknown key 'speed'"))
}

@Test func misspelledRequiredKeyPointsAtTheTypo() {
    let yaml = minimal.replacingFirst("count: 10", with: "cuont: 10")
    #expect(failure(yaml) == "s.yaml:5:5: error: hosts[0].cuont: missing required key 'count'; found 'cuont', did you mean 'count'?")
}

@Test func missingRequiredKeyPointsAtTheMapping() {
    let yaml = minimal.replacingFirst("    down: 8Mbps\n", with: "")
    #expect(failure(yaml) == "s.yaml:5:5: error: hosts[0]: missing required key 'down'")
    #expect(failure("") == "s.yaml:1:1: error: missing required key 'seed'")
}

@Test func duplicateKeysAreErrors() {
    #expect(failure(minimal + "seed: 2\n") == "s.yaml:12:1: error: duplicate key 'seed' (first defined at line 1, column 1)")
    let nested = minimal.replacingFirst("up: 1Mbps", with: "up: 1Mbps\n    count: 3")
    #expect(failure(nested) == "s.yaml:7:5: error: duplicate key 'count' (first defined at line 5, column 5)")
    // `1` and "1" are different YAML values but the same key to a Decodable type.
    struct Limits: Decodable { var limits: [String: Int] }
    #expect(failure(Limits.self, "limits:\n  1: 5\n  \"1\": 6\n")
        == "s.yaml:3:3: error: limits.1: duplicate key '1' (first defined at line 2, column 3)")
}

@Test func unknownKeysInMergedMappingsAreReported() {
    let yaml = """
        seed: 1
        duration: 1s
        regions: []
        hosts:
          - &base {count: 1, up: 1Mbps, down: 1Mbps, upp: 2Mbps}
          - <<: *base
            count: 2

        """
    #expect(failure(yaml) == "s.yaml:5:46: error: hosts[0].upp: unknown key 'upp'; expected one of: count, region, up, down, nat; did you mean 'up'?")
}

// MARK: - Hand-written init(from:)

/// Decodes `{link: {ends: [a, b], latency: 5ms}}` with nested containers instead of nested types.
private struct Wiring: Decodable {
    var ends: [String]
    var latency: TimeSpan
    enum Outer: String, CodingKey { case link }
    enum Inner: String, CodingKey { case ends, latency }
    init(from decoder: any Decoder) throws {
        let link = try decoder.container(keyedBy: Outer.self).nestedContainer(keyedBy: Inner.self, forKey: .link)
        var list = try link.nestedUnkeyedContainer(forKey: .ends)
        ends = []
        while !list.isAtEnd { ends.append(try list.decode(String.self)) }
        latency = try link.decode(TimeSpan.self, forKey: .latency)
    }
}

@Test func nestedContainersAreCheckedAndLocatedToo() throws {
    let w = try decoder.decode(Wiring.self, from: "link:\n  ends: [a, b]\n  latency: 5ms\n", file: "s.yaml")
    #expect(w.ends == ["a", "b"] && w.latency == TimeSpan(.milliseconds(5)))
    #expect(failure(Wiring.self, "link:\n  ends: [a, [b]]\n  latency: 5ms\n")
        == "s.yaml:2:13: error: link.ends[1]: expected a string, found a sequence")
    #expect(failure(Wiring.self, "link:\n  ends: []\n  latency: 5ms\n  lateny: 6ms\n")
        == "s.yaml:4:3: error: link.lateny: unknown key 'lateny'; expected one of: ends, latency; did you mean 'latency'?")
}

@Test func aliasedMappingsAreCheckedWhereverTheyAreUsed() {
    // The same (anchored) mapping used twice: the typo is reported once, deterministically.
    let yaml = minimal.replacingFirst("  - count: 2\n", with: "  - &g\n    count: 2\n    speed: 1\n") + "extra: *g\n"
    #expect(failure(yaml).hasPrefix("s.yaml:10:5: error: hosts[1].speed: unknown key 'speed'"))
}

// MARK: - Enums

@Test func invalidEnumCaseListsTheValidOnes() {
    let yaml = minimal.replacingFirst("region: us", with: "nat: symetric")
    #expect(failure(yaml)
        == "s.yaml:9:10: error: hosts[1].nat: invalid value 'symetric'; expected one of: none, full-cone, symmetric; did you mean 'symmetric'?")
    #expect(failure(minimal.replacingFirst("region: us", with: "nat: open"))
        == "s.yaml:9:10: error: hosts[1].nat: invalid value 'open'; expected one of: none, full-cone, symmetric")
}

// MARK: - Validation in init(from:)

private struct Swarm: Decodable {
    var peers: Int
    var maxPeers: Int
    enum CodingKeys: String, CodingKey { case peers, maxPeers }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        peers = try c.decode(Int.self, forKey: .peers)
        maxPeers = try c.decode(Int.self, forKey: .maxPeers)
        guard peers >= 1 else { throw ScenarioValidation("must be at least 1, found \(peers)", key: CodingKeys.peers) }
        guard maxPeers >= peers else {
            throw DecodingError.dataCorruptedError(forKey: .maxPeers, in: c, debugDescription: "must be at least peers (\(peers))")
        }
    }
}

private struct Port: Decodable {
    var value: UInt16
    init(from decoder: any Decoder) throws {
        value = try UInt16(from: decoder)
        guard value != 0 else { throw ScenarioValidation("port 0 is reserved") }
    }
}

private struct Custom: Error, CustomStringConvertible { var description: String { "custom failure" } }
private struct Failing: Decodable {
    init(from decoder: any Decoder) throws { throw Custom() }
}

@Test func validationErrorsAreLocated() {
    struct Swarms: Decodable { var swarm: Swarm; var ports: [Port]?; var failing: Failing? }
    #expect(failure(Swarms.self, "swarm:\n  peers: 0\n  maxPeers: 5\n")
        == "s.yaml:2:10: error: swarm.peers: must be at least 1, found 0")
    #expect(failure(Swarms.self, "swarm:\n  peers: 3\n  maxPeers: 2\n")
        == "s.yaml:3:13: error: swarm.maxPeers: must be at least peers (3)")
    #expect(failure(Swarms.self, "swarm: {peers: 1, maxPeers: 1}\nports: [80, 0]\n")
        == "s.yaml:2:13: error: ports[1]: port 0 is reserved")
    #expect(failure(Swarms.self, "swarm: {peers: 1, maxPeers: 1}\nfailing: {}\n")
        == "s.yaml:2:10: error: failing: custom failure")
}

// MARK: - YAML syntax

@Test func syntaxErrorsKeepYamsPosition() {
    #expect(failure("seed: 1\nregions: [eu, us\nhosts: []\n")
        == "s.yaml:3:6: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 10)")
    #expect(failure("seed: 1\n  duration: 2s\n")
        == "s.yaml:2:11: error: invalid YAML: mapping values are not allowed in this context")
    #expect(failure("seed: 1\n\tduration: 2s\n")
        == "s.yaml:2:1: error: invalid YAML: found a tab character that violates indentation (while scanning a plain scalar at line 1, column 7); YAML does not allow tabs for indentation, use spaces")
}

// MARK: - Overrides

@Test func overridesChangeSetAndAddValues() throws {
    let s = try decoder.decode(Doc.self, from: minimal, file: "s.yaml", overrides: [
        "seed=9", "hosts.0.nat=symmetric", "regions=[a, b, c]", "hosts.1.count=7",
        "torrent={size: 1GiB, pieceSize: 1MiB, seeders: 3}", "torrent.seeders=4", "notes=",
    ])
    #expect(s.seed == 9)
    #expect(s.hosts[0].nat == .symmetric)
    #expect(s.regions == ["a", "b", "c"])
    #expect(s.hosts[1].count == 7)
    #expect(s.torrent == Torrent(size: ByteCount(bytes: 1 << 30), pieceSize: ByteCount(bytes: 1 << 20), seeders: 4, endgame: nil))
    #expect(s.notes == nil)
}

@Test func overrideThatSetsAWronglyTypedValue() {
    #expect(failure(minimal, overrides: ["hosts.0.count=abc"])
        == "--set hosts.0.count=abc:1:15: error: hosts[0].count: expected an integer, found 'abc'")
    #expect(failure(minimal, overrides: ["regions=[a, {b: 1}]"])
        == "--set regions=[a, {b: 1}]:1:13: error: regions[1]: expected a string, found a mapping")
    #expect(failure(minimal, overrides: ["hosts.1.nat=open"])
        == "--set hosts.1.nat=open:1:13: error: hosts[1].nat: invalid value 'open'; expected one of: none, full-cone, symmetric")
}

@Test func overrideAddingAnUnknownKey() {
    #expect(failure(minimal, overrides: ["seed=2", "hosts.0.cuont=5"])
        == "--set hosts.0.cuont=5:1:9: error: hosts[0].cuont: unknown key 'cuont'; expected one of: count, region, up, down, nat; did you mean 'count'?")
    #expect(failure(minimal, overrides: ["torrent={size: 1MB, pieceSize: 1MB, seeders: 1, sedeers: 2}"])
        == "--set torrent={size: 1MB, pieceSize: 1MB, seeders: 1, sedeers: 2}:1:49: error: torrent.sedeers: unknown key 'sedeers'; expected one of: size, pieceSize, seeders, endgame; did you mean 'seeders'?")
}

@Test func malformedOverrides() {
    #expect(failure(minimal, overrides: ["seed"]) == "--set seed:1:1: error: expected KEY.PATH=VALUE, found no '='")
    #expect(failure(minimal, overrides: ["=3"]) == "--set =3:1:1: error: expected a key path before '=', found nothing")
    #expect(failure(minimal, overrides: ["hosts..count=3"]) == "--set hosts..count=3:1:7: error: expected a key between dots, found nothing")
    #expect(failure(minimal, overrides: ["regions=[a, b"])
        == "--set regions=[a, b:1:14: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 9)")
}

@Test func overridePathsThatDoNotExist() {
    // A missing mapping on the way is created; a misspelt one is then an unknown key, at the override.
    #expect(failure(minimal, overrides: ["torent.seeders=1"])
        == "--set torent.seeders=1:1:1: error: torent: unknown key 'torent'; expected one of: seed, duration, regions, hosts, torrent, latency, lossRate, notes; did you mean 'torrent'?")
    // An index into a sequence that is not there cannot be created.
    #expect(failure(minimal, overrides: ["hots.0.count=1"])
        == "--set hots.0.count=1:1:1: error: key 'hots' not found; existing keys: seed, duration, regions, hosts; did you mean 'hosts'?")
    #expect(failure(minimal, overrides: ["hosts.5.count=1"])
        == "--set hosts.5.count=1:1:7: error: hosts: index 5 is out of range; the sequence has 2 elements (0...1)")
    #expect(failure(minimal, overrides: ["hosts.first.count=1"])
        == "--set hosts.first.count=1:1:7: error: hosts: expected an index into the sequence, found 'first'")
    #expect(failure(minimal, overrides: ["seed.value=1"])
        == "--set seed.value=1:1:6: error: seed: cannot set 'value' inside '1'; it is not a mapping or a sequence")
}

/// `--set torrent.seeders=3` in a file without `torrent:` creates the mapping (an error inside it still
/// points at the override).
@Test func overrideCreatesAMissingMapping() throws {
    let incomplete = failure(minimal, overrides: ["torrent.seeders=3"])
    #expect(incomplete.hasPrefix("--set torrent.seeders=3:") && incomplete.contains("size"), "\(incomplete)")
    let s = try decoder.decode(Doc.self, from: minimal, file: "s.yaml",
                               overrides: ["torrent.size=1MB", "torrent.pieceSize=256KiB", "torrent.seeders=3"])
    #expect(s.torrent?.seeders == 3 && s.torrent?.pieceSize.bytes == 262_144)
    #expect(failure(minimal, overrides: ["torrent={size: 1MB, pieceSize: 1MB, seeders: 1}", "torrent.seeders=x"])
        == "--set torrent.seeders=x:1:17: error: torrent.seeders: expected an integer, found 'x'")
}

@Test func laterOverridesWin() throws {
    let s = try decoder.decode(Doc.self, from: minimal, file: "s.yaml", overrides: ["seed=abc", "seed=5"])
    #expect(s.seed == 5)
    // An error inside a value replaced by a later override is reported against the later one.
    #expect(failure(minimal, overrides: ["hosts.0.count=x", "hosts.0={count: y, up: 1Mbps, down: 1Mbps}"])
        == "--set hosts.0={count: y, up: 1Mbps, down: 1Mbps}:1:17: error: hosts[0].count: expected an integer, found 'y'")
}

// MARK: - Source map and error text

@Test func sourceMapLocatesValuesForLaterChecks() throws {
    let (s, sources) = try decoder.decodeWithSourceMap(Doc.self, from: minimal, file: "s.yaml", overrides: ["hosts.0.region=asia"])
    #expect(s.hosts[0].region == "asia")
    #expect(sources.error(at: "hosts[1].region", "no region named 'us'").description
        == "s.yaml:9:13: error: hosts[1].region: no region named 'us'")
    #expect(sources.error(at: "hosts[0].region", "no region named 'asia'").description
        == "--set hosts.0.region=asia:1:16: error: hosts[0].region: no region named 'asia'")
    // An omitted optional: the mapping that lacks it.
    #expect(sources.location(of: "hosts[1].nat") == sources.location(of: "hosts[1]"))
    #expect(sources.location(of: "hosts[1]").line == 8)
}

@Test func descriptionOmitsAnEmptyKeyPath() {
    #expect(ScenarioError(file: "a.yaml", line: 2, column: 3, keyPath: "", message: "boom").description == "a.yaml:2:3: error: boom")
    #expect(ScenarioError(file: "a.yaml", line: 2, column: 3, keyPath: "x[0]", message: "boom").description == "a.yaml:2:3: error: x[0]: boom")
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
