import Foundation
import Network
import SimKernel

/// A scenario that decoded and passed every cross-reference check, ready to build.
public struct LoadedScenario: Sendable {
    public var spec: ScenarioSpec
    /// The path it came from, as the user gave it.
    public var file: String
    public var sourceMap: ScenarioSourceMap
}

/// Reads, decodes and validates scenario files.
public enum ScenarioLoader {
    /// Loads a scenario file. Every problem is a `ScenarioError` naming file:line:column.
    public static func load(path: String, overrides: [String] = []) throws(ScenarioError) -> LoadedScenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError(file: path, line: 0, column: 0, keyPath: "", message: "cannot read the file: \(Self.reason(error))")
        }
        return try parse(text, file: path, overrides: overrides)
    }

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain && (ns.code == NSFileReadNoSuchFileError || ns.code == 260) { return "no such file" }
        return ns.localizedDescription
    }

    /// Parses scenario text (for tests and built-in scenarios).
    public static func parse(_ text: String, file: String, overrides: [String] = []) throws(ScenarioError) -> LoadedScenario {
        let (spec, map) = try StrictYAMLDecoder().decodeWithSourceMap(ScenarioSpec.self, from: text, file: file, overrides: overrides)
        try validate(spec, map)
        return LoadedScenario(spec: spec, file: file, sourceMap: map)
    }

    /// Cross-reference checks the types cannot do alone: names defined once and referenced correctly.
    static func validate(_ s: ScenarioSpec, _ map: ScenarioSourceMap) throws(ScenarioError) {
        var regionNames: [String] = []
        for (i, r) in s.regions.enumerated() {
            if regionNames.contains(r.name) { throw map.error(at: "regions[\(i)].name", "region '\(r.name)' is defined twice") }
            regionNames.append(r.name)
        }
        let regionList = regionNames.joined(separator: ", ")
        for (i, pair) in s.latency.between.enumerated() {
            for (j, name) in pair.regions.enumerated() where !regionNames.contains(name) {
                throw map.error(at: "latency.between[\(i)].regions[\(j)]", "no region named '\(name)'; defined regions: \(regionList)")
            }
        }
        var names: Set<String> = [], groups: Set<String> = []
        for (i, g) in s.hosts.enumerated() {
            if let r = g.region, !regionNames.contains(r) {
                throw map.error(at: "hosts[\(i)].region", "no region named '\(r)'; defined regions: \(regionList)")
            }
            if groups.contains(g.group) || names.contains(g.group) { throw map.error(at: "hosts[\(i)].group", "the name '\(g.group)' is already used") }
            groups.insert(g.group)
            for n in g.hostNames {
                if names.contains(n) || (groups.contains(n) && n != g.group) { throw map.error(at: "hosts[\(i)].group", "host name '\(n)' is already used") }
                names.insert(n)
            }
        }
        func check(_ name: String, at path: String) throws(ScenarioError) {
            guard names.contains(name) || groups.contains(name) else {
                let known = s.hosts.map(\.group).joined(separator: ", ")
                throw map.error(at: path, "no host or group named '\(name)'; groups: \(known)")
            }
        }
        for (i, g) in s.hosts.enumerated() {
            if let ping = g.app.ping {
                for (j, t) in ping.targets.enumerated() { try check(t, at: "hosts[\(i)].app.ping.targets[\(j)]") }
            }
        }
        let end = s.endTime
        for (i, inj) in s.timeline.enumerated() {
            if .zero + inj.at.duration > end {
                throw map.error(at: "timeline[\(i)].at", "\(inj.at) is after the end of the run (\(SimTime.zero + (end - .zero)))")
            }
            let path = "timeline[\(i)].\(inj.actionKey)"
            switch inj.action {
            case .crash(let n), .restart(let n), .join(let n), .leave(let n), .linkDown(let n), .linkUp(let n):
                try check(n, at: path)
            case .setRate(let n, _, _): try check(n, at: path + ".host")
            case .setLoss(let n, _): try check(n, at: path + ".host")
            case .partition(let ns):
                for (j, n) in ns.enumerated() { try check(n, at: "\(path)[\(j)]") }
            case .heal: break
            }
        }
        let minAccess = s.hosts.map(\.latency.duration).min() ?? .zero
        let minCore = min(s.latency.inside.duration, s.latency.default.duration, s.latency.between.map(\.latency.duration).min() ?? .never)
        if minAccess + minAccess + minCore <= .zero {
            throw map.error(at: "latency", "the smallest path latency between two hosts is 0; give access links or the core a latency above 0")
        }
    }
}

extension SimDuration {
    static let never = SimDuration(nanoseconds: .max)
}
