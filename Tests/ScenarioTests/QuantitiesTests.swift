import Testing
import Scenario
import SimKernel

// MARK: - TimeSpan

@Test(arguments: [
    ("0", 0),
    ("10s", 10_000_000_000),
    ("300ms", 300_000_000),
    ("1.5s", 1_500_000_000),
    ("0.1s", 100_000_000),
    ("250us", 250_000),
    ("250µs", 250_000),
    ("100ns", 100),
    ("2m", 120_000_000_000),
    ("1h", 3_600_000_000_000),
    ("1h30m", 5_400_000_000_000),
    ("1m0.5s", 60_500_000_000),
    ("1h2m3s4ms5us6ns", 3_723_004_005_006),
    ("0.000000001s", 1),
    ("1.250ms", 1_250_000),
    ("10 s", 10_000_000_000),
    (" 5ms ", 5_000_000),
    ("2562047h47m16.854775807s", Int64.max),
] as [(String, Int64)])
func timeSpanParsesExactly(text: String, nanoseconds: Int64) throws {
    #expect(try TimeSpan(parsing: text).duration.nanoseconds == nanoseconds)
}

@Test(arguments: ["10", "", "s", "1.5", "-1s", "1.s", ".5s", "10sec", "1d", "1s1h", "1m1m", "1.5m30s", "10s x", "1e3s", "0x10s", "1_000ms"])
func timeSpanRejects(text: String) {
    #expect(throws: QuantityParseError("expected a duration like 10s or 250ms, found '\(text)'")) { try TimeSpan(parsing: text) }
}

@Test func timeSpanRejectsSubNanosecondAndOverflow() {
    #expect(throws: QuantityParseError("expected a whole number of nanoseconds, found '1.5ns'")) { try TimeSpan(parsing: "1.5ns") }
    #expect(throws: QuantityParseError("expected a whole number of nanoseconds, found '0.0000000001s'")) {
        try TimeSpan(parsing: "0.0000000001s")
    }
    #expect(throws: QuantityParseError("expected a duration of at most 2562047h47m16.854775807s, found '2562048h'")) {
        try TimeSpan(parsing: "2562048h")
    }
    #expect(throws: QuantityParseError("expected a duration of at most 2562047h47m16.854775807s, found '2562047h48m'")) {
        try TimeSpan(parsing: "2562047h48m")
    }
}

@Test(arguments: ["0s", "1.5s", "1h30m", "131.072ms", "250us", "100ns", "1m0.5s", "2562047h47m16.854775807s"])
func timeSpanRoundTripsItsCanonicalText(text: String) throws {
    let span = try TimeSpan(parsing: text)
    #expect(span.description == text)
    #expect(TimeSpan(span.description) == span)
}

// MARK: - BitRate

@Test(arguments: [
    ("56kbps", 56_000),
    ("56Kbps", 56_000),
    ("1Mbps", 1_000_000),
    ("1.5Mbps", 1_500_000),
    ("10Gbps", 10_000_000_000),
    ("512bps", 512),
    ("100Mbit/s", 100_000_000),
    ("2.5 Gbit/s", 2_500_000_000),
    ("0.001Mbps", 1_000),
    ("1Tbps", 1_000_000_000_000),
] as [(String, Int64)])
func bitRateParsesExactly(text: String, bitsPerSecond: Int64) throws {
    #expect(try BitRate(parsing: text).bitsPerSecond == bitsPerSecond)
}

@Test(arguments: ["10", "Mbps", "1mbps", "1 M", "1.5", "-1Mbps", "1Mbps/s", "1e6bps"])
func bitRateRejects(text: String) {
    #expect(throws: QuantityParseError("expected a bit rate like 1Mbps, 56kbps or 10Gbit/s, found '\(text)'")) { try BitRate(parsing: text) }
}

@Test func bitRateErrorsExplainTheProblem() {
    #expect(throws: QuantityParseError("expected a bit rate greater than 0, found '0Mbps'")) { try BitRate(parsing: "0Mbps") }
    #expect(throws: QuantityParseError("expected a whole number of bits per second, found '1.5bps'")) { try BitRate(parsing: "1.5bps") }
    #expect(throws: QuantityParseError("expected a whole number of bits per second, found '0.0001kbps'")) { try BitRate(parsing: "0.0001kbps") }
    #expect(throws: QuantityParseError(
        "expected a bit rate like 1Mbps, 56kbps or 10Gbit/s, found '1MB/s'; bit rates count bits, not bytes (1MB/s is 8Mbps)"
    )) { try BitRate(parsing: "1MB/s") }
    #expect(throws: QuantityParseError("expected a bit rate of at most 9223372.036854775807Tbps, found '10000000Tbps'")) {
        try BitRate(parsing: "10000000Tbps")
    }
}

@Test func bitRateCanonicalText() throws {
    #expect(BitRate(bitsPerSecond: 1_500_000).description == "1.5Mbps")
    #expect(BitRate(bitsPerSecond: 56_000).description == "56kbps")
    #expect(BitRate(bitsPerSecond: 512).description == "512bps")
    #expect(BitRate(bitsPerSecond: 10_000_000_000).description == "10Gbps")
    #expect(BitRate(bitsPerSecond: 1_234_567).description == "1.234567Mbps")
    for bps: Int64 in [1, 999, 1_000, 1_001, 1_500_000, 123_456_789_012, 7_000_000_000_000] {
        #expect(try BitRate(parsing: BitRate(bitsPerSecond: bps).description).bitsPerSecond == bps)
    }
}

// MARK: - ByteCount

@Test(arguments: [
    ("100MB", 100_000_000),
    ("256KiB", 262_144),
    ("16KiB", 16_384),
    ("1GiB", 1_073_741_824),
    ("512B", 512),
    ("512", 512),
    ("0", 0),
    ("1KB", 1_000),
    ("1kB", 1_000),
    ("1.5KiB", 1_536),
    ("0.5MB", 500_000),
    ("2TiB", 2_199_023_255_552),
    ("3 MiB", 3_145_728),
] as [(String, Int64)])
func byteCountParsesExactly(text: String, bytes: Int64) throws {
    #expect(try ByteCount(parsing: text).bytes == bytes)
}

@Test(arguments: ["", "MB", "1kb", "1Mb", "1 bytes", "-1B", "1.5.0B", "1e3B", "16 KiBs"])
func byteCountRejects(text: String) {
    #expect(throws: QuantityParseError("expected a size like 512B, 16KiB or 100MB, found '\(text)'")) { try ByteCount(parsing: text) }
}

@Test func byteCountErrorsExplainTheProblem() {
    #expect(throws: QuantityParseError("expected a whole number of bytes, found '0.5B'")) { try ByteCount(parsing: "0.5B") }
    #expect(throws: QuantityParseError("expected a whole number of bytes, found '1.0001KiB'")) { try ByteCount(parsing: "1.0001KiB") }
    #expect(throws: QuantityParseError("expected a size of at most 9223372036854775807B, found '10000000TB'")) {
        try ByteCount(parsing: "10000000TB")
    }
}

@Test func byteCountCanonicalText() throws {
    #expect(ByteCount(bytes: 262_144).description == "256KiB")
    #expect(ByteCount(bytes: 100_000_000).description == "100MB")
    #expect(ByteCount(bytes: 1_500).description == "1500B")
    #expect(ByteCount(bytes: 1_000).description == "1KB")
    #expect(ByteCount(bytes: 0).description == "0B")
    for bytes: Int64 in [1, 1_000, 1_024, 1_536, 16_384, 262_144, 100_000_000, 1 << 40, 5_000_000_000_000] {
        #expect(try ByteCount(parsing: ByteCount(bytes: bytes).description).bytes == bytes)
    }
}

// MARK: - Codable

@Test func quantitiesDecodeFromYAMLAndEncodeCanonically() throws {
    struct Link: Codable, Equatable { var latency: TimeSpan; var capacity: BitRate; var buffer: ByteCount }
    let link = try StrictYAMLDecoder().decode(Link.self, from: "latency: 0.1s\ncapacity: 1.5Mbps\nbuffer: 65536\n", file: "l.yaml")
    #expect(link == Link(latency: TimeSpan(.milliseconds(100)), capacity: BitRate(bitsPerSecond: 1_500_000), buffer: ByteCount(bytes: 65_536)))
    #expect(link.latency.description == "100ms" && link.capacity.description == "1.5Mbps" && link.buffer.description == "64KiB")
    #expect(throws: ScenarioError(file: "l.yaml", line: 2, column: 11, keyPath: "capacity",
                                  message: "expected a bit rate greater than 0, found '0kbps'")) {
        try StrictYAMLDecoder().decode(Link.self, from: "latency: 1s\ncapacity: 0kbps\nbuffer: 1B\n", file: "l.yaml")
    }
    #expect(throws: ScenarioError(file: "l.yaml", line: 3, column: 9, keyPath: "buffer",
                                  message: "expected a whole number of bytes, found '0.5B'")) {
        try StrictYAMLDecoder().decode(Link.self, from: "latency: 1s\ncapacity: 1kbps\nbuffer: 0.5B\n", file: "l.yaml")
    }
}
