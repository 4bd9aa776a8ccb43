/// An optional report value that JSON shows as `null` when it is nil, instead of leaving its key out
/// (synthesized `Codable` skips nil optionals). `docs/report-format.md` documents these keys as null, so a
/// grader can read `d["completion_s"]` without a KeyError. Keys documented as *absent* stay plain optionals.
@propertyWrapper
public struct NullEncoded<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key decodes as nil, as for a plain optional.
    public func decode<V>(_ type: NullEncoded<V>.Type, forKey key: Key) throws -> NullEncoded<V> {
        NullEncoded(wrappedValue: try decodeIfPresent(V.self, forKey: key))
    }
}
