// Strict bencode (BEP 3): a decoder that accepts only the canonical form and reports the byte
// offset of the first problem, and an encoder that always writes the canonical form.

// MARK: - Byte strings

/// A bencode byte string: arbitrary bytes, often (but not always) UTF-8 text.
///
/// Ordered as raw bytes (unsigned, lexicographic), which is the order bencode dictionaries use.
public struct ByteString: Hashable, Sendable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The raw bytes.
    public var bytes: [UInt8]

    /// A byte string holding `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The UTF-8 encoding of `string`.
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// The UTF-8 encoding of the literal.
    public init(stringLiteral value: String) { self.init(value) }

    /// The bytes decoded as UTF-8, or `nil` if they are not valid UTF-8.
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    /// Number of bytes.
    public var count: Int { bytes.count }

    /// Raw-byte (unsigned lexicographic) order, as bencode sorts dictionary keys.
    public static func < (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// Printable text in quotes when the bytes are UTF-8 without control characters, else `<hex>`.
    public var description: String {
        if let text = string, !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "\"\(text)\""
        }
        return "<" + hexString(bytes) + ">"
    }
}

// MARK: - Values

/// A bencoded value: integer, byte string, list, or dictionary keyed by byte strings.
///
/// Literals build values directly: `["announce": "http://t/a", "n": 3, "l": ["x", 1]]`.
public enum BencodeValue: Hashable, Sendable {
    /// `i<digits>e`, a signed 64-bit integer.
    case integer(Int64)
    /// `<length>:<bytes>`.
    case bytes(ByteString)
    /// `l<values>e`.
    case list([BencodeValue])
    /// `d<key><value>...e`; keys are written sorted as raw bytes.
    case dictionary([ByteString: BencodeValue])

    /// The integer, if this is an integer.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The byte string, if this is a byte string.
    public var byteString: ByteString? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    /// The byte string decoded as UTF-8, if this is a byte string holding valid UTF-8.
    public var string: String? { byteString?.string }

    /// The elements, if this is a list.
    public var list: [BencodeValue]? {
        if case .list(let value) = self { return value }
        return nil
    }

    /// The entries, if this is a dictionary.
    public var dictionary: [ByteString: BencodeValue]? {
        if case .dictionary(let value) = self { return value }
        return nil
    }

    /// The value for `key`, if this is a dictionary that has it.
    public subscript(key: ByteString) -> BencodeValue? {
        dictionary?[key]
    }

    /// The canonical bencoding of this value (dictionary keys sorted as raw bytes).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Appends the canonical bencoding of this value to `out`.
    public func encode(into out: inout [UInt8]) {
        switch self {
        case .integer(let value):
            out.append(Ascii.i)
            out.append(contentsOf: String(value).utf8)
            out.append(Ascii.e)
        case .bytes(let string):
            Self.encodeByteString(string.bytes, into: &out)
        case .list(let items):
            out.append(Ascii.l)
            for item in items { item.encode(into: &out) }
            out.append(Ascii.e)
        case .dictionary(let entries):
            out.append(Ascii.d)
            for key in entries.keys.sorted() {
                Self.encodeByteString(key.bytes, into: &out)
                entries[key]?.encode(into: &out)
            }
            out.append(Ascii.e)
        }
    }

    static func encodeByteString(_ bytes: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: String(bytes.count).utf8)
        out.append(Ascii.colon)
        out.append(contentsOf: bytes)
    }
}

extension BencodeValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// `.integer(value)`.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// `.bytes` holding the UTF-8 encoding of the literal.
    public init(stringLiteral value: String) { self = .bytes(ByteString(value)) }
    /// `.list(elements)`.
    public init(arrayLiteral elements: BencodeValue...) { self = .list(elements) }
    /// A dictionary literal; with a repeated key the last value wins.
    public init(dictionaryLiteral elements: (ByteString, BencodeValue)...) {
        self = .dictionary(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

// MARK: - Errors

/// Why bencoded input was rejected, and where.
public struct BencodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of malformed input the decoder rejects.
    public enum Reason: Hashable, Sendable {
        /// The input ended inside a value (or was empty).
        case unexpectedEnd
        /// A byte that cannot start a value, or cannot appear where it is.
        case unexpectedByte(UInt8)
        /// `ie` or `i-e`.
        case emptyInteger
        /// `i03e` or `i-03e`.
        case leadingZeroInInteger
        /// `i-0e`.
        case negativeZero
        /// An integer outside the signed 64-bit range.
        case integerOverflow
        /// `03:abc`.
        case leadingZeroInLength
        /// A string length too large to represent.
        case lengthOverflow
        /// A string length larger than the bytes left in the input.
        case lengthExceedsInput(length: Int, remaining: Int)
        /// A dictionary key that is not a byte string.
        case nonStringKey
        /// A dictionary key equal to the previous one.
        case duplicateKey(ByteString)
        /// A dictionary key that sorts before the previous one.
        case unsortedKey(ByteString)
        /// Lists/dictionaries nested deeper than the decoder's bound.
        case nestingTooDeep(limit: Int)
        /// Bytes after the end of the top-level value.
        case trailingData(count: Int)
    }

    /// Byte offset (from 0) in the input where the problem was found.
    public let offset: Int
    /// What was wrong.
    public let reason: Reason

    /// An error for `reason` found at byte `offset`.
    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    /// A one-line human-readable explanation, without the offset.
    public var message: String {
        switch reason {
        case .unexpectedEnd: return "unexpected end of input"
        case .unexpectedByte(let byte): return "unexpected byte \(describeByte(byte))"
        case .emptyInteger: return "empty integer"
        case .leadingZeroInInteger: return "leading zero in integer"
        case .negativeZero: return "negative zero in integer"
        case .integerOverflow: return "integer does not fit in 64 bits"
        case .leadingZeroInLength: return "leading zero in string length"
        case .lengthOverflow: return "string length overflows"
        case .lengthExceedsInput(let length, let remaining):
            return "string length \(length) exceeds the \(remaining) remaining byte\(remaining == 1 ? "" : "s")"
        case .nonStringKey: return "dictionary key is not a byte string"
        case .duplicateKey(let key): return "duplicate dictionary key \(key)"
        case .unsortedKey(let key): return "dictionary key \(key) is not in sorted order"
        case .nestingTooDeep(let limit): return "lists/dictionaries nested deeper than \(limit)"
        case .trailingData(let count): return "\(count) trailing byte\(count == 1 ? "" : "s") after the value"
        }
    }

    /// `bencode error at byte 17: leading zero in integer`.
    public var description: String { "bencode error at byte \(offset): \(message)" }
}

// MARK: - Decoding

/// A decoded value together with where each top-level dictionary value sits in the input.
///
/// The ranges let callers hash the original bytes of a value (the info-hash is the SHA-1 of the
/// `info` dictionary exactly as it appeared in the .torrent file).
public struct BencodeDocument: Sendable {
    /// The decoded top-level value.
    public let value: BencodeValue
    /// For a top-level dictionary: the byte range of each value in the input. Empty otherwise.
    public let topLevelRanges: [ByteString: Range<Int>]
}

/// Entry points for strict bencode decoding and canonical encoding.
public enum Bencode {
    /// Default bound on list/dictionary nesting.
    public static let defaultMaxDepth = 64

    /// Decodes exactly one canonical bencoded value spanning all of `bytes`.
    ///
    /// Rejects leading zeros, `-0`, empty integers, integers outside Int64, unsorted or duplicate
    /// dictionary keys, non-string keys, trailing bytes, truncated input, string lengths that
    /// overflow or exceed the input, and nesting deeper than `maxDepth`. Runs in linear time.
    public static func decode(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(BencodeError) -> BencodeValue {
        try decodeDocument(bytes, maxDepth: maxDepth).value
    }

    /// Like ``decode(_:maxDepth:)``, also recording the byte ranges of top-level dictionary values.
    public static func decodeDocument(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(BencodeError) -> BencodeDocument {
        var parser = BencodeParser(input: bytes, maxDepth: max(0, maxDepth))
        let value = try parser.parseValue(depth: 0)
        if parser.position != bytes.count {
            throw BencodeError(offset: parser.position, reason: .trailingData(count: bytes.count - parser.position))
        }
        return BencodeDocument(value: value, topLevelRanges: parser.topLevelRanges)
    }

    /// The canonical bencoding of `value`.
    public static func encode(_ value: BencodeValue) -> [UInt8] { value.encoded() }
}

/// Recursive-descent parser; recursion depth is bounded by `maxDepth`.
private struct BencodeParser {
    let input: [UInt8]
    let maxDepth: Int
    var position = 0
    var topLevelRanges: [ByteString: Range<Int>] = [:]

    init(input: [UInt8], maxDepth: Int) {
        self.input = input
        self.maxDepth = maxDepth
    }

    private func fail(_ reason: BencodeError.Reason, at offset: Int) -> BencodeError {
        BencodeError(offset: offset, reason: reason)
    }

    private func peek() throws(BencodeError) -> UInt8 {
        guard position < input.count else { throw fail(.unexpectedEnd, at: position) }
        return input[position]
    }

    mutating func parseValue(depth: Int) throws(BencodeError) -> BencodeValue {
        let byte = try peek()
        switch byte {
        case Ascii.i:
            return .integer(try parseInteger())
        case Ascii.zero...Ascii.nine:
            return .bytes(try parseByteString())
        case Ascii.l:
            guard depth < maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth), at: position) }
            position += 1
            var items: [BencodeValue] = []
            while try peek() != Ascii.e {
                items.append(try parseValue(depth: depth + 1))
            }
            position += 1
            return .list(items)
        case Ascii.d:
            guard depth < maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth), at: position) }
            position += 1
            var entries: [ByteString: BencodeValue] = [:]
            var previous: ByteString?
            while true {
                let next = try peek()
                if next == Ascii.e { break }
                let keyStart = position
                guard next >= Ascii.zero && next <= Ascii.nine else {
                    if next == Ascii.i || next == Ascii.l || next == Ascii.d {
                        throw fail(.nonStringKey, at: keyStart)
                    }
                    throw fail(.unexpectedByte(next), at: keyStart)
                }
                let key = try parseByteString()
                if let previous {
                    if key == previous { throw fail(.duplicateKey(key), at: keyStart) }
                    if key < previous { throw fail(.unsortedKey(key), at: keyStart) }
                }
                let valueStart = position
                let value = try parseValue(depth: depth + 1)
                if depth == 0 { topLevelRanges[key] = valueStart..<position }
                entries[key] = value
                previous = key
            }
            position += 1
            return .dictionary(entries)
        default:
            throw fail(.unexpectedByte(byte), at: position)
        }
    }

    /// `i[-]digits e`, canonical only.
    private mutating func parseInteger() throws(BencodeError) -> Int64 {
        let start = position
        position += 1  // 'i'
        var negative = false
        if try peek() == Ascii.minus {
            negative = true
            position += 1
        }
        let digitsStart = position
        let first = try peek()
        if first == Ascii.e { throw fail(.emptyInteger, at: start) }
        guard first >= Ascii.zero && first <= Ascii.nine else { throw fail(.unexpectedByte(first), at: position) }
        if first == Ascii.zero {
            if position + 1 < input.count, isDigit(input[position + 1]) {
                throw fail(.leadingZeroInInteger, at: digitsStart)
            }
            if negative { throw fail(.negativeZero, at: start) }
        }
        // Accumulate as a negative number so that Int64.min is representable.
        var accumulator: Int64 = 0
        while true {
            let byte = try peek()
            if byte == Ascii.e { break }
            guard isDigit(byte) else { throw fail(.unexpectedByte(byte), at: position) }
            let (times10, overflow1) = accumulator.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.subtractingReportingOverflow(Int64(byte - Ascii.zero))
            if overflow1 || overflow2 { throw fail(.integerOverflow, at: start) }
            accumulator = next
            position += 1
        }
        position += 1  // 'e'
        if negative { return accumulator }
        guard accumulator != Int64.min else { throw fail(.integerOverflow, at: start) }
        return -accumulator
    }

    /// `length:bytes`, canonical length only.
    private mutating func parseByteString() throws(BencodeError) -> ByteString {
        let start = position
        if input[position] == Ascii.zero, position + 1 < input.count, isDigit(input[position + 1]) {
            throw fail(.leadingZeroInLength, at: start)
        }
        var length = 0
        while true {
            let byte = try peek()
            if byte == Ascii.colon { break }
            guard isDigit(byte) else { throw fail(.unexpectedByte(byte), at: position) }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.addingReportingOverflow(Int(byte - Ascii.zero))
            if overflow1 || overflow2 { throw fail(.lengthOverflow, at: start) }
            length = next
            position += 1
        }
        position += 1  // ':'
        let remaining = input.count - position
        guard length <= remaining else {
            throw fail(.lengthExceedsInput(length: length, remaining: remaining), at: start)
        }
        let bytes = Array(input[position..<position + length])
        position += length
        return ByteString(bytes)
    }
}

// MARK: - Helpers

enum Ascii {
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let minus = UInt8(ascii: "-")
    static let colon = UInt8(ascii: ":")
    static let i = UInt8(ascii: "i")
    static let l = UInt8(ascii: "l")
    static let d = UInt8(ascii: "d")
    static let e = UInt8(ascii: "e")
}

@inline(__always)
private func isDigit(_ byte: UInt8) -> Bool { byte >= Ascii.zero && byte <= Ascii.nine }

private func describeByte(_ byte: UInt8) -> String {
    if byte >= 0x21 && byte < 0x7F {
        return "'\(Character(Unicode.Scalar(byte)))'"
    }
    return "0x" + hexString([byte])
}

/// Lowercase hexadecimal of `bytes`.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.underestimatedCount * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
