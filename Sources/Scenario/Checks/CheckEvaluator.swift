/// Why an expression could not give a value.
enum EvalIssue: Error, Sendable, Equatable {
    /// The check is written wrongly (unknown key, a string where a number belongs…): the lab is malformed.
    /// `offset` is where in the expression (Unicode scalars from 0).
    case authoring(String, offset: Int)
    /// The run did not produce what the check needs (a null value, an empty list, an index past the end):
    /// the check fails, and this says why.
    case unmet(String)
}

/// What evaluating a check gave: whether it holds, the measured value, the expected value, and why not.
public struct CheckOutcome: Sendable, Hashable {
    public var passed: Bool
    /// The value the check measured: the left side of a comparison (a list of them for `a and b`), or the
    /// whole expression's value; nil when it could not be computed.
    public var measured: CheckValue?
    /// What it was compared with, e.g. `<= 74.88 (1.3 * swarms[0].lower_bound_p2p_s)`.
    public var expected: String
    /// Why the check failed (nil when it passed).
    public var reason: String?
    /// The measured value for people, in the report's terms: when the left side does arithmetic on values
    /// of the report, it is followed by the same arithmetic on those values and the expression, e.g.
    /// `286.203 = 95.401 * 3 (swarms[0].distribution_time_s * 3)`, so that the numbers a student can find
    /// in the report appear; otherwise just the value. Parts of `a and b` are joined with `; `. Nil when
    /// nothing was measured.
    public var measuredText: String?

    public init(passed: Bool, measured: CheckValue?, expected: String, reason: String?, measuredText: String? = nil) {
        self.passed = passed
        self.measured = measured
        self.expected = expected
        self.reason = reason
        self.measuredText = measuredText ?? measured.map(CheckOutcome.plainText)
    }

    /// A value as the output shows it (a list's items joined with `; `).
    static func plainText(_ v: CheckValue) -> String {
        if case .list(let items) = v { return items.map(\.description).joined(separator: "; ") }
        return v.description
    }
}

/// Evaluates expressions over the reports of a lab's runs.
public struct CheckEvaluator: Sendable {
    /// Each run's report as a value tree, by run name.
    public var runs: [String: CheckValue]
    /// The run whose report bare paths read (`swarms[0]…` rather than `rarest.swarms[0]…`); nil when the
    /// check compares runs and must name them.
    public var defaultRun: String?

    public init(runs: [String: CheckValue], defaultRun: String?) {
        self.runs = runs
        self.defaultRun = defaultRun
    }

    /// Evaluates a check. Authoring mistakes (unknown keys, type errors) are thrown with their offset into
    /// the expression; everything the run did or did not produce is a pass or a failure with a reason.
    func outcome(of expression: CheckExpression) throws(CheckAuthoringError) -> CheckOutcome {
        let session = Session(evaluator: self, source: Array(expression.source.unicodeScalars))
        do throws(EvalIssue) {
            return try session.top(expression.root)
        } catch {
            switch error {
            case .authoring(let message, let offset): throw CheckAuthoringError(message: message, offset: offset)
            case .unmet(let reason): return CheckOutcome(passed: false, measured: nil, expected: "", reason: reason)
            }
        }
    }

    /// The value of an expression (for tests and tools); throws `CheckAuthoringError`, or returns nil with
    /// the reason when the run lacks what the expression needs.
    public func value(of expression: CheckExpression) throws(CheckAuthoringError) -> Result<CheckValue, CheckUnmet> {
        let session = Session(evaluator: self, source: Array(expression.source.unicodeScalars))
        do throws(EvalIssue) {
            return .success(try session.eval(expression.root, Scope()))
        } catch {
            switch error {
            case .authoring(let message, let offset): throw CheckAuthoringError(message: message, offset: offset)
            case .unmet(let reason): return .failure(CheckUnmet(reason: reason))
            }
        }
    }

    /// Evaluates a check and throws its authoring error, if any, located at `offset` into the expression.
    public func evaluate(_ expression: CheckExpression) throws(CheckAuthoringError) -> CheckOutcome {
        try outcome(of: expression)
    }
}

/// A mistake in how a check is written, found while evaluating it (offset in Unicode scalars from 0).
public struct CheckAuthoringError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "column \(offset + 1) of the expression: \(message)" }
}

/// Why a value could not be computed from a run (a null, an empty list…).
public struct CheckUnmet: Error, Sendable, Equatable {
    public var reason: String
}

/// The element a filter or a condition is looking at.
private struct Scope {
    var element: CheckValue?
    /// The list being filtered, as written (for messages).
    var listText: String = ""
    /// Inside a filter or condition: an ordering comparison with null is false instead of failing the check.
    var lenientNulls = false
}

private struct Session {
    let evaluator: CheckEvaluator
    let source: [Unicode.Scalar]

    func text(_ n: ExprNode) -> String {
        let a = max(0, min(n.start, source.count)), b = max(a, min(n.end, source.count))
        return String(String.UnicodeScalarView(source[a..<b]))
    }

    // MARK: Top level: measured and expected

    func top(_ node: ExprNode) throws(EvalIssue) -> CheckOutcome {
        if case .binary(.and, _, _) = node.kind {
            let parts = conjuncts(node).map { part -> Result<CheckOutcome, EvalIssue> in
                do throws(EvalIssue) { return .success(try top(part)) } catch { return .failure(error) }
            }
            var outcomes: [CheckOutcome] = []
            for p in parts {
                switch p {
                case .success(let o): outcomes.append(o)
                case .failure(.authoring(let m, let o)): throw .authoring(m, offset: o)
                case .failure(.unmet(let r)): outcomes.append(CheckOutcome(passed: false, measured: nil, expected: "", reason: r))
                }
            }
            let failed = outcomes.first { !$0.passed }
            return CheckOutcome(
                passed: failed == nil,
                measured: .list(outcomes.map { $0.measured ?? .null }),
                expected: outcomes.map(\.expected).filter { !$0.isEmpty }.joined(separator: " and "),
                reason: failed?.reason,
                measuredText: outcomes.map { $0.measuredText ?? CheckValue.null.description }.joined(separator: "; "))
        }
        if case .binary(let op, let l, let r) = node.kind, op.isComparison {
            let left = try eval(l, Scope())
            let right = try eval(r, Scope())
            var expected = "\(op.rawValue) \(right.description)"
            if case .literal = r.kind {} else { expected += " (\(text(r)))" }
            let holds = try compare(op, left, right, l, r, Scope())
            let reason = holds ? nil : "\(text(l)) is \(left.description), not \(op.rawValue) \(right.description)"
            var shown = CheckOutcome.plainText(left)
            if let worked = try workedOut(l) { shown += " = \(worked) (\(text(l)))" }
            return CheckOutcome(passed: holds, measured: left, expected: expected, reason: reason, measuredText: shown)
        }
        let value = try eval(node, Scope())
        if value == .null { throw .unmet("\(text(node)) is null (the run has no value for it)") }
        guard case .bool(let b) = value else {
            throw .authoring("a check must be a comparison or a condition (true or false); this is \(value.kindDescription)", offset: node.start)
        }
        return CheckOutcome(passed: b, measured: value, expected: "true", reason: b ? nil : "\(text(node)) is false")
    }

    /// The arithmetic of `node` with each value read from the report put in place of its expression
    /// (`swarms[0].distribution_time_s * 3` → `95.401 * 3`), or nil when `node` does no arithmetic on
    /// such a value (a plain path or function call is its own value; `2 * 3` reads nothing).
    func workedOut(_ node: ExprNode) throws(EvalIssue) -> String? {
        var replacements: [(start: Int, end: Int, text: String)] = []
        var arithmetic = false
        func walk(_ n: ExprNode) throws(EvalIssue) {
            switch n.kind {
            case .literal:
                return
            case .binary(let op, let a, let b) where [.add, .subtract, .multiply, .divide].contains(op):
                arithmetic = true
                try walk(a)
                try walk(b)
            case .unary(.negate, let a):
                arithmetic = true
                try walk(a)
            default:
                replacements.append((n.start, n.end, CheckOutcome.plainText(try eval(n, Scope()))))
            }
        }
        try walk(node)
        guard arithmetic, !replacements.isEmpty else { return nil }
        var out = ""
        var at = max(0, min(node.start, source.count))
        for r in replacements.sorted(by: { $0.start < $1.start }) {
            let a = max(at, min(r.start, source.count))
            out += String(String.UnicodeScalarView(source[at..<a])) + r.text
            at = max(a, min(r.end, source.count))
        }
        let end = max(at, min(node.end, source.count))
        out += String(String.UnicodeScalarView(source[at..<end]))
        return out
    }

    func conjuncts(_ node: ExprNode) -> [ExprNode] {
        if case .binary(.and, let a, let b) = node.kind { return conjuncts(a) + conjuncts(b) }
        return [node]
    }

    // MARK: Values

    func eval(_ node: ExprNode, _ scope: Scope) throws(EvalIssue) -> CheckValue {
        switch node.kind {
        case .literal(let v):
            return v
        case .name(let name):
            return try resolve(name, node, scope)
        case .member(let base, let key):
            return try member(try eval(base, scope), key, base: base, node: node)
        case .index(let base, let i):
            let v = try eval(base, scope)
            switch v {
            case .null: return .null
            case .list(let items):
                let j = i < 0 ? items.count + i : i
                guard j >= 0, j < items.count else {
                    throw .unmet("\(text(base)) has \(items.count) element\(items.count == 1 ? "" : "s"), so [\(i)] does not exist")
                }
                return items[j]
            default:
                throw .authoring("[\(i)] needs a list, but \(text(base)) is \(v.kindDescription)", offset: node.focus)
            }
        case .all(let base):
            let v = try eval(base, scope)
            switch v {
            case .null, .list: return v
            case .object(let o): return .list(o.keys.map { o.values[$0] ?? .null })
            default: throw .authoring("[*] needs a list, but \(text(base)) is \(v.kindDescription)", offset: node.focus)
            }
        case .filter(let base, let condition):
            let v = try eval(base, scope)
            switch v {
            case .null: return .null
            case .list(let items):
                var kept: [CheckValue] = []
                for item in items where try holds(condition, for: item, listText: text(base)) { kept.append(item) }
                return .list(kept)
            default:
                throw .authoring("a filter [condition] needs a list, but \(text(base)) is \(v.kindDescription)", offset: node.focus)
            }
        case .unary(.negate, let operand):
            let v = try eval(operand, scope)
            switch v {
            case .null: return .null
            case .number(let x): return .number(-x)
            default: throw .authoring("'-' needs a number, but \(text(operand)) is \(v.kindDescription)", offset: node.start)
            }
        case .unary(.not, let operand):
            return .bool(!(try truth(operand, scope)))
        case .binary(let op, let l, let r):
            switch op {
            case .and:
                guard try truth(l, scope) else { return .bool(false) }
                return .bool(try truth(r, scope))
            case .or:
                if try truth(l, scope) { return .bool(true) }
                return .bool(try truth(r, scope))
            case .add, .subtract, .multiply, .divide:
                return try arithmetic(op, try eval(l, scope), try eval(r, scope), l, r, node)
            default:
                return .bool(try compare(op, try eval(l, scope), try eval(r, scope), l, r, scope))
            }
        case .call(let name, let args):
            return try call(name, args, node, scope)
        }
    }

    func truth(_ node: ExprNode, _ scope: Scope) throws(EvalIssue) -> Bool {
        let v = try eval(node, scope)
        guard case .bool(let b) = v else {
            throw .authoring("expected a condition (true or false), but \(text(node)) is \(v.kindDescription)", offset: node.start)
        }
        return b
    }

    /// Evaluates a condition with `item` as the element in scope.
    func holds(_ condition: ExprNode, for item: CheckValue, listText: String) throws(EvalIssue) -> Bool {
        try truth(condition, Scope(element: item, listText: listText, lenientNulls: true))
    }

    func resolve(_ name: String, _ node: ExprNode, _ scope: Scope) throws(EvalIssue) -> CheckValue {
        if let element = scope.element {
            if case .object(let o) = element, let hit = o.lookup(name) { return hit.value }
            if name == "it" || name == "value" { return element }
        }
        if let run = evaluator.runs[name] { return run }
        if let d = evaluator.defaultRun, case .object(let root)? = evaluator.runs[d], let hit = root.lookup(name) { return hit.value }
        // Not found: say what could have been meant.
        if let element = scope.element, case .object(let o) = element {
            var message = "unknown key '\(name)' in the elements of \(scope.listText); keys: \(o.keys.joined(separator: ", "))"
            if let guess = Spelling.suggestion(for: name, among: o.keys) { message += "; did you mean '\(guess)'?" }
            throw .authoring(message, offset: node.start)
        }
        let runNames = evaluator.runs.keys.sorted()
        if evaluator.defaultRun == nil {
            let someRoot = runNames.first.flatMap { evaluator.runs[$0] }
            if case .object(let root)? = someRoot, root.lookup(name) != nil {
                throw .authoring("this check compares runs (\(runNames.joined(separator: ", "))); write which run's '\(name)' "
                                 + "(e.g. \(runNames.first ?? "RUN").\(name)), or give the check a 'run:'", offset: node.start)
            }
        }
        var candidates = runNames
        if let d = evaluator.defaultRun, case .object(let root)? = evaluator.runs[d] { candidates += root.keys }
        var message = "unknown name '\(name)'; a path starts with a report key"
        if let d = evaluator.defaultRun, case .object(let root)? = evaluator.runs[d] { message += " (\(root.keys.joined(separator: ", ")))" }
        message += " or a run's name (\(runNames.joined(separator: ", ")))"
        if let guess = Spelling.suggestion(for: name, among: candidates) {
            message += "; did you mean '\(guess)'?"
        } else if evaluator.defaultRun == nil, let first = runNames.first, case .object(let root)? = evaluator.runs[first],
                  let guess = Spelling.suggestion(for: name, among: root.keys) {
            // A misspelt report key in a check that compares runs: suggest it under a run's name.
            message += "; did you mean '\(first).\(guess)'?"
        }
        throw .authoring(message, offset: node.start)
    }

    func member(_ value: CheckValue, _ key: String, base: ExprNode, node: ExprNode) throws(EvalIssue) -> CheckValue {
        switch value {
        case .null:
            return .null
        case .object(let o):
            if let hit = o.lookup(key) { return hit.value }
            var message = "unknown key '\(key)' in \(text(base)); keys: \(o.keys.joined(separator: ", "))"
            if let guess = Spelling.suggestion(for: key, among: o.keys) { message += "; did you mean '\(guess)'?" }
            throw .authoring(message, offset: node.focus)
        case .list(let items):
            // `.key` on a list takes that key of every element.
            var out: [CheckValue] = []
            for item in items {
                switch item {
                case .null: out.append(.null)
                case .object(let o):
                    guard let hit = o.lookup(key) else {
                        var message = "unknown key '\(key)' in the elements of \(text(base)); keys: \(o.keys.joined(separator: ", "))"
                        if let guess = Spelling.suggestion(for: key, among: o.keys) { message += "; did you mean '\(guess)'?" }
                        throw .authoring(message, offset: node.focus)
                    }
                    out.append(hit.value)
                default:
                    throw .authoring("'.\(key)' needs objects, but the elements of \(text(base)) are \(item.kindDescription)s", offset: node.focus)
                }
            }
            return .list(out)
        default:
            throw .authoring("'.\(key)' needs an object, but \(text(base)) is \(value.kindDescription)", offset: node.focus)
        }
    }

    func arithmetic(_ op: BinaryOp, _ a: CheckValue, _ b: CheckValue, _ l: ExprNode, _ r: ExprNode, _ node: ExprNode) throws(EvalIssue) -> CheckValue {
        if a == .null || b == .null { return .null }
        guard case .number(let x) = a else { throw .authoring("'\(op.rawValue)' needs numbers, but \(text(l)) is \(a.kindDescription)\(listAdvice(a))", offset: l.start) }
        guard case .number(let y) = b else { throw .authoring("'\(op.rawValue)' needs numbers, but \(text(r)) is \(b.kindDescription)\(listAdvice(b))", offset: r.start) }
        switch op {
        case .add: return .number(x + y)
        case .subtract: return .number(x - y)
        case .multiply: return .number(x * y)
        default:
            guard y != 0 else { throw .unmet("\(text(r)) is 0, so \(text(node)) cannot be computed") }
            return .number(x / y)
        }
    }

    func listAdvice(_ v: CheckValue) -> String {
        if case .list = v { return " (use mean, sum, min, max, count… to turn a list into a number)" }
        return ""
    }

    func compare(_ op: BinaryOp, _ a: CheckValue, _ b: CheckValue, _ l: ExprNode, _ r: ExprNode, _ scope: Scope) throws(EvalIssue) -> Bool {
        switch op {
        case .equal, .notEqual:
            let same: Bool
            if case .number(let x) = a, case .number(let y) = b { same = abs(x - y) <= 1e-9 * max(1, abs(x), abs(y)) } else { same = a == b }
            if case .list = a { throw .authoring("'\(op.rawValue)' compares single values, but \(text(l)) is \(a.kindDescription)\(listAdvice(a))", offset: l.start) }
            if case .list = b { throw .authoring("'\(op.rawValue)' compares single values, but \(text(r)) is \(b.kindDescription)\(listAdvice(b))", offset: r.start) }
            return op == .equal ? same : !same
        default:
            if a == .null || b == .null {
                if scope.lenientNulls { return false }
                throw .unmet("\(text(a == .null ? l : r)) is null (the run has no value for it)")
            }
            guard case .number(let x) = a else { throw .authoring("'\(op.rawValue)' needs numbers, but \(text(l)) is \(a.kindDescription)\(listAdvice(a))", offset: l.start) }
            guard case .number(let y) = b else { throw .authoring("'\(op.rawValue)' needs numbers, but \(text(r)) is \(b.kindDescription)\(listAdvice(b))", offset: r.start) }
            switch op {
            case .less: return x < y
            case .lessOrEqual: return x <= y
            case .greater: return x > y
            default: return x >= y
            }
        }
    }

    // MARK: Functions

    /// The elements of a list argument (nested lists flattened); null fails the check.
    func list(_ node: ExprNode, _ scope: Scope, for function: String) throws(EvalIssue) -> [CheckValue] {
        let v = try eval(node, scope)
        switch v {
        case .list(let items): return flatten(items)
        case .null: throw .unmet("\(text(node)) is null, so \(function)(…) has nothing to work on")
        default: throw .authoring("\(function) needs a list, but \(text(node)) is \(v.kindDescription)", offset: node.start)
        }
    }

    func flatten(_ items: [CheckValue]) -> [CheckValue] {
        var out: [CheckValue] = []
        for item in items {
            if case .list(let inner) = item { out += flatten(inner) } else { out.append(item) }
        }
        return out
    }

    /// The numbers among `items`, leaving out nulls; anything else is an authoring error.
    func numbers(_ items: [CheckValue], _ node: ExprNode, for function: String) throws(EvalIssue) -> [Double] {
        var out: [Double] = []
        for item in items {
            switch item {
            case .number(let x): out.append(x)
            case .null: continue
            default: throw .authoring("\(function) needs numbers, but \(text(node)) holds \(item.kindDescription)", offset: node.start)
            }
        }
        return out
    }

    func nonEmpty(_ xs: [Double], _ items: [CheckValue], _ node: ExprNode, _ function: String) throws(EvalIssue) -> [Double] {
        guard xs.isEmpty else { return xs }
        if items.isEmpty { throw .unmet("\(text(node)) is empty, so \(function)(…) has no value") }
        throw .unmet("all \(items.count) values of \(text(node)) are null, so \(function)(…) has no value")
    }

    func call(_ name: String, _ args: [ExprNode], _ node: ExprNode, _ scope: Scope) throws(EvalIssue) -> CheckValue {
        switch name {
        case "count":
            let items = try list(args[0], scope, for: name)
            guard args.count == 2 else { return .number(Double(items.count)) }
            var n = 0
            for item in items where try holds(args[1], for: item, listText: text(args[0])) { n += 1 }
            return .number(Double(n))
        case "sum":
            let items = try list(args[0], scope, for: name)
            return .number(try numbers(items, args[0], for: name).reduce(0, +))
        case "mean":
            let items = try list(args[0], scope, for: name)
            let xs = try nonEmpty(try numbers(items, args[0], for: name), items, args[0], name)
            return .number(xs.reduce(0, +) / Double(xs.count))
        case "median":
            let items = try list(args[0], scope, for: name)
            return .number(percentile(try nonEmpty(try numbers(items, args[0], for: name), items, args[0], name), 0.5))
        case "percentile":
            let items = try list(args[0], scope, for: name)
            let xs = try nonEmpty(try numbers(items, args[0], for: name), items, args[0], name)
            guard case .number(let p) = try eval(args[1], scope), p >= 0, p <= 1 else {
                throw .authoring("percentile's second argument is a fraction from 0 to 1 (write 90% or 0.9)", offset: args[1].start)
            }
            return .number(percentile(xs, p))
        case "min", "max":
            var items: [CheckValue] = []
            if args.count == 1 {
                items = try list(args[0], scope, for: name)
            } else {
                for a in args {
                    let v = try eval(a, scope)
                    if case .list(let l) = v { items += flatten(l) } else { items.append(v) }
                }
            }
            let xs = try nonEmpty(try numbers(items, args[0], for: name), items, args.count == 1 ? args[0] : node, name)
            return .number(name == "min" ? (xs.min() ?? 0) : (xs.max() ?? 0))
        case "fraction", "all", "any":
            let items = try list(args[0], scope, for: name)
            var yes = 0
            for item in items {
                let b: Bool
                if args.count == 2 {
                    b = try holds(args[1], for: item, listText: text(args[0]))
                } else {
                    guard case .bool(let t) = item else {
                        throw .authoring("\(name) with one argument needs a list of true/false values, but \(text(args[0])) holds "
                                         + "\(item.kindDescription); give a condition: \(CheckFunctions.usage[name] ?? name)", offset: args[0].start)
                    }
                    b = t
                }
                if b { yes += 1 }
            }
            switch name {
            case "all": return .bool(yes == items.count)
            case "any": return .bool(yes > 0)
            default:
                guard !items.isEmpty else { throw .unmet("\(text(args[0])) is empty, so fraction(…) has no value") }
                return .number(Double(yes) / Double(items.count))
            }
        case "first", "last":
            let items = try list(args[0], scope, for: name)
            guard let v = name == "first" ? items.first : items.last else { throw .unmet("\(text(args[0])) is empty, so \(name)(…) has no value") }
            return v
        case "at":
            let rows = try list(args[0], scope, for: name)
            guard case .number(let t) = try eval(args[1], scope) else {
                throw .authoring("at's second argument is a time, e.g. at(rounds, 300s)", offset: args[1].start)
            }
            var lastTime: Double?
            for row in rows {
                guard case .object(let o) = row, case .number(let rt)? = o.lookup("time_s")?.value else {
                    throw .authoring("at(…) needs rows with a time_s (like rounds), but \(text(args[0])) holds \(row.kindDescription)s without one", offset: args[0].start)
                }
                if rt >= t - 1e-9 { return row }
                lastTime = rt
            }
            let end = lastTime.map { "the last ends at \(CheckValue.format($0)) s" } ?? "there are none"
            throw .unmet("no row of \(text(args[0])) ends at or after \(CheckValue.format(t)) s (\(end))")
        case "abs":
            let v = try eval(args[0], scope)
            switch v {
            case .null: return .null
            case .number(let x): return .number(abs(x))
            default: throw .authoring("abs needs a number, but \(text(args[0])) is \(v.kindDescription)", offset: args[0].start)
            }
        case "starts_with":
            let a = try eval(args[0], scope), b = try eval(args[1], scope)
            if a == .null { return .bool(false) }
            guard case .string(let whole) = a else {
                throw .authoring("starts_with needs text, but \(text(args[0])) is \(a.kindDescription)", offset: args[0].start)
            }
            guard case .string(let prefix) = b else {
                throw .authoring("starts_with needs a text prefix, but \(text(args[1])) is \(b.kindDescription)", offset: args[1].start)
            }
            return .bool(whole.hasPrefix(prefix))
        default:
            throw .authoring("unknown function '\(name)'", offset: node.start)
        }
    }

    /// Linear interpolation between the closest ranks (the median of an even count is the mean of the middle two).
    func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        guard s.count > 1 else { return s.first ?? 0 }
        let pos = p * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(s.count - 1, lo + 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }
}
