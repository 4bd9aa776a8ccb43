import Foundation
import SimKernel
import Testing
@testable import Scenario

/// A small report-shaped tree, written by hand so the expected answers do not come from our own code.
private let sample: CheckValue = .object(.init([
    ("seed", .number(7)),
    ("rounds", .list([
        .object(.init([("time_s", .number(10)), ("min_availability", .number(1)), ("swarm_completed", .number(0))])),
        .object(.init([("time_s", .number(20)), ("min_availability", .number(3)), ("swarm_completed", .number(2))])),
        .object(.init([("time_s", .number(30)), ("min_availability", .number(5)), ("swarm_completed", .number(4))])),
        .object(.init([("time_s", .number(40)), ("min_availability", .number(7)), ("swarm_completed", .number(4))])),
    ])),
    ("swarms", .list([.object(.init([
        ("leechers", .number(4)),
        ("distribution_time_s", .null),
        ("lower_bound_p_2p_s", .number(50)),
        ("peers_detail", .list([
            .object(.init([("name", .string("seed")), ("role", .string("seed")), ("completion_s", .null), ("uploaded", .number(900))])),
            .object(.init([("name", .string("peer-1")), ("role", .string("leecher")), ("completion_s", .number(100)), ("uploaded", .number(300))])),
            .object(.init([("name", .string("peer-2")), ("role", .string("leecher")), ("completion_s", .number(200)), ("uploaded", .number(100))])),
            .object(.init([("name", .string("rider-1")), ("role", .string("free-rider")), ("completion_s", .number(600)), ("uploaded", .number(0))])),
            .object(.init([("name", .string("rider-2")), ("role", .string("free-rider")), ("completion_s", .null), ("uploaded", .number(0))])),
        ])),
    ]))])),
    ("client_server", .null),
]))

private func value(_ text: String, runs: [String: CheckValue] = ["a": sample], run: String? = "a") throws -> CheckValue {
    let e = try CheckExpression(parsing: text)
    switch try CheckEvaluator(runs: runs, defaultRun: run).value(of: e) {
    case .success(let v): return v
    case .failure(let unmet): throw unmet
    }
}

private func outcome(_ text: String, runs: [String: CheckValue] = ["a": sample], run: String? = "a") throws -> CheckOutcome {
    try CheckEvaluator(runs: runs, defaultRun: run).evaluate(try CheckExpression(parsing: text))
}

private func syntaxError(_ text: String) -> CheckSyntaxError? {
    do {
        _ = try CheckExpression(parsing: text)
        return nil
    } catch {
        return error
    }
}

private func authoringError(_ text: String, runs: [String: CheckValue] = ["a": sample], run: String? = "a") -> CheckAuthoringError? {
    do {
        _ = try outcome(text, runs: runs, run: run)
        return nil
    } catch let e as CheckAuthoringError {
        return e
    } catch {
        return nil
    }
}

@Suite struct ChecksParsingTests {
    @Test func arithmeticPrecedence() throws {
        #expect(try value("1 + 2 * 3") == .number(7))
        #expect(try value("(1 + 2) * 3") == .number(9))
        #expect(try value("10 - 4 - 3") == .number(3))
        #expect(try value("-2 * 3") == .number(-6))
        #expect(try value("1 < 2 and not 3 < 2 or false") == .bool(true))
    }

    @Test(arguments: [
        ("1200s", 1200.0), ("20m", 1200), ("1.5h", 5400), ("250ms", 0.25), ("1h30m", 5400),
        ("90%", 0.9), ("4MiB", 4_194_304), ("20MB", 20_000_000), ("1Mbps", 1_000_000), ("512kbps", 512_000), ("1_000", 1000),
    ])
    func numbersWithUnits(text: String, expected: Double) throws {
        guard case .number(let x) = try value(text) else { Issue.record("\(text) is not a number"); return }
        #expect(abs(x - expected) < 1e-9, "\(text) = \(x)")
    }

    @Test func divisionIsNotPartOfAUnit() throws {
        #expect(try value("3s/2") == .number(1.5))
        #expect(try value("6 /2") == .number(3))
    }

    @Test(arguments: [
        // (expression, offset of the error, a phrase of the message)
        ("mean(rounds", 11, "expected ')'"),
        ("1 <=", 4, "expected a value"),
        ("maen(rounds)", 0, "did you mean 'mean'"),
        ("a && b", 2, "write 'and'"),
        ("a = 1", 2, "use '=='"),
        ("1 < 2 < 3", 6, "cannot be chained"),
        ("3 parsecs", 2, "did you forget an operator"),
        ("3parsecs", 1, "unknown unit 'parsecs'"),
        ("swarms[0].", 10, "expected a key after '.'"),
        ("role == \"seed", 8, "no closing double quote"),
        ("percentile(rounds)", 0, "percentile(LIST, 90%)"),
        ("rounds[]", 7, "inside '[]'"),
        ("", 0, "empty"),
    ])
    func syntaxErrorsSayWhereAndWhat(text: String, offset: Int, phrase: String) throws {
        let e = try #require(syntaxError(text))
        #expect(e.offset == offset, "\(text): \(e.message)")
        #expect(e.message.contains(phrase), "\(text): \(e.message)")
    }

    /// Deep nesting is refused with an error instead of overflowing the stack (5000 levels used to crash).
    @Test func nestingDeeperThanTheLimitIsASyntaxError() throws {
        func parens(_ n: Int) -> String { String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n) + " > 0" }
        // At the limit it still parses and evaluates (the top level counts as one level).
        #expect(try value(parens(ExprParser.maxDepth - 1)) == .bool(true))
        #expect(try value("1" + String(repeating: " + 1", count: 150) + " == 151") == .bool(true))
        let cases: [(String, Int)] = [
            (parens(ExprParser.maxDepth), 200),          // the 201st '('
            (parens(5000), 200),
            (String(repeating: "abs(", count: 5000) + "1" + String(repeating: ")", count: 5000), 800),
            (String(repeating: "not ", count: 5000) + "true", 796),
            (String(repeating: "-", count: 5000) + "1", 199),
            ("1" + String(repeating: " + 1", count: 5000) + " > 0", 800),   // a chain deepens the tree, not the parser
            ("rounds" + String(repeating: ".a", count: 5000), 405),
            ("rounds" + String(repeating: "[0]", count: 5000), 603),
        ]
        for (text, offset) in cases {
            let e = try #require(syntaxError(text), "\(text.prefix(20))… parsed")
            #expect(e.message.contains("nests too deeply (more than 200 levels"), "\(text.prefix(20))…: \(e.message)")
            #expect(e.offset == offset, "\(text.prefix(20))…")
        }
    }
}

@Suite struct ChecksEvaluationTests {
    @Test func pathsIndicesAndProjections() throws {
        #expect(try value("seed") == .number(7))
        #expect(try value("rounds[0].time_s") == .number(10))
        #expect(try value("rounds[-1].min_availability") == .number(7))
        #expect(try value("rounds.min_availability") == .list([.number(1), .number(3), .number(5), .number(7)]))
        #expect(try value("rounds[*].time_s") == value("rounds.time_s"))
        // The documented spelling finds the encoder's key (underscores are not significant).
        #expect(try value("swarms[0].lower_bound_p2p_s") == .number(50))
        // A run's name reads that run.
        #expect(try value("b.seed", runs: ["a": sample, "b": .object(.init([("seed", .number(3))]))]) == .number(3))
    }

    @Test func filtersReadTheElementsKeys() throws {
        #expect(try value("count(swarms[0].peers_detail[role == \"free-rider\"])") == .number(2))
        #expect(try value("swarms[0].peers_detail[role == 'leecher'].name") == .list([.string("peer-1"), .string("peer-2")]))
        #expect(try value("rounds[time_s > 15 and time_s <= 30].min_availability") == .list([.number(3), .number(5)]))
        #expect(try value("count(swarms[0].peers_detail[starts_with(name, \"rider-\")])") == .number(2))
        // A comparison with null inside a condition is false: rider-2 never completed.
        #expect(try value("count(swarms[0].peers_detail[completion_s <= 1000])") == .number(3))
        #expect(try value("rounds.min_availability[it >= 5]") == .list([.number(5), .number(7)]))
    }

    @Test func aggregates() throws {
        #expect(try value("mean(rounds.min_availability)") == .number(4))
        #expect(try value("median(rounds.min_availability)") == .number(4))
        #expect(try value("median(swarms[0].peers_detail.completion_s)") == .number(200))  // nulls left out: 100, 200, 600
        #expect(try value("sum(swarms[0].peers_detail.uploaded)") == .number(1300))
        #expect(try value("min(rounds.min_availability)") == .number(1))
        #expect(try value("max(rounds.min_availability)") == .number(7))
        #expect(try value("max(3, 9, 4)") == .number(9))
        #expect(try value("percentile(rounds.min_availability, 50%)") == .number(4))
        #expect(try value("percentile(rounds.min_availability, 100%)") == .number(7))
        #expect(try value("fraction(rounds, swarm_completed >= 2)") == .number(0.75))
        #expect(try value("all(rounds, min_availability >= 1)") == .bool(true))
        #expect(try value("any(rounds, min_availability > 7)") == .bool(false))
        #expect(try value("count(rounds, min_availability > 2)") == .number(3))
        #expect(try value("first(rounds).time_s + last(rounds).time_s") == .number(50))
        #expect(try value("abs(2 - 5)") == .number(3))
    }

    @Test func atPicksTheRoundThatContainsTheTime() throws {
        #expect(try value("at(rounds, 20s).swarm_completed") == .number(2))
        #expect(try value("at(rounds, 21s).swarm_completed") == .number(4))
        #expect(try value("at(rounds, 0).time_s") == .number(10))
        let late = try outcome("at(rounds, 1m).swarm_completed >= 4")
        #expect(!late.passed)
        #expect(late.reason == "no row of rounds ends at or after 60 s (the last ends at 40 s)")
    }

    @Test func aComparisonReportsMeasuredAndExpected() throws {
        let pass = try outcome("rounds[-1].min_availability >= 1.5 * rounds[1].min_availability")
        #expect(pass.passed)
        #expect(pass.measured == .number(7))
        #expect(pass.expected == ">= 4.5 (1.5 * rounds[1].min_availability)")
        #expect(pass.reason == nil)

        let fail = try outcome("mean(swarms[0].peers_detail[role == \"free-rider\"].completion_s) < 500")
        #expect(!fail.passed)
        #expect(fail.measured == .number(600))
        #expect(fail.expected == "< 500")
        #expect(fail.reason == "mean(swarms[0].peers_detail[role == \"free-rider\"].completion_s) is 600, not < 500")
    }

    /// A scaled left side is shown with the values the report holds, so a student can find them there.
    @Test func measuredShowsTheReportsValuesBehindArithmetic() throws {
        let scaled = try outcome("rounds[-1].min_availability * 3 >= 2 * rounds[1].min_availability")
        #expect(scaled.measured == .number(21))
        #expect(scaled.measuredText == "21 = 7 * 3 (rounds[-1].min_availability * 3)")
        #expect(scaled.expected == ">= 6 (2 * rounds[1].min_availability)")

        let nested = try outcome("2 * mean(swarms[0].peers_detail[role == \"leecher\"].completion_s) - (seed + 1) > 0")
        #expect(nested.measured == .number(292))
        #expect(nested.measuredText == "292 = 2 * 150 - (7 + 1) (2 * mean(swarms[0].peers_detail[role == \"leecher\"].completion_s) - (seed + 1))")

        let negated = try outcome("-seed < 0")
        #expect(negated.measuredText == "-7 = -7 (-seed)")

        // A plain path or function, or arithmetic on literals only, is its own value.
        #expect(try outcome("rounds[-1].min_availability >= 1").measuredText == "7")
        #expect(try outcome("mean(rounds.min_availability) >= 1").measuredText == "4")
        #expect(try outcome("2 * 3 == 6").measuredText == "6")
        #expect(try outcome("all(rounds, time_s > 0)").measuredText == "true")
        // Each part of a conjunction; a part that could not be computed shows null.
        let both = try outcome("seed * 2 == 14 and swarms[0].distribution_time_s * 2 > 1")
        #expect(both.measuredText == "14 = 7 * 2 (seed * 2); null")
        #expect(try outcome("swarms[0].distribution_time_s * 2 > 1").measuredText == nil)
    }

    @Test func conjunctionsReportEveryPartAndTheFirstFailure() throws {
        let o = try outcome("seed == 7 and rounds[0].time_s > 10 and seed < 100")
        #expect(!o.passed)
        #expect(o.measured == .list([.number(7), .number(10), .number(7)]))
        #expect(o.expected == "== 7 and > 10 and < 100")
        #expect(o.reason == "rounds[0].time_s is 10, not > 10")
    }

    @Test func missingValuesFailTheCheckWithAReason() throws {
        let null = try outcome("swarms[0].distribution_time_s <= 1.3 * swarms[0].lower_bound_p2p_s")
        #expect(!null.passed)
        #expect(null.reason == "swarms[0].distribution_time_s is null (the run has no value for it)")
        let absent = try outcome("client_server.distribution_time_s < 10")
        #expect(absent.reason == "client_server.distribution_time_s is null (the run has no value for it)")
        let range = try outcome("swarms[1].leechers == 4")
        #expect(range.reason == "swarms has 1 element, so [1] does not exist")
        let empty = try outcome("mean(rounds[time_s > 100].min_availability) > 1")
        #expect(empty.reason == "rounds[time_s > 100].min_availability is empty, so mean(…) has no value")
        let zero = try outcome("seed / (seed - 7) > 1")
        #expect(zero.reason == "(seed - 7) is 0, so seed / (seed - 7) cannot be computed")
        // Testing for null explicitly is fine.
        #expect(try outcome("swarms[0].distribution_time_s == null").passed)
    }

    @Test(arguments: [
        ("swarms[0].distribution_tme_s > 1", 10, "did you mean 'distribution_time_s'"),
        ("count(swarms[0].peers_detail[rol == \"seed\"]) > 0", 29, "unknown key 'rol' in the elements of swarms[0].peers_detail"),
        ("sede > 1", 0, "did you mean 'seed'"),
        ("rounds > 1", 0, "'>' needs numbers, but rounds is a list of 4 values (use mean"),
        ("mean(swarms[0].peers_detail.name) > 1", 5, "mean needs numbers"),
        ("rounds.time_s", 0, "a check must be a comparison or a condition"),
        ("seed[0] == 7", 4, "[0] needs a list"),
    ])
    func authoringMistakesAreLocated(text: String, offset: Int, phrase: String) throws {
        let e = try #require(authoringError(text))
        #expect(e.offset == offset, "\(text): \(e.message)")
        #expect(e.message.contains(phrase), "\(text): \(e.message)")
    }

    @Test func aCheckOverSeveralRunsMustNameThem() throws {
        let e = try #require(authoringError("seed > 1", runs: ["x": sample, "y": sample], run: nil))
        #expect(e.message.contains("this check compares runs (x, y)"))
        #expect(try outcome("x.seed == y.seed", runs: ["x": sample, "y": sample], run: nil).passed)
    }
}

@Suite struct ChecksReportTreeTests {
    /// The tree has exactly the JSON report's keys and values, plus explicit nulls for what the JSON leaves out.
    @Test func treeMatchesTheJSONReport() throws {
        let scenario = try ScenarioLoader.load(path: CheckFixtures.root.appendingPathComponent("labs/00-hello/swarm.yaml").path,
                                               overrides: ["duration=30s", "hosts.2.count=4", "hosts.3.count=2", "hosts.5.count=3"])
        let run = ScenarioRun(scenario)
        withLargeStack { run.runToEnd() }
        let report = run.report()
        let tree = try CheckValue(encoding: report)
        let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8))
        func compare(_ j: Any, _ v: CheckValue, _ path: String) {
            switch (j, v) {
            case (let d as [String: Any], .object(let o)):
                #expect(Set(d.keys).isSubset(of: Set(o.keys)), "\(path): JSON keys \(d.keys.sorted()) vs \(o.keys)")
                for k in o.keys {
                    if let jv = d[k] { compare(jv, o.values[k] ?? .null, path + "." + k) } else {
                        #expect(o.values[k] == .null, "\(path).\(k) is missing from the JSON but not null here")
                    }
                }
            case (let a as [Any], .list(let l)):
                #expect(a.count == l.count, "\(path)")
                for (i, (x, y)) in zip(a, l).enumerated() { compare(x, y, "\(path)[\(i)]") }
            case (let s as String, .string(let t)): #expect(s == t, "\(path)")
            case (let n as NSNumber, .bool(let b)): #expect(n.boolValue == b, "\(path)")
            case (let n as NSNumber, .number(let x)): #expect(abs(n.doubleValue - x) <= 1e-9 * max(1, abs(x)), "\(path)")
            case (is NSNull, .null): break
            default: Issue.record("\(path): JSON \(j) vs \(v)")
            }
        }
        compare(json, tree, "")
        if case .object(let root) = tree, case .list(let swarms)? = root.values["swarms"], case .object(let s)? = swarms.first {
            #expect(s.values["distribution_time_s"] != nil)  // present (null or a number) even when the JSON omits it
        } else {
            Issue.record("no swarm in the tree")
        }
    }

    @Test(arguments: [
        ("lowerBoundP2pS", "lower_bound_p_2p_s"), ("virtualTimeS", "virtual_time_s"), ("infoHash", "info_hash"),
        ("myURLProperty", "my_url_property"), ("peersDetail", "peers_detail"), ("public", "public"), ("a", "a"),
    ])
    func snakeCaseMatchesJSONEncoder(camel: String, snake: String) throws {
        #expect(SnakeCase.convert(camel) == snake)
        // And JSONEncoder, which the report's JSON uses, agrees.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let text = String(decoding: try encoder.encode(OneKey(key: camel)), as: UTF8.self)
        #expect(text == "{\"\(snake)\":1}")
    }
}

/// An object with one key, named at run time.
private struct OneKey: Encodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    let key: String
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(1, forKey: Key(stringValue: key))
    }
}

enum CheckFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
