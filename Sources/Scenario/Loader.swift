public import BitTorrent
import Foundation
import Network
import SimKernel

/// A scenario that decoded and passed every cross-reference check, ready to build.
public struct LoadedScenario: Sendable {
    public var spec: ScenarioSpec
    /// The path it came from, as the user gave it.
    public var file: String
    public var sourceMap: ScenarioSourceMap
    /// Each swarm's torrent (synthetic from its size, or read from its .torrent file), by swarm name.
    public var torrents: [String: TorrentInfo] = [:]

    public init(spec: ScenarioSpec, file: String, sourceMap: ScenarioSourceMap, torrents: [String: TorrentInfo] = [:]) {
        self.spec = spec; self.file = file; self.sourceMap = sourceMap; self.torrents = torrents
    }
}

/// Reads, decodes and validates scenario files.
public enum ScenarioLoader {
    /// Loads a scenario file. Every problem is a `ScenarioError` naming file:line:column.
    public static func load(path: String, overrides: [String] = []) throws(ScenarioError) -> LoadedScenario {
        try parse(try readText(path), file: path, overrides: overrides)
    }

    /// The most a scenario or checks file may hold; far more than any real one.
    static let maximumFileBytes = 16 << 20

    /// The largest .torrent file a swarm may reference (the same cap as `inetlab torrent show`).
    public static let maximumTorrentFileBytes = 64 << 20

    /// Reads a scenario or checks file as UTF-8 text, saying plainly what is wrong otherwise (no such file,
    /// a directory, a device, too large, not UTF-8 text), as `FILE: error: …` with no position.
    static func readText(_ path: String) throws(ScenarioError) -> String {
        func fail(_ message: String) -> ScenarioError { ScenarioError(file: path, line: 0, column: 0, keyPath: "", message: message) }
        let bytes: [UInt8]
        switch readFile(path, limit: maximumFileBytes) {
        case .success(let b): bytes = b
        case .failure(let problem): throw fail(problem.message)
        }
        if let bad = firstInvalidUTF8(bytes) {
            throw fail("not UTF-8 text (byte \(bad) is 0x\(String(bytes[bad], radix: 16, uppercase: true))); is it the right file?")
        }
        // A byte-order mark is allowed (some Windows editors write one) and is not part of the text.
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    /// Why `readFile` could not read a file, as a phrase after its name ("no such file", "is a directory, …").
    struct ReadProblem: Error { var message: String }

    /// Reads at most `limit` bytes of a regular file or a pipe; a larger file, a directory or a device
    /// (such as /dev/zero, which would never end) is a `ReadProblem`.
    static func readFile(_ path: String, limit: Int) -> Result<[UInt8], ReadProblem> {
        func fail(_ message: String) -> Result<[UInt8], ReadProblem> { .failure(ReadProblem(message: message)) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return fail("no such file") }
        if isDirectory.boolValue { return fail("is a directory, not a file") }
        // Regular files and pipes (`<(…)`) only: a device such as /dev/zero would never end.
        // Through symbolic links: a link to a device is a device.
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let type = (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
        if let type, type != .typeRegular {
            let what = type == .typeCharacterSpecial || type == .typeBlockSpecial ? "a device" : type == .typeSocket ? "a socket" : nil
            if let what { return fail("is \(what), not a file") }
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return fail(FileManager.default.isReadableFile(atPath: path) ? "cannot be opened" : "cannot be read (permission denied)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            return fail("cannot be read: \((error as NSError).localizedDescription)")
        }
        if data.count > limit { return fail("is larger than \(limit >> 20) MiB; is it the right file?") }
        return .success([UInt8](data))
    }

    /// The 0-based offset of the first byte that does not belong to valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return i
            }
            guard i + length <= bytes.count else { return i }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
            // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
            let b1 = bytes[i + 1]
            if (b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F) || (b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 > 0x8F) { return i }
            i += length
        }
        return nil
    }

    /// Parses scenario text (for tests and built-in scenarios).
    public static func parse(_ text: String, file: String, overrides: [String] = []) throws(ScenarioError) -> LoadedScenario {
        let (spec, map) = try StrictYAMLDecoder().decodeWithSourceMap(ScenarioSpec.self, from: text, file: file, overrides: overrides)
        try validate(spec, map)
        return LoadedScenario(spec: spec, file: file, sourceMap: map, torrents: try torrents(spec, map, file: file))
    }

    /// Builds each swarm's torrent: synthetic content of the given size, or a real .torrent file.
    static func torrents(_ s: ScenarioSpec, _ map: ScenarioSourceMap, file: String) throws(ScenarioError) -> [String: TorrentInfo] {
        var out: [String: TorrentInfo] = [:]
        for (i, sw) in s.swarms.enumerated() {
            if let path = sw.torrent {
                let base = URL(fileURLWithPath: file).deletingLastPathComponent()
                let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
                let data: [UInt8]
                switch readFile(url.path, limit: maximumTorrentFileBytes) {
                case .success(let bytes): data = bytes
                case .failure(let problem): throw map.error(at: "swarms[\(i)].torrent", "cannot read '\(url.path)': \(problem.message)")
                }
                let metainfo: Metainfo
                do {
                    metainfo = try Metainfo(bytes: data)
                } catch {
                    throw map.error(at: "swarms[\(i)].torrent", "not a valid .torrent file: \(error)")
                }
                // An empty torrent has nothing to share, and no pieces. Up to 1TiB: unlike 'file-size' (4GiB), its
                // piece hashes are read from the file, not computed.
                guard (1...(Int64(1) << 40)).contains(Int64(metainfo.totalLength)) else {
                    throw map.error(at: "swarms[\(i)].torrent",
                                    "the torrent's content is \(metainfo.totalLength) bytes; a swarm's file must be between 1 byte and 1TiB")
                }
                // Simulated peers hold a piece in memory and send blocks of up to a piece: the synthetic-swarm limit.
                guard Int64(metainfo.pieceLength) <= SwarmSpec.maximumPieceLength else {
                    throw map.error(at: "swarms[\(i)].torrent",
                                    "the torrent's piece length is \(metainfo.pieceLength) bytes; a simulated swarm's pieces are at most 16MiB")
                }
                guard sw.requestSize.bytes <= metainfo.pieceLength else {
                    throw map.error(at: "swarms[\(i)].request-size", "must be at most the torrent's piece length (\(metainfo.pieceLength) bytes)")
                }
                out[sw.name] = TorrentInfo(metainfo, blockLength: Int(sw.requestSize.bytes))
            } else if let size = sw.fileSize {
                do {
                    out[sw.name] = TorrentInfo(try Metainfo.synthetic(name: sw.name, length: Int(size.bytes), pieceLength: Int(sw.pieceLength.bytes)),
                                               blockLength: Int(sw.requestSize.bytes))
                } catch {
                    throw map.error(at: "swarms[\(i)].file-size", "\(error)")
                }
            }
        }
        return out
    }

    /// The most departures and returns session churn may schedule in a run (each is an event kept in memory
    /// from the start), estimated from the means: hosts × 2 × duration / (mean session + mean downtime).
    public static let maximumSessionEvents: Int64 = 10_000_000

    /// Bounds on the whole population: at most `ScenarioSpec.maximumHosts` hosts counting churn arrivals,
    /// and at most `maximumSessionEvents` session-churn events (both are built before the run starts).
    static func checkPopulation(_ s: ScenarioSpec, _ map: ScenarioSourceMap) throws(ScenarioError) {
        let end = s.endTime.nanoseconds
        var total: Int64 = 0
        var sessionEvents: Int64 = 0
        for (i, g) in s.hosts.enumerated() {
            var arrivals: Int64 = 0
            if let churn = g.churn, end > 0 {
                // Arrivals at every + k·every before the end: join × ⌈end / every⌉ − 1 ticks (join ≤ 100000, ticks ≤ 10 years / 1s).
                let ticks = (end - 1) / churn.every.duration.nanoseconds
                arrivals = Int64(churn.join) * ticks
            }
            total += Int64(g.count) + arrivals
            if total > Int64(ScenarioSpec.maximumHosts) {
                let path = arrivals > 0 ? "hosts[\(i)].churn.join" : "hosts[\(i)].count"
                let churnNote = arrivals > 0 ? " (\(g.count) + \(arrivals) churn arrivals in group '\(g.group)')" : ""
                throw map.error(at: path, "the scenario would have \(total)\(churnNote) hosts or more; at most \(ScenarioSpec.maximumHosts) per scenario, counting churn arrivals")
            }
            if let sessions = g.sessions {
                // Means are ≥ 1s and the run ≤ 10 years, so this stays far inside Int64 (≤ 100000 × 2 × 3.2e8).
                let cycle = sessions.session.mean.nanoseconds / 1_000_000_000 + sessions.downtime.mean.nanoseconds / 1_000_000_000
                sessionEvents += Int64(g.count) * 2 * (end / 1_000_000_000 / max(cycle, 1))
                if sessionEvents > maximumSessionEvents {
                    throw map.error(at: "hosts[\(i)].sessions",
                                    "session churn would schedule about \(sessionEvents) departures and returns; at most \(maximumSessionEvents) per scenario: make sessions and downtimes longer, the run shorter or the groups smaller")
                }
            }
        }
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
        try checkPopulation(s, map)
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
        var swarmNames: [String] = []
        for (i, sw) in s.swarms.enumerated() {
            if swarmNames.contains(sw.name) { throw map.error(at: "swarms[\(i)].name", "swarm '\(sw.name)' is defined twice") }
            swarmNames.append(sw.name)
            if let t = sw.tracker {
                try check(t, at: "swarms[\(i)].tracker")
                let runsTracker = s.hosts.contains { ($0.group == t || $0.hostNames.contains(t)) && $0.app.tracker != nil }
                if !runsTracker { throw map.error(at: "swarms[\(i)].tracker", "'\(t)' does not run a tracker (give its group 'app: {tracker: {}}')") }
            }
        }
        func checkSwarm(_ name: String, at path: String) throws(ScenarioError) {
            guard swarmNames.contains(name) else {
                throw map.error(at: path, "no swarm named '\(name)'; swarms: \(swarmNames.isEmpty ? "(none defined)" : swarmNames.joined(separator: ", "))")
            }
        }
        for (i, g) in s.hosts.enumerated() {
            if let ping = g.app.ping {
                for (j, t) in ping.targets.enumerated() { try check(t, at: "hosts[\(i)].app.ping.targets[\(j)]") }
            }
            if let p = g.app.peer {
                try checkSwarm(p.swarm, at: "hosts[\(i)].app.peer.swarm")
                if p.magnet, s.swarms.first(where: { $0.name == p.swarm })?.dht != true {
                    throw map.error(at: "hosts[\(i)].app.peer.magnet", "a magnet join finds peers through the DHT only; give swarm '\(p.swarm)' 'dht: true'")
                }
            }
            if let f = g.app.fileServer { try checkSwarm(f.swarm, at: "hosts[\(i)].app.file-server.swarm") }
            if let f = g.app.fileClient {
                try checkSwarm(f.swarm, at: "hosts[\(i)].app.file-client.swarm")
                try check(f.server, at: "hosts[\(i)].app.file-client.server")
                let server = s.hosts.first { $0.group == f.server || $0.hostNames.contains(f.server) }
                guard let served = server?.app.fileServer else {
                    throw map.error(at: "hosts[\(i)].app.file-client.server",
                                    "'\(f.server)' does not run a file server (give its group 'app: {file-server: {swarm: \(f.swarm)}}')")
                }
                guard served.swarm == f.swarm else {
                    throw map.error(at: "hosts[\(i)].app.file-client.server",
                                    "'\(f.server)' serves swarm '\(served.swarm)', not '\(f.swarm)'")
                }
            }
        }
        for (j, b) in s.dht.bootstrap.enumerated() {
            try check(b, at: "dht.bootstrap[\(j)]")
            let runsDHT = s.hosts.contains { g in
                (g.group == b || g.hostNames.contains(b))
                    && (g.app.dhtNode != nil || (g.app.peer.map { p in s.swarms.contains { $0.name == p.swarm && $0.dht } } ?? false))
            }
            if !runsDHT { throw map.error(at: "dht.bootstrap[\(j)]", "'\(b)' runs no DHT node (give it 'app: {dht-node: {}}' or make it a peer of a 'dht: true' swarm)") }
        }
        if s.swarms.contains(where: \.dht), s.dht.bootstrap.isEmpty, !s.hosts.contains(where: { $0.app.dhtNode != nil }) {
            let publicPeer = s.hosts.contains { g in g.nat == .none && (g.app.peer.map { p in s.swarms.contains { $0.name == p.swarm && $0.dht } } ?? false) }
            if !publicPeer {
                throw map.error(at: "swarms", "a DHT needs a node to bootstrap through that is not behind a NAT: add a host with 'app: {dht-node: {}}', or list hosts under 'dht: {bootstrap: [...]}'")
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
            case .freeRide(let n), .leaveSwarm(let n): try check(n, at: path)
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
