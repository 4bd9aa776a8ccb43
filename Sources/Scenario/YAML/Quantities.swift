public import SimKernel

// Human-readable quantities in scenario files: `10s`, `1.5Mbps`, `256KiB`.
//
// Each type decodes from a string (and encodes back to a canonical string that decodes to the same
// value). Parsing is exact: the decimal digits are scaled with integer arithmetic, never through
// `Double`, so `1.5Mbps` is exactly 1_500_000 bit/s and `0.1s` exactly 100_000_000 ns. A value
// that cannot be represented exactly (`1.5ns`, `0.5B`) is an error rather than silently rounded.

/// Why a quantity's text was rejected; `message` names what was expected and what was found.
public struct QuantityParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

// MARK: - TimeSpan

/// A span of virtual time written like `10s`, `300ms`, `1.5s`, `250us`, `100ns`, `2m`, `1h`, `1h30m` or `0`.
///
/// Units: `h`, `m` (minutes), `s`, `ms`, `us` (or `µs`), `ns`. Several parts must go from larger to
/// smaller units (`1h30m`, `1m0.5s`), only the last may have a fraction, and the total must be a whole
/// number of nanoseconds. Encodes as `SimDuration.description` (`1h30m`, `1.5s`, `131.072ms`).
public struct TimeSpan: Codable, Sendable, Hashable, Comparable, LosslessStringConvertible {
    public var duration: SimDuration

    public init(_ duration: SimDuration) { self.duration = duration }

    static let expectation = "a duration like 10s or 250ms"

    /// Parses the text; throws `QuantityParseError` with a message for the user.
    public init(parsing text: String) throws(QuantityParseError) {
        let trimmed = text.trimmingSpaces
        let invalid = QuantityParseError("expected \(Self.expectation), found \(Spelling.quoted(text))")
        if trimmed == "0" { self.init(.zero); return }

        let units: [(name: String, nanoseconds: Int64)] = [
            ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000),
            ("ms", 1_000_000), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ns", 1),
        ]
        var scanner = QuantityScanner(trimmed)
        var total: Int64 = 0
        var previousScale = Int64.max
        repeat {
            guard let number = scanner.decimal() else { throw invalid }
            scanner.skipSpaces()
            let unitName = scanner.letters()
            guard let unit = units.first(where: { $0.name == unitName }),
                  unit.nanoseconds < previousScale,
                  number.fraction.isEmpty || scanner.isAtEnd
            else { throw invalid }
            previousScale = unit.nanoseconds
            let tooLong = QuantityParseError("expected a duration of at most \(SimDuration(nanoseconds: .max)), found \(Spelling.quoted(text))")
            switch ExactDecimal.scale(number, by: unit.nanoseconds) {
            case .success(let ns):
                let (sum, overflow) = total.addingReportingOverflow(ns)
                guard !overflow else { throw tooLong }
                total = sum
            case .failure(.overflow):
                throw tooLong
            case .failure(.inexact):
                throw QuantityParseError("expected a whole number of nanoseconds, found \(Spelling.quoted(text))")
            }
            scanner.skipSpaces()
        } while !scanner.isAtEnd
        self.init(SimDuration(nanoseconds: total))
    }

    public init?(_ description: String) {
        guard let value = try? TimeSpan(parsing: description) else { return nil }
        self = value
    }

    /// The canonical text, e.g. `1h30m`, `1.5s`, `250us`, `0s`.
    public var description: String { duration.description }

    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.duration < b.duration }

    public init(from decoder: any Decoder) throws {
        let text = try QuantityText.read(from: decoder, expected: Self.expectation)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: try decoder.singleValueContainer(), debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

// MARK: - BitRate

/// A link capacity written like `56kbps`, `1Mbps`, `1.5Mbps`, `10Gbps`, `512bps` or `100Mbit/s`.
///
/// Prefixes are decimal (`k`/`K` = 1000, `M`, `G`, `T`); the rate must be a positive whole number of
/// bits per second. Encodes with the largest prefix that keeps at least 1 (`1.5Mbps`, `56kbps`).
public struct BitRate: Codable, Sendable, Hashable, Comparable, LosslessStringConvertible {
    public var bitsPerSecond: Int64

    public init(bitsPerSecond: Int64) { self.bitsPerSecond = bitsPerSecond }

    static let expectation = "a bit rate like 1Mbps, 56kbps or 10Gbit/s"
    private static let prefixes: [(name: String, scale: Int64)] = [
        ("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000), ("K", 1_000), ("", 1),
    ]

    /// Parses the text; throws `QuantityParseError` with a message for the user.
    public init(parsing text: String) throws(QuantityParseError) {
        let found = Spelling.quoted(text)
        var scanner = QuantityScanner(text.trimmingSpaces)
        guard let number = scanner.decimal() else { throw QuantityParseError("expected \(Self.expectation), found \(found)") }
        scanner.skipSpaces()
        let unit = scanner.rest
        var scale: Int64?
        for prefix in Self.prefixes where unit == prefix.name + "bps" || unit == prefix.name + "bit/s" {
            scale = prefix.scale
        }
        guard let scale else {
            var message = "expected \(Self.expectation), found \(found)"
            if unit.contains("B") { message += "; bit rates count bits, not bytes (1MB/s is 8Mbps)" }
            throw QuantityParseError(message)
        }
        switch ExactDecimal.scale(number, by: scale) {
        case .success(let bps):
            guard bps > 0 else { throw QuantityParseError("expected a bit rate greater than 0, found \(found)") }
            self.init(bitsPerSecond: bps)
        case .failure(.inexact):
            throw QuantityParseError("expected a whole number of bits per second, found \(found)")
        case .failure(.overflow):
            throw QuantityParseError("expected a bit rate of at most \(BitRate(bitsPerSecond: .max)), found \(found)")
        }
    }

    public init?(_ description: String) {
        guard let value = try? BitRate(parsing: description) else { return nil }
        self = value
    }

    /// The canonical text, e.g. `1.5Mbps`, `56kbps`, `512bps`.
    public var description: String {
        let magnitude = bitsPerSecond.magnitude
        for (name, scale) in Self.prefixes where name != "K" && magnitude >= UInt64(scale) {
            return (bitsPerSecond < 0 ? "-" : "") + ExactDecimal.format(magnitude, dividedBy: UInt64(scale)) + name + "bps"
        }
        return "0bps"
    }

    public static func < (a: BitRate, b: BitRate) -> Bool { a.bitsPerSecond < b.bitsPerSecond }

    public init(from decoder: any Decoder) throws {
        let text = try QuantityText.read(from: decoder, expected: Self.expectation)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: try decoder.singleValueContainer(), debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

// MARK: - ByteCount

/// A size written like `100MB`, `256KiB`, `16KiB`, `1GiB`, `512B` or a plain integer (bytes).
///
/// `KB`/`kB`, `MB`, `GB`, `TB` are powers of 1000; `KiB`, `MiB`, `GiB`, `TiB` powers of 1024. The size
/// must be a whole number of bytes (`1.5KiB` is fine, `0.5B` is not). Encodes with the largest binary
/// unit that divides it exactly, else the largest decimal one, else in bytes (`256KiB`, `100MB`, `1500B`).
public struct ByteCount: Codable, Sendable, Hashable, Comparable, LosslessStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    static let expectation = "a size like 512B, 16KiB or 100MB"
    private static let binaryUnits: [(name: String, scale: Int64)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
    ]
    private static let decimalUnits: [(name: String, scale: Int64)] = [
        ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("kB", 1_000),
    ]

    /// Parses the text; throws `QuantityParseError` with a message for the user.
    public init(parsing text: String) throws(QuantityParseError) {
        let found = Spelling.quoted(text)
        var scanner = QuantityScanner(text.trimmingSpaces)
        guard let number = scanner.decimal() else { throw QuantityParseError("expected \(Self.expectation), found \(found)") }
        scanner.skipSpaces()
        let unit = scanner.rest
        let scale: Int64
        if unit.isEmpty || unit == "B" {
            scale = 1
        } else if let u = (Self.binaryUnits + Self.decimalUnits).first(where: { $0.name == unit }) {
            scale = u.scale
        } else {
            throw QuantityParseError("expected \(Self.expectation), found \(found)")
        }
        switch ExactDecimal.scale(number, by: scale) {
        case .success(let bytes): self.init(bytes: bytes)
        case .failure(.inexact): throw QuantityParseError("expected a whole number of bytes, found \(found)")
        case .failure(.overflow): throw QuantityParseError("expected a size of at most \(Int64.max)B, found \(found)")
        }
    }

    public init?(_ description: String) {
        guard let value = try? ByteCount(parsing: description) else { return nil }
        self = value
    }

    /// The canonical text, e.g. `256KiB`, `100MB`, `1500B`.
    public var description: String {
        guard bytes != 0 else { return "0B" }
        for (name, scale) in Self.binaryUnits + Self.decimalUnits where name != "kB" && bytes % scale == 0 {
            return "\(bytes / scale)\(name)"
        }
        return "\(bytes)B"
    }

    public static func < (a: ByteCount, b: ByteCount) -> Bool { a.bytes < b.bytes }

    public init(from decoder: any Decoder) throws {
        let text = try QuantityText.read(from: decoder, expected: Self.expectation, allowInteger: true)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: try decoder.singleValueContainer(), debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

// MARK: - Parsing helpers

/// Reads a quantity's text from any decoder.
enum QuantityText {
    /// With `StrictYAMLDecoder`, a non-scalar or null is reported as "expected <expected>, found a mapping".
    /// With other decoders the value must be a string (or, with `allowInteger`, an integer).
    static func read(from decoder: any Decoder, expected: String, allowInteger: Bool = false) throws -> String {
        if let node = decoder as? NodeDecoder {
            guard case .scalar(let s) = node.node, !node.node.isNull else {
                throw node.session.typeError(expected: expected, found: node.node, path: node.path)
            }
            return s.string
        }
        let container = try decoder.singleValueContainer()
        do {
            return try container.decode(String.self)
        } catch {
            guard allowInteger, let n = try? container.decode(Int64.self) else { throw error }
            return String(n)
        }
    }
}

/// A non-negative decimal number as written: digits, optionally `.` and more digits.
struct DecimalDigits {
    var whole: Substring
    var fraction: Substring
}

/// Scanning `12.5 ms`-like text, one Unicode scalar at a time.
struct QuantityScanner {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var isAtEnd: Bool { index >= scalars.count }
    var rest: String { String(String.UnicodeScalarView(scalars[index...])) }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }

    /// `12`, `1.5`; not `.5`, `1.` or a sign.
    mutating func decimal() -> DecimalDigits? {
        let start = index
        while !isAtEnd, Self.isDigit(scalars[index]) { index += 1 }
        guard index > start else { return nil }
        let whole = Substring(String(String.UnicodeScalarView(scalars[start..<index])))
        guard !isAtEnd, scalars[index] == "." else { return DecimalDigits(whole: whole, fraction: "") }
        let fractionStart = index + 1
        var end = fractionStart
        while end < scalars.count, Self.isDigit(scalars[end]) { end += 1 }
        guard end > fractionStart else { return nil }
        index = end
        return DecimalDigits(whole: whole, fraction: Substring(String(String.UnicodeScalarView(scalars[fractionStart..<end]))))
    }

    /// A run of letters (a unit name like `ms` or `µs`).
    mutating func letters() -> String {
        let start = index
        while !isAtEnd, scalars[index].properties.isAlphabetic { index += 1 }
        return String(String.UnicodeScalarView(scalars[start..<index]))
    }

    mutating func skipSpaces() {
        while !isAtEnd, scalars[index] == " " { index += 1 }
    }
}

/// Exact decimal arithmetic on digit strings.
enum ExactDecimal {
    enum Failure: Error { case inexact, overflow }

    /// `number × scale` as an integer: `.inexact` if it has a fractional part, `.overflow` past `Int64.max`.
    static func scale(_ number: DecimalDigits, by scale: Int64) -> Result<Int64, Failure> {
        guard let whole = Int64(number.whole) else { return .failure(.overflow) }  // digits only, so nil means too large
        let (wholeScaled, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return .failure(.overflow) }

        // fraction × scale / 10^digits must be whole; trailing zeros do not matter.
        var fraction = Substring(number.fraction)
        while fraction.last == "0" { fraction.removeLast() }
        guard !fraction.isEmpty else { return .success(wholeScaled) }
        guard fraction.count <= 18, let f = UInt64(fraction) else { return .failure(.inexact) }
        var divisor: UInt64 = 1
        for _ in 0..<fraction.count { divisor *= 10 }
        let product = f.multipliedFullWidth(by: UInt64(scale))
        // f < divisor, so the quotient is below `scale` and fits.
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        guard remainder == 0 else { return .failure(.inexact) }
        let (total, overflow2) = wholeScaled.addingReportingOverflow(Int64(quotient))
        return overflow2 ? .failure(.overflow) : .success(total)
    }

    /// `value / scale` written exactly in decimal with trailing zeros removed: `1500000 / 1000000` → `1.5`.
    static func format(_ value: UInt64, dividedBy scale: UInt64) -> String {
        let whole = value / scale
        var remainder = value % scale
        guard remainder != 0 else { return "\(whole)" }
        var digits = ""
        var unit = scale
        while remainder != 0 && unit > 1 {
            unit /= 10
            digits += String(remainder / unit)
            remainder %= unit
        }
        return "\(whole).\(digits)"
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[first...last])
    }
}
