import Foundation

/// A small, fast, seedable PRNG (xoshiro256**) for one simulated node.
///
/// Every node draws from its own generator derived from `(scenario seed, node id)`, so a node's
/// random choices never depend on which thread ran it or on what other nodes drew.
/// `SystemRandomNumberGenerator` and wall-clock time are never used inside a simulation.
public struct SimRandom: RandomNumberGenerator, Sendable, Hashable, Codable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator for `stream` (a node id, or any other sub-stream) of the run seeded with `seed`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = SplitMix64(state: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// The next 64 uniformly distributed bits.
    @inlinable public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform Double in [0, 1).
    @inlinable public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    @inlinable public mutating func chance(_ p: Double) -> Bool { p > 0 && unit() < p }

    /// An exponentially distributed duration with the given mean (for Poisson arrivals). A draw beyond
    /// about 285 years (possible only with absurd means) is clamped rather than overflowing.
    public mutating func exponential(mean: SimDuration) -> SimDuration {
        let u = 1 - unit()  // (0, 1]
        return .nanoseconds(Int64(min((-Double(mean.nanoseconds) * Foundation.log(u)).rounded(), 9e18)))
    }
}

/// SplitMix64, used to expand a seed into generator state and to mix hashes.
public struct SplitMix64: Sendable {
    /// The generator's counter, advanced by the golden-ratio increment on every draw.
    public var state: UInt64
    /// A generator starting from `state` (any value, zero included).
    public init(state: UInt64) { self.state = state }
    /// The next 64 bits of output.
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// One round of mixing: a well-distributed 64-bit value from `x`.
    @inlinable public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A stable 64-bit hash of text (FNV-1a), for fingerprints. Unlike `Hasher`, it is the same in every process.
@inlinable public func stableHash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}
