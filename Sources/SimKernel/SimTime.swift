/// A point in virtual time, in integer nanoseconds since the start of a run.
///
/// Integer time never drifts and orders exactly; 2^63 ns is about 292 years of virtual time.
public struct SimTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Nanoseconds since the start of the run.
    public var nanoseconds: Int64

    /// The instant `nanoseconds` after the start of the run.
    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The start of every run.
    public static let zero = SimTime(nanoseconds: 0)
    /// The instant `seconds` after the start.
    @inlinable public static func seconds(_ seconds: Int64) -> SimTime { SimTime(nanoseconds: seconds * 1_000_000_000) }
    /// A time later than any a run reaches.
    public static let never = SimTime(nanoseconds: .max)

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.nanoseconds < b.nanoseconds }
    /// The instant `d` later; saturates at `.never` instead of overflowing.
    @inlinable public static func + (a: SimTime, d: SimDuration) -> SimTime {
        let (sum, overflow) = a.nanoseconds.addingReportingOverflow(d.nanoseconds)
        return overflow ? .never : SimTime(nanoseconds: sum)
    }
    /// The instant `d` earlier.
    @inlinable public static func - (a: SimTime, d: SimDuration) -> SimTime { SimTime(nanoseconds: a.nanoseconds - d.nanoseconds) }
    /// The span from `b` to `a` (negative if `a` is earlier).
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration { SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds) }
    /// Moves `a` later by `d`, saturating at `.never`.
    @inlinable public static func += (a: inout SimTime, d: SimDuration) { a = a + d }

    /// Seconds since the start, as a floating-point value for display and reports.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// A compact human form: `0s`, `1.5s`, `12m30s`, `131.072ms`.
    public var description: String { SimDuration(nanoseconds: nanoseconds).description }
}

/// A span of virtual time, in integer nanoseconds.
public struct SimDuration: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Length in nanoseconds (negative for a span backwards in time).
    public var nanoseconds: Int64

    /// A span of `nanoseconds` nanoseconds.
    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// No time at all.
    public static let zero = SimDuration(nanoseconds: 0)
    /// `n` nanoseconds.
    @inlinable public static func nanoseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n) }
    /// `n` microseconds.
    @inlinable public static func microseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n * 1_000) }
    /// `n` milliseconds.
    @inlinable public static func milliseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n * 1_000_000) }
    /// `n` whole seconds.
    @inlinable public static func seconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n * 1_000_000_000) }
    /// Rounds to the nearest nanosecond.
    public init(seconds s: Double) { self.init(nanoseconds: Int64((s * 1e9).rounded())) }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration { SimDuration(nanoseconds: a.nanoseconds + b.nanoseconds) }
    @inlinable public static func - (a: SimDuration, b: SimDuration) -> SimDuration { SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds) }
    /// The span `k` times as long.
    @inlinable public static func * (a: SimDuration, k: Int64) -> SimDuration { SimDuration(nanoseconds: a.nanoseconds * k) }

    /// Length in seconds, as a floating-point value for display and reports.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// The time to serialise `bytes` on a link of `bitsPerSecond`, rounded up to the next nanosecond.
    ///
    /// 16 KiB on 1 Mbit/s is exactly 131.072 ms. Computed in 128 bits, so any size is exact; a span
    /// beyond `Int64.max` nanoseconds (about 292 years) saturates there. A negative size takes no time.
    @inlinable public static func transmission(bytes: Int, bitsPerSecond: Int64) -> SimDuration {
        precondition(bitsPerSecond > 0, "link capacity must be positive")
        guard bytes > 0 else { return .zero }
        // bytes × 8 × 10^9 in 128 bits: the high word is at most about 2^62, so nothing wraps.
        let product = UInt64(bytes).multipliedFullWidth(by: 8_000_000_000)
        let divisor = UInt64(bitsPerSecond)
        // The quotient fits in 64 bits only if the high word is below the divisor.
        guard product.high < divisor else { return SimDuration(nanoseconds: .max) }
        let (q, r) = divisor.dividingFullWidth(product)
        guard q < UInt64(Int64.max) else { return SimDuration(nanoseconds: .max) }
        return SimDuration(nanoseconds: Int64(q) + (r == 0 ? 0 : 1))
    }

    public var description: String {
        let n = nanoseconds
        if n == 0 { return "0s" }
        let sign = n < 0 ? "-" : ""
        let a = n.magnitude
        func trim(_ v: UInt64, _ scale: UInt64, _ unit: String) -> String {
            let whole = v / scale, frac = v % scale
            if frac == 0 { return "\(whole)\(unit)" }
            var f = String(frac)
            f = String(repeating: "0", count: String(scale).count - 1 - f.count) + f
            while f.hasSuffix("0") { f.removeLast() }
            return "\(whole).\(f)\(unit)"
        }
        if a < 1_000 { return "\(sign)\(a)ns" }
        if a < 1_000_000 { return sign + trim(a, 1_000, "us") }
        if a < 1_000_000_000 { return sign + trim(a, 1_000_000, "ms") }
        if a < 60_000_000_000 { return sign + trim(a, 1_000_000_000, "s") }
        let s = a / 1_000_000_000, rest = a % 1_000_000_000
        let h = s / 3600, m = (s % 3600) / 60, sec = s % 60
        var out = sign
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if sec > 0 || rest > 0 { out += rest == 0 ? "\(sec)s" : trim(sec * 1_000_000_000 + rest, 1_000_000_000, "s") }
        return out
    }
}
