public import SimKernel

/// Number formatting for the screen: fixed, locale-free, short. Every figure has a unit.
public enum Format {
    /// Fixed-point text (no locale, no exponent), trailing zeros kept: `decimal(1.5, places: 2)` = `1.50`.
    public static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "-" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e17 else { return value < 0 ? "-huge" : "huge" }
        let digits = String(Int64(scaled))
        let padded = String(repeating: "0", count: max(0, places + 1 - digits.count)) + digits
        let whole = padded.dropLast(places), frac = padded.suffix(places)
        let s = places > 0 ? "\(whole).\(frac)" : String(whole)
        return (value < 0 && scaled != 0 ? "-" : "") + s
    }

    /// A value with an SI prefix and at most three significant digits: `950`, `1.2k`, `15k`, `3.4M`.
    public static func si(_ value: Double) -> String {
        let a = abs(value)
        let sign = value < 0 ? "-" : ""
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, p) in units where a >= scale * 0.9995 {
            let v = a / scale
            var text = v < 9.95 ? decimal(v, places: 1) : decimal(v, places: 0)
            if text.hasSuffix(".0") { text.removeLast(2) }
            return sign + text + p
        }
        return sign + (a < 10 && a != a.rounded() ? decimal(a, places: 1) : decimal(a, places: 0))
    }

    /// A bit rate: `0`, `512b/s`, `1.5Mb/s`.
    public static func rate(_ bitsPerSecond: Int64) -> String {
        bitsPerSecond == 0 ? "0" : si(Double(bitsPerSecond)) + "b/s"
    }

    /// A link capacity without the `/s`: `10M`, `256k`.
    public static func capacity(_ bitsPerSecond: Int64) -> String { si(Double(bitsPerSecond)) }

    /// A byte count: `0B`, `950B`, `1.2kB`, `34MB`.
    public static func bytes(_ n: Int64) -> String { n == 0 ? "0B" : si(Double(n)) + "B" }

    /// A size in binary units when it is a whole number of them (piece and block sizes): `256KiB`, `4MiB`;
    /// otherwise like `bytes`.
    public static func binaryBytes(_ n: Int64) -> String {
        for (scale, unit) in [(Int64(1) << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")] where n >= scale && n % scale == 0 {
            return "\(n / scale)\(unit)"
        }
        return bytes(n)
    }

    /// A count: `950`, `12k`.
    public static func count<I: BinaryInteger>(_ n: I) -> String { si(Double(n)) }

    /// A percentage of 0…1 with no decimals: `42%`.
    public static func percent(_ fraction: Double) -> String {
        let p = fraction * 100
        if p > 0 && p < 1 { return "<1%" }
        if p > 99 && p < 100 { return "99%" }
        return decimal(p, places: 0) + "%"
    }

    /// A virtual time in seconds with one decimal under 10 minutes: `63.2s`, `12m05s`, `1h02m`.
    public static func time(_ t: SimTime) -> String { duration(SimDuration(nanoseconds: t.nanoseconds)) }

    /// A duration: `0s`, `850ms`, `1.25s`, `42.5s`, `4m00s`, `12m05.5s`, `1h02m`. Whole seconds lose their decimals.
    public static func duration(_ d: SimDuration) -> String {
        let ns = d.nanoseconds
        let sign = ns < 0 ? "-" : ""
        let a = ns.magnitude
        if a == 0 { return "0s" }
        if a < 1_000_000 { return sign + decimal(Double(a) / 1e3, places: 0) + "us" }
        if a < 1_000_000_000 { return sign + decimal(Double(a) / 1e6, places: a < 10_000_000 ? 1 : 0) + "ms" }
        let s = Double(a) / 1e9
        let whole = a % 1_000_000_000 == 0
        if s < 60 { return sign + (whole ? "\(Int(s))" : decimal(s, places: s < 10 ? 2 : 1)) + "s" }
        let secs = Int(s)
        if secs < 3600 {
            let rest = s - Double(secs / 60 * 60)
            let tenths = whole || rest.rounded(.down) == rest ? pad2(secs % 60) : (rest < 10 ? "0" : "") + decimal(rest, places: 1)
            return sign + "\(secs / 60)m" + tenths + "s"
        }
        return sign + "\(secs / 3600)h" + pad2(secs % 3600 / 60) + "m"
    }

    /// Milliseconds with up to one decimal: `12.4ms`.
    public static func milliseconds(_ ms: Double) -> String { decimal(ms, places: ms < 100 ? 1 : 0) + "ms" }

    static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Left-pads `s` to `width` columns.
    public static func left(_ s: String, _ width: Int) -> String {
        let n = s.unicodeScalars.count
        return n >= width ? s : String(repeating: " ", count: width - n) + s
    }

    /// Right-pads `s` to `width` columns.
    public static func right(_ s: String, _ width: Int) -> String {
        let n = s.unicodeScalars.count
        return n >= width ? s : s + String(repeating: " ", count: width - n)
    }
}
