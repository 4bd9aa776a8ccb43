/// An IPv4 address in the emulated Internet.
public struct IPv4Address: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The address as one 32-bit number, first octet in the high byte.
    public var raw: UInt32
    /// The address with this 32-bit value.
    @inlinable public init(raw: UInt32) { self.raw = raw }
    /// The address `a.b.c.d`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        raw = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }
    /// Parses dotted-quad text such as `203.0.113.7`; nil if malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard let b = UInt8(p), String(b) == p else { return nil }
            v = v << 8 | UInt32(b)
        }
        raw = v
    }
    @inlinable public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.raw < b.raw }
    public var description: String {
        "\(raw >> 24).\(raw >> 16 & 0xff).\(raw >> 8 & 0xff).\(raw & 0xff)"
    }
    /// True for RFC 1918 private ranges (10/8, 172.16/12, 192.168/16).
    public var isPrivate: Bool {
        raw >> 24 == 10 || raw >> 20 == 0xAC1 || raw >> 16 == 0xC0A8
    }
}

/// An (address, port) pair: one end of a datagram flow or a connection.
public struct Endpoint: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The host (or NAT) address.
    public var address: IPv4Address
    /// The port number.
    public var port: UInt16
    /// The endpoint `address:port`.
    @inlinable public init(_ address: IPv4Address, _ port: UInt16) { self.address = address; self.port = port }
    @inlinable public static func < (a: Endpoint, b: Endpoint) -> Bool {
        (a.address.raw, a.port) < (b.address.raw, b.port)
    }
    public var description: String { "\(address):\(port)" }
}
