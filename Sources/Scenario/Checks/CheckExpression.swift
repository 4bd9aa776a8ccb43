/// A parsed check expression, e.g. `swarms[0].distribution_time_s <= 1.3 * swarms[0].lower_bound_p2p_s`.
///
/// The language is described for lab authors in `docs/lab-authoring.md`. In short: numbers (with units:
/// `1200s`, `20m`, `4MiB`, `1Mbps`, `90%`), strings in quotes, `true`/`false`/`null`; paths into a report
/// (`rounds[-1].swarm_completed`, `swarms[0].peers_detail[role == "free-rider"].completion_s`, a run's name
/// first to read another run: `random.rounds`); `+ - * /`; comparisons; `and`, `or`, `not`; and functions
/// (`mean`, `median`, `min`, `max`, `sum`, `count`, `fraction`, `all`, `any`, `percentile`, `first`, `last`,
/// `at`, `abs`, `starts_with`).
public struct CheckExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    let root: ExprNode

    /// Parses `source`; a syntax error is thrown with its offset (in Unicode scalars) into `source`.
    public init(parsing source: String) throws(CheckSyntaxError) {
        self.source = source
        var parser = ExprParser(source: source)
        root = try parser.parseAll()
    }

    public var description: String { source }

    /// Names the expression reads at its top level (outside filters and conditions), first segment of each path.
    var headNames: Set<String> { Set(root.heads(inElementScope: false).map(\.name)) }

    /// The first top-level name (in source order) that is not one of `names`, with its offset.
    func firstHead(notIn names: Set<String>) -> (name: String, offset: Int)? {
        root.heads(inElementScope: false).filter { !names.contains($0.name) }.min { $0.offset < $1.offset }
    }
}

/// A syntax error in a check expression: what is wrong and where (0-based offset in Unicode scalars).
public struct CheckSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public init(_ message: String, offset: Int) { self.message = message; self.offset = offset }
    public var description: String { "column \(offset + 1) of the expression: \(message)" }
}

// MARK: - Syntax tree

/// One node of an expression with the range of source it covers (for messages and locations).
struct ExprNode: Sendable, Hashable {
    indirect enum Kind: Sendable, Hashable {
        case literal(CheckValue)
        /// A bare name: a key of the element being filtered, a run's name, or a key of the check's run.
        case name(String)
        case member(ExprNode, String)
        case index(ExprNode, Int)
        case all(ExprNode)
        case filter(ExprNode, ExprNode)
        case unary(UnaryOp, ExprNode)
        case binary(BinaryOp, ExprNode, ExprNode)
        case call(String, [ExprNode])
    }

    var kind: Kind
    /// Scalar offsets [start, end) into the source.
    var start: Int
    var end: Int
    /// Where the interesting part is, for errors: the key of a member access, the name of a call.
    var focus: Int
    /// Levels of the tree below and including this node (1 for a leaf). The parser refuses trees deeper than
    /// `ExprParser.maxDepth`, so that evaluating (and freeing) a tree never overflows the stack.
    let depth: Int

    init(_ kind: Kind, start: Int, end: Int, focus: Int? = nil) {
        self.kind = kind; self.start = start; self.end = end; self.focus = focus ?? start
        switch kind {
        case .literal, .name: depth = 1
        case .member(let e, _), .index(let e, _), .all(let e), .unary(_, let e): depth = e.depth + 1
        case .filter(let a, let b), .binary(_, let a, let b): depth = max(a.depth, b.depth) + 1
        case .call(_, let args): depth = (args.map(\.depth).max() ?? 0) + 1
        }
    }

    /// The first segments of the paths read outside filters and conditions, with their offsets.
    func heads(inElementScope: Bool) -> [(name: String, offset: Int)] {
        switch kind {
        case .literal: return []
        case .name(let n): return inElementScope ? [] : [(n, start)]
        case .member(let e, _), .index(let e, _), .all(let e), .unary(_, let e): return e.heads(inElementScope: inElementScope)
        case .filter(let e, let c): return e.heads(inElementScope: inElementScope) + c.heads(inElementScope: true)
        case .binary(_, let a, let b): return a.heads(inElementScope: inElementScope) + b.heads(inElementScope: inElementScope)
        case .call(let name, let args):
            var out: [(name: String, offset: Int)] = []
            for (i, a) in args.enumerated() {
                let conditionArg = i == 1 && CheckFunctions.conditionFunctions.contains(name)
                out += a.heads(inElementScope: inElementScope || conditionArg)
            }
            return out
        }
    }
}

enum UnaryOp: String, Sendable, Hashable { case negate = "-", not }

enum BinaryOp: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="
    case and, or

    var isComparison: Bool {
        switch self {
        case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual: return true
        default: return false
        }
    }
}

/// The functions the language knows, with their arities.
enum CheckFunctions {
    static let arities: [String: ClosedRange<Int>] = [
        "count": 1...2, "sum": 1...1, "mean": 1...1, "median": 1...1, "min": 1...8, "max": 1...8,
        "percentile": 2...2, "fraction": 1...2, "all": 1...2, "any": 1...2, "first": 1...1, "last": 1...1,
        "at": 2...2, "abs": 1...1, "starts_with": 2...2,
    ]
    /// Functions whose second argument is a condition evaluated for each element of the first.
    static let conditionFunctions: Set<String> = ["count", "fraction", "all", "any"]
    static let usage: [String: String] = [
        "count": "count(LIST) or count(LIST, CONDITION)", "sum": "sum(LIST)", "mean": "mean(LIST)", "median": "median(LIST)",
        "min": "min(LIST) or min(A, B, …)", "max": "max(LIST) or max(A, B, …)", "percentile": "percentile(LIST, 90%)",
        "fraction": "fraction(LIST, CONDITION)", "all": "all(LIST, CONDITION)", "any": "any(LIST, CONDITION)",
        "first": "first(LIST)", "last": "last(LIST)", "at": "at(ROWS, TIME), e.g. at(rounds, 300s)", "abs": "abs(NUMBER)",
        "starts_with": "starts_with(TEXT, PREFIX), e.g. starts_with(name, \"late-\")",
    ]
    static let keywords: Set<String> = ["and", "or", "not", "true", "false", "null"]
}

// MARK: - Lexer

struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case number(Double)
        case string(String)
        case identifier(String)
        case symbol(String)
        case end
    }
    var kind: Kind
    var start: Int
    var end: Int
}

struct ExprLexer {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ source: String) { scalars = Array(source.unicodeScalars) }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_"
    }
    static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || ("0"..."9").contains(c) }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    mutating func tokens() throws(CheckSyntaxError) -> [Token] {
        var out: [Token] = []
        while true {
            let t = try next()
            out.append(t)
            if t.kind == .end { return out }
        }
    }

    private func text(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(scalars[a..<b])) }

    mutating func next() throws(CheckSyntaxError) -> Token {
        while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
        guard position < scalars.count else { return Token(kind: .end, start: position, end: position) }
        let start = position
        let c = scalars[position]
        if ExprLexer.isDigit(c) || (c == "." && position + 1 < scalars.count && ExprLexer.isDigit(scalars[position + 1])) {
            return try number(start)
        }
        if ExprLexer.isIdentifierStart(c) {
            while position < scalars.count, ExprLexer.isIdentifierPart(scalars[position]) { position += 1 }
            return Token(kind: .identifier(text(start, position)), start: start, end: position)
        }
        if c == "\"" || c == "'" {
            position += 1
            var value = ""
            while position < scalars.count, scalars[position] != c {
                value.unicodeScalars.append(scalars[position])
                position += 1
            }
            guard position < scalars.count else {
                throw CheckSyntaxError("this string has no closing \(c == "\"" ? "double" : "single") quote", offset: start)
            }
            position += 1
            return Token(kind: .string(value), start: start, end: position)
        }
        for symbol in ["<=", ">=", "==", "!=", "&&", "||"] where text(position, min(scalars.count, position + 2)) == symbol {
            position += 2
            switch symbol {
            case "&&": throw CheckSyntaxError("write 'and' instead of '&&'", offset: start)
            case "||": throw CheckSyntaxError("write 'or' instead of '||'", offset: start)
            default: return Token(kind: .symbol(symbol), start: start, end: position)
            }
        }
        if "+-*/<>()[],.".unicodeScalars.contains(c) {
            position += 1
            return Token(kind: .symbol(String(c)), start: start, end: position)
        }
        if c == "=" { throw CheckSyntaxError("use '==' to compare", offset: start) }
        if c == "!" { throw CheckSyntaxError("write 'not' instead of '!'", offset: start) }
        if c == "≤" || c == "≥" || c == "×" {
            throw CheckSyntaxError("write \(c == "≤" ? "'<='" : c == "≥" ? "'>='" : "'*'") instead of '\(c)'", offset: start)
        }
        throw CheckSyntaxError("unexpected character '\(c)'", offset: start)
    }

    /// A number, optionally with a unit glued to it: `1200s`, `20m`, `1.5h`, `250ms`, `4MiB`, `1Mbps`, `90%`.
    private mutating func number(_ start: Int) throws(CheckSyntaxError) -> Token {
        while position < scalars.count, ExprLexer.isDigit(scalars[position]) || scalars[position] == "." || scalars[position] == "_" {
            position += 1
        }
        let digits = text(start, position)
        let unitStart = position
        while position < scalars.count,
              ExprLexer.isIdentifierPart(scalars[position]) || scalars[position] == "%" || scalars[position] == "/"
                || (scalars[position] == "." && position > unitStart) {
            // `1h30m` and `1.5Mbit/s` are single quantities; stop at a `/` that is followed by a space or a digit (division).
            if scalars[position] == "/" {
                let nextIsLetter = position + 1 < scalars.count && ExprLexer.isIdentifierStart(scalars[position + 1])
                guard nextIsLetter, text(unitStart, position).hasSuffix("bit") else { break }
            }
            position += 1
        }
        let unit = text(unitStart, position)
        guard let base = Double(digits.filter { $0 != "_" }), !digits.hasSuffix("."), !digits.hasPrefix("_") else {
            throw CheckSyntaxError("'\(digits)' is not a number", offset: start)
        }
        if unit.isEmpty { return Token(kind: .number(base), start: start, end: position) }
        let whole = text(start, position)
        if unit == "%" { return Token(kind: .number(base / 100), start: start, end: position) }
        if let t = try? TimeSpan(parsing: whole) {
            return Token(kind: .number(Double(t.duration.nanoseconds) / 1e9), start: start, end: position)
        }
        if let b = try? ByteCount(parsing: whole) { return Token(kind: .number(Double(b.bytes)), start: start, end: position) }
        if let r = try? BitRate(parsing: whole) { return Token(kind: .number(Double(r.bitsPerSecond)), start: start, end: position) }
        throw CheckSyntaxError(
            "unknown unit '\(unit)' in '\(whole)'; use a duration (ms, s, m, h), a size (B, KiB, MB, …), a rate (kbps, Mbps, …) or %",
            offset: unitStart)
    }
}

// MARK: - Parser

/// Precedence, loosest first: `or`; `and`; `not`; comparisons; `+ -`; `* /`; unary `-`; postfix (`.key`, `[…]`).
struct ExprParser {
    /// The deepest an expression may nest: parentheses, calls, filters, `not`s and unary minuses opened
    /// inside each other, and also the depth of the tree (a chain `a + b + c …` or `x.a.b.c …` is one level
    /// per operator). Far beyond any real check; it keeps the recursive parser and evaluator off the end of
    /// the stack.
    static let maxDepth = 200

    var tokens: [Token] = []
    var index = 0
    let source: String
    var lexError: CheckSyntaxError?
    /// Recursive descents open at the moment (see `maxDepth`).
    var nesting = 0

    init(source: String) {
        self.source = source
        var lexer = ExprLexer(source)
        do {
            tokens = try lexer.tokens()
        } catch {
            lexError = error
            tokens = [Token(kind: .end, start: 0, end: 0)]
        }
    }

    var current: Token { tokens[min(index, tokens.count - 1)] }

    mutating func advance() -> Token {
        let t = current
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }
    func isWord(_ w: String) -> Bool { current.kind == .identifier(w) }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case .end: return "the end of the expression"
        case .number: return "a number"
        case .string(let s): return "the string \"\(s)\""
        case .identifier(let n): return "'\(n)'"
        case .symbol(let s): return "'\(s)'"
        }
    }

    static var tooDeep: String {
        "the expression nests too deeply (more than \(maxDepth) levels of parentheses, calls, filters or operators); split it into simpler checks"
    }

    /// Enters one more level of recursion, refusing to go deeper than `maxDepth`.
    mutating func descend() throws(CheckSyntaxError) {
        nesting += 1
        if nesting > Self.maxDepth { throw CheckSyntaxError(Self.tooDeep, offset: current.start) }
    }

    /// A node, refused if its tree is deeper than `maxDepth`.
    func node(_ kind: ExprNode.Kind, start: Int, end: Int, focus: Int? = nil) throws(CheckSyntaxError) -> ExprNode {
        let n = ExprNode(kind, start: start, end: end, focus: focus)
        if n.depth > Self.maxDepth {
            // Point at the operator's right operand in a long chain, else at the node.
            if case .binary(_, _, let right) = kind { throw CheckSyntaxError(Self.tooDeep, offset: right.start) }
            throw CheckSyntaxError(Self.tooDeep, offset: n.focus)
        }
        return n
    }

    mutating func expect(_ symbol: String, _ what: String) throws(CheckSyntaxError) -> Token {
        guard isSymbol(symbol) else { throw CheckSyntaxError("expected '\(symbol)' \(what), found \(describe(current))", offset: current.start) }
        return advance()
    }

    mutating func parseAll() throws(CheckSyntaxError) -> ExprNode {
        if let lexError { throw lexError }
        guard current.kind != .end else { throw CheckSyntaxError("the expression is empty", offset: 0) }
        let e = try parseOr()
        guard current.kind == .end else {
            var message = "unexpected \(describe(current)) after a complete expression"
            if case .identifier(let w) = current.kind, ["AND", "OR", "And", "Or", "NOT", "Not"].contains(w) {
                message += "; write '\(w.lowercased())' in lower case"
            } else if case .identifier = current.kind {
                message += "; did you forget an operator (and, or, +, <=, …)?"
            }
            throw CheckSyntaxError(message, offset: current.start)
        }
        return e
    }

    mutating func parseOr() throws(CheckSyntaxError) -> ExprNode {
        try descend()
        defer { nesting -= 1 }
        var left = try parseAnd()
        while isWord("or") {
            _ = advance()
            let right = try parseAnd()
            left = try node(.binary(.or, left, right), start: left.start, end: right.end)
        }
        return left
    }

    mutating func parseAnd() throws(CheckSyntaxError) -> ExprNode {
        var left = try parseNot()
        while isWord("and") {
            _ = advance()
            let right = try parseNot()
            left = try node(.binary(.and, left, right), start: left.start, end: right.end)
        }
        return left
    }

    mutating func parseNot() throws(CheckSyntaxError) -> ExprNode {
        if isWord("not") {
            try descend()
            defer { nesting -= 1 }
            let t = advance()
            let operand = try parseNot()
            return try node(.unary(.not, operand), start: t.start, end: operand.end)
        }
        return try parseComparison()
    }

    mutating func parseComparison() throws(CheckSyntaxError) -> ExprNode {
        let left = try parseSum()
        for op in [BinaryOp.lessOrEqual, .greaterOrEqual, .equal, .notEqual, .less, .greater] where isSymbol(op.rawValue) {
            _ = advance()
            let right = try parseSum()
            for other in ["<=", ">=", "==", "!=", "<", ">"] where isSymbol(other) {
                throw CheckSyntaxError("comparisons cannot be chained; write 'a <= b and b <= c'", offset: current.start)
            }
            return try node(.binary(op, left, right), start: left.start, end: right.end)
        }
        return left
    }

    mutating func parseSum() throws(CheckSyntaxError) -> ExprNode {
        var left = try parseProduct()
        while isSymbol("+") || isSymbol("-") {
            let op: BinaryOp = isSymbol("+") ? .add : .subtract
            _ = advance()
            let right = try parseProduct()
            left = try node(.binary(op, left, right), start: left.start, end: right.end)
        }
        return left
    }

    mutating func parseProduct() throws(CheckSyntaxError) -> ExprNode {
        var left = try parseUnary()
        while isSymbol("*") || isSymbol("/") {
            let op: BinaryOp = isSymbol("*") ? .multiply : .divide
            _ = advance()
            let right = try parseUnary()
            left = try node(.binary(op, left, right), start: left.start, end: right.end)
        }
        return left
    }

    mutating func parseUnary() throws(CheckSyntaxError) -> ExprNode {
        if isSymbol("-") {
            try descend()
            defer { nesting -= 1 }
            let t = advance()
            let operand = try parseUnary()
            if case .literal(.number(let x)) = operand.kind { return try node(.literal(.number(-x)), start: t.start, end: operand.end) }
            return try node(.unary(.negate, operand), start: t.start, end: operand.end)
        }
        return try parsePostfix(try parsePrimary())
    }

    mutating func parsePostfix(_ base: ExprNode) throws(CheckSyntaxError) -> ExprNode {
        var e = base
        while true {
            if isSymbol(".") {
                _ = advance()
                guard case .identifier(let key) = current.kind else {
                    throw CheckSyntaxError("expected a key after '.', found \(describe(current))", offset: current.start)
                }
                let t = advance()
                e = try node(.member(e, key), start: e.start, end: t.end, focus: t.start)
            } else if isSymbol("[") {
                let open = advance()
                if isSymbol("*") {
                    _ = advance()
                    let close = try expect("]", "after '[*'")
                    e = try node(.all(e), start: e.start, end: close.end, focus: open.start)
                    continue
                }
                // `[3]` and `[-1]` index; anything else is a filter condition.
                let save = index
                var sign = 1.0
                if isSymbol("-") { _ = advance(); sign = -1 }
                if case .number(let n) = current.kind, tokens[min(index + 1, tokens.count - 1)].kind == .symbol("]") {
                    let numberToken = advance()
                    guard n == n.rounded(), abs(n) < 1e9 else {
                        throw CheckSyntaxError("an index must be a whole number, found \(CheckValue.format(n))", offset: numberToken.start)
                    }
                    let close = advance()
                    e = try node(.index(e, Int(sign * n)), start: e.start, end: close.end, focus: open.start)
                    continue
                }
                index = save
                if isSymbol("]") { throw CheckSyntaxError("expected an index, '*' or a condition inside '[]'", offset: current.start) }
                let condition = try parseOr()
                let close = try expect("]", "to close the filter opened at column \(open.start + 1)")
                e = try node(.filter(e, condition), start: e.start, end: close.end, focus: open.start)
            } else {
                return e
            }
        }
    }

    mutating func parsePrimary() throws(CheckSyntaxError) -> ExprNode {
        let t = current
        switch t.kind {
        case .number(let x):
            _ = advance()
            return try node(.literal(.number(x)), start: t.start, end: t.end)
        case .string(let s):
            _ = advance()
            return try node(.literal(.string(s)), start: t.start, end: t.end)
        case .identifier(let name):
            _ = advance()
            switch name {
            case "true": return try node(.literal(.bool(true)), start: t.start, end: t.end)
            case "false": return try node(.literal(.bool(false)), start: t.start, end: t.end)
            case "null": return try node(.literal(.null), start: t.start, end: t.end)
            case "and", "or", "not": throw CheckSyntaxError("expected a value before '\(name)'", offset: t.start)
            default: break
            }
            guard isSymbol("(") else { return try node(.name(name), start: t.start, end: t.end) }
            _ = advance()
            var args: [ExprNode] = []
            if !isSymbol(")") {
                args.append(try parseOr())
                while isSymbol(",") {
                    _ = advance()
                    args.append(try parseOr())
                }
            }
            let close = try expect(")", "to close the call of \(name)(")
            guard let arity = CheckFunctions.arities[name] else {
                var message = "unknown function '\(name)'; functions: \(CheckFunctions.arities.keys.sorted().joined(separator: ", "))"
                if let guess = Spelling.suggestion(for: name, among: Array(CheckFunctions.arities.keys)) { message += "; did you mean '\(guess)'?" }
                throw CheckSyntaxError(message, offset: t.start)
            }
            guard arity.contains(args.count) else {
                throw CheckSyntaxError("\(name) takes \(CheckFunctions.usage[name] ?? name); found \(args.count) argument\(args.count == 1 ? "" : "s")", offset: t.start)
            }
            return try node(.call(name, args), start: t.start, end: close.end)
        case .symbol("("):
            _ = advance()
            let inner = try parseOr()
            let close = try expect(")", "to close the '(' at column \(t.start + 1)")
            var e = inner
            e.start = t.start; e.end = close.end
            return e
        default:
            throw CheckSyntaxError("expected a value (a number, a path, a function call or '('), found \(describe(t))", offset: t.start)
        }
    }
}
