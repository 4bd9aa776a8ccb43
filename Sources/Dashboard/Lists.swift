public import SimKernel

/// An event-log filter: every term must match. `node:NAME` (a host, or every host of a group),
/// `kind:PREFIX` (e.g. `kind:inject`), anything else is text looked for in the whole line; all
/// case-insensitive.
public struct EventFilter: Sendable, Hashable {
    public var nodes: [String] = []
    public var kinds: [String] = []
    public var words: [String] = []

    public init(_ text: String) {
        for raw in text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let t = String(raw)
            if t.hasPrefix("node:"), t.count > 5 { nodes.append(String(t.dropFirst(5))) }
            else if t.hasPrefix("kind:"), t.count > 5 { kinds.append(String(t.dropFirst(5))) }
            else { words.append(t) }
        }
    }

    public var isEmpty: Bool { nodes.isEmpty && kinds.isEmpty && words.isEmpty }

    /// Whether `entry` passes, with `host` the name and group of its node (nil for the environment).
    public func matches(_ entry: LogEntry, host: (name: String, group: String)?) -> Bool {
        if !nodes.isEmpty {
            // The environment's entries (injections) concern the host they name.
            let subject = host.map { [$0.name.lowercased(), $0.group.lowercased()] }
                ?? (entry["host"].map { [$0.description.lowercased()] } ?? ["env"])
            guard nodes.contains(where: { subject.contains($0) }) else { return false }
        }
        if !kinds.isEmpty {
            let k = entry.kind.lowercased()
            guard kinds.contains(where: { k.hasPrefix($0) }) else { return false }
        }
        if !words.isEmpty {
            let line = EventsView.line(entry, node: host?.name).lowercased()
            guard words.allSatisfy({ line.contains($0) }) else { return false }
        }
        return true
    }
}

/// The lists the views show, computed the same way by the renderer and the reducer (so a cursor move
/// and what is drawn always agree).
enum Lists {
    /// Hosts as the network view lists them: by region, then by node id.
    static func networkOrder(_ s: DashboardSnapshot) -> [HostSnapshot] {
        let rank = Dictionary(s.regions.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return s.hosts.sorted { (rank[$0.region] ?? 0, $0.id) < (rank[$1.region] ?? 0, $1.id) }
    }

    /// Peers in the order of `sort`: id (as given), progress (most first), or download rate (fastest first).
    static func sortedPeers(_ swarm: SwarmSnapshot, _ sort: SwarmSort) -> [PeerSnapshot] {
        switch sort {
        case .id: return swarm.peers
        case .progress:
            let done = swarm.peers.map { $0.have.setCount }
            return swarm.peers.indices.sorted { (done[$1], $0) < (done[$0], $1) }.map { swarm.peers[$0] }
        case .rate:
            return swarm.peers.indices.sorted { (swarm.peers[$1].downRate, $0) < (swarm.peers[$0].downRate, $1) }.map { swarm.peers[$0] }
        }
    }

    /// The names the current view lists, for the views that list nodes; nil for the event and round lists.
    static func names(_ tab: Tab, _ s: DashboardSnapshot, _ ui: UIState) -> [String]? {
        switch tab {
        case .swarm, .choke: return s.swarm.map { sortedPeers($0, ui.swarmSort).map(\.name) } ?? []
        case .dht: return s.dht?.nodes.map(\.name) ?? []
        case .network: return networkOrder(s).map(\.name)
        case .events, .rounds: return nil
        }
    }

    /// The filter in force (what is typed, while typing).
    static func filterText(_ ui: UIState) -> String { ui.mode == .filter ? ui.filterField.text : ui.filter }

    /// Indices into `s.log` of the entries that pass the filter.
    static func events(_ s: DashboardSnapshot, _ ui: UIState) -> [Int] {
        let filter = EventFilter(filterText(ui))
        if filter.isEmpty { return Array(s.log.indices) }
        return s.log.indices.filter { i in
            let e = s.log[i]
            let host = e.node.flatMap { $0 < s.hosts.count ? (s.hosts[$0].name, s.hosts[$0].group) : nil }
            return filter.matches(e, host: host)
        }
    }

    /// Items in the current view's list.
    static func count(_ tab: Tab, _ s: DashboardSnapshot, _ ui: UIState) -> Int {
        switch tab {
        case .events: return events(s, ui).count
        case .rounds: return s.rows.count
        default: return names(tab, s, ui)?.count ?? 0
        }
    }

    /// The cursor of the current view's list (clamped).
    static func cursor(_ tab: Tab, _ s: DashboardSnapshot, _ ui: UIState) -> Int {
        switch tab {
        case .events:
            let n = events(s, ui).count
            return max(0, min(ui.eventCursor ?? n - 1, n - 1))
        case .rounds:
            let n = s.rows.count
            return max(0, min(ui.roundCursor ?? n - 1, n - 1))
        default:
            guard let names = names(tab, s, ui), let sel = ui.selection else { return 0 }
            return names.firstIndex(of: sel) ?? 0
        }
    }

    /// The node the inspector shows: the highlighted row of the current list (the selection if the list
    /// has it, else its first row, as `cursor` highlights); in views without a node list, the selection.
    static func inspected(_ s: DashboardSnapshot, _ ui: UIState) -> String? {
        if let names = names(ui.tab, s, ui), !names.isEmpty { return names[cursor(ui.tab, s, ui)] }
        return ui.selection ?? Lists.networkOrder(s).first?.name
    }
}
