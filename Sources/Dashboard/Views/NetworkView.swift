import Network
import SimKernel

/// The network: hosts by region with their state, addresses, NAT, access link and traffic; below, the
/// NAT box of the selected host with its mapping table. Failed components are in reverse video and
/// spelled out (CRASHED, LINK DOWN, CUT OFF).
enum NetworkView {
    static let legend: [(String, String)] = [
        ("HOST", "host name; \u{25CF} running, \u{2716} crashed, \u{25CB} left, \u{00B7} not joined yet"),
        ("STATE", "up, CRASHED, left, absent; LINK DOWN (access link cut), CUT OFF (in a partition)"),
        ("ADDRESS", "the host's own address: private (10.x) when it sits behind a NAT"),
        ("PUBLIC", "the address the rest of the Internet sees: its NAT's, or its own"),
        ("NAT", "the NAT in front: full (full cone), restr (restricted), port (port-restricted), sym (symmetric), - none; +f: port forwards"),
        ("LINK", "access-link capacity, up/down, in bits per second"),
        ("UP/s DOWN/s", "measured send and receive rate over the last ~2 s of virtual time"),
        ("SENT RECV", "packets sent and received since the start"),
        ("DROPS", "packets this host lost: NAT refused + link down/crashed + partition + random loss"),
        ("CONN", "open connections"),
        ("NAT table", "PRIVATE inside endpoint, PUBLIC its mapping, BOUND TO whose flows share it (mapping behaviour), PERMITTED who may send in (filtering), EXPIRES idle time left"),
    ]

    static let columns: [Column] = [
        Column("HOST", 13),
        Column("STATE", 9),
        Column("NAT", 6),
        Column("LINK", 11, priority: 1),
        Column("UP/s", 7, right: true, priority: 1),
        Column("DOWN/s", 7, right: true, priority: 1),
        Column("DROPS", 6, right: true, priority: 1),
        Column("ADDRESS", 15, priority: 2),
        Column("PUBLIC", 15, priority: 3),
        Column("SENT", 7, right: true, priority: 4),
        Column("RECV", 7, right: true, priority: 4),
        Column("CONN", 4, right: true, priority: 5),
        Column("APP", 6, priority: 5),
    ]

    static func natLabel(_ h: HostSnapshot) -> String {
        guard let nat = h.nat else { return "-" }
        let short: String
        switch nat.preset {
        case "full-cone": short = "full"
        case "restricted": short = "restr"
        case "port-restricted": short = "port"
        case "symmetric": short = "sym"
        default: short = "custom"
        }
        return nat.forwards.isEmpty ? short : short + "+f"
    }

    static func stateCell(_ h: HostSnapshot) -> TableCell {
        switch h.status {
        case .crashed: return TableCell("CRASHED", Theme.failed)
        case .left: return TableCell("left", Theme.dim)
        case .absent: return TableCell("absent", Theme.dim)
        case .running:
            if !h.linkUp { return TableCell("LINK DOWN", Theme.failed) }
            if h.partition != 0 { return TableCell("CUT OFF", Theme.failed) }
            return TableCell("up", Theme.ok)
        }
    }

    static func marker(_ h: HostSnapshot, _ g: Glyphs) -> (Character, Style) {
        switch h.status {
        case .running: return h.linkUp ? (g.running, h.partition != 0 ? Theme.bad : Theme.ok) : (g.linkDown, Theme.bad)
        case .crashed: return (g.crashed, Theme.bad)
        case .left: return (g.departed, Theme.dim)
        case .absent: return (g.absent, Theme.dim)
        }
    }

    static func drops(_ c: HostCounters) -> Int { c.droppedNAT + c.droppedDown + c.droppedPartition + c.droppedLoss }

    static func draw(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
        let g = ui.glyphs
        guard rect.height >= 6 else { return }
        // Summary line.
        let running = s.hosts.filter { $0.status == .running }.count
        let crashed = s.hosts.filter { $0.status == .crashed }.count
        let down = s.hosts.filter { !$0.linkUp }.count
        let cut = s.hosts.filter { $0.partition != 0 }.count
        let natted = s.hosts.filter { $0.nat != nil }.count
        var parts: [(String, Style)] = [("\(s.hosts.count) hosts, \(s.regions.count) regions", Theme.title)]
        if let t = s.swarm?.tracker { parts += SwarmView.trackerSpans(t, g: g) }
        parts += [(" · \(running) up", Theme.text), (" · \(natted) behind NAT", Theme.text)]
        // Only the failures there are, so that they fit on 80 columns.
        let failures = [(crashed, "crashed"), (down, down == 1 ? "link down" : "links down"), (cut, "cut off")].filter { $0.0 > 0 }
        if failures.isEmpty { parts.append((" · no failures", Theme.dim)) }
        for (n, what) in failures { parts += [(" · ", Theme.text), ("\(n) \(what)", Theme.failed)] }
        buf.spans(parts, x: rect.x + 1, y: rect.y, maxX: rect.maxX)

        let hosts = Lists.networkOrder(s)
        let selectedIndex = Lists.cursor(.network, s, ui)
        let selected = hosts.isEmpty ? nil : hosts[selectedIndex]
        let natHeight = min(max(6, rect.height / 3), 14)
        let tableRect = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1 - natHeight)
        let natRect = Rect(x: rect.x, y: tableRect.maxY, width: rect.width, height: natHeight)

        // Host table, grouped by region.
        let kept = Column.fit(columns, width: tableRect.width - 3)
        buf.tableHeader(columns, kept: kept, x: tableRect.x + 1, y: tableRect.y, width: tableRect.width - 2)
        enum Line { case region(String, Int), host(Int) }
        var lines: [Line] = []
        var cursorLine = 0
        var lastRegion: String?
        for (i, h) in hosts.enumerated() {
            if h.region != lastRegion {
                lines.append(.region(h.region, hosts.filter { $0.region == h.region }.count))
                lastRegion = h.region
            }
            if i == selectedIndex { cursorLine = lines.count }
            lines.append(.host(i))
        }
        let rows = tableRect.height - 1
        let offset = scrollOffset(cursor: cursorLine, count: lines.count, rows: rows)
        for r in 0..<min(rows, lines.count - offset) {
            let y = tableRect.y + 1 + r
            switch lines[offset + r] {
            case .region(let name, let n):
                buf.put("\(name) \(g.horizontal) \(n) host\(n == 1 ? "" : "s")", x: tableRect.x + 1, y: y, style: Theme.accent, maxWidth: tableRect.width - 2)
            case .host(let i):
                let h = hosts[i]
                let (m, ms) = marker(h, g)
                let nat = natLabel(h)
                let cells: [TableCell] = [
                    TableCell("  " + h.name, Theme.text),
                    stateCell(h),
                    TableCell(nat, h.nat == nil ? Theme.dim : (h.nat?.preset == "symmetric" ? Theme.warn : Theme.text)),
                    TableCell("\(Format.capacity(h.up))/\(Format.capacity(h.down))", h.linkUp ? Theme.text : Theme.failed),
                    TableCell(Format.rate(h.sendRate), h.sendRate > 0 ? Theme.text : Theme.dim),
                    TableCell(Format.rate(h.receiveRate), h.receiveRate > 0 ? Theme.text : Theme.dim),
                    TableCell(Format.count(drops(h.counters)), drops(h.counters) > 0 ? Theme.warn : Theme.dim),
                    TableCell(h.address.description, Theme.text),
                    TableCell(h.publicAddress.description, h.nat == nil ? Theme.text : Theme.dim),
                    TableCell(Format.count(h.counters.packetsSent)),
                    TableCell(Format.count(h.counters.packetsReceived)),
                    TableCell("\(h.connections)", h.connections > 0 ? Theme.text : Theme.dim),
                    TableCell(h.app, Theme.dim),
                ]
                buf.tableRow(columns, kept: kept, cells: cells, x: tableRect.x + 1, y: y, width: tableRect.width - 3)
                buf.set(tableRect.x + 2, y, m, ms)
                if i == selectedIndex {
                    buf.restyle(Rect(x: tableRect.x + 1, y: y, width: tableRect.width - 3, height: 1)) { $0.reverse = true }
                    buf.set(tableRect.x, y, g.cursor, Theme.key)
                }
                buf.addHitRegion(Rect(x: tableRect.x, y: y, width: tableRect.width, height: 1), .row(i))
            }
        }
        buf.scrollBar(x: tableRect.maxX - 1, y: tableRect.y + 1, rows: rows, total: lines.count, offset: offset, glyphs: g)

        if let selected { drawNAT(&buf, selected, s, g, in: natRect) }
    }

    static func drawNAT(_ buf: inout CellBuffer, _ h: HostSnapshot, _ s: DashboardSnapshot, _ g: Glyphs, in rect: Rect) {
        guard let nat = h.nat else {
            buf.rule(x: rect.x, y: rect.y, width: rect.width, title: "\(h.name): no NAT", glyphs: g)
            buf.put("\(h.name) has a public address (\(h.publicAddress)): any host can send to it directly.",
                    x: rect.x + 1, y: rect.y + 1, style: Theme.dim, maxWidth: rect.width - 2)
            return
        }
        buf.rule(x: rect.x, y: rect.y, width: rect.width,
                 title: "NAT of \(h.name): \(nat.preset) \(g.horizontal) public \(nat.publicAddress) \(g.horizontal) timeout \(Format.duration(nat.mappingTimeout))",
                 glyphs: g)
        let st = nat.stats
        var info: [(String, Style)] = [
            ("mapping ", Theme.dim), (nat.mapping, Theme.text), ("  filtering ", Theme.dim), (nat.filtering, Theme.text),
            ("  out ", Theme.dim), ("\(st.translatedOut)", Theme.text), (" in ", Theme.dim), ("\(st.translatedIn)", Theme.text),
            (" dropped ", Theme.dim), ("\(st.dropped)", st.dropped > 0 ? Theme.warn : Theme.text),
            (" (unsolicited \(st.droppedUnsolicited), filtered \(st.droppedFiltered))", Theme.dim),
            ("  expired ", Theme.dim), ("\(st.expired)", Theme.text),
        ]
        if !nat.forwards.isEmpty {
            info += [("  forwards ", Theme.dim), (nat.forwards.map { "\($0.publicPort)\(g.arrowRight)\($0.inside)" }.joined(separator: " "), Theme.ok)]
        }
        buf.spans(info, x: rect.x + 1, y: rect.y + 1, maxX: rect.maxX - 1)
        let cols = [Column("PRIVATE", 16), Column("PUBLIC", 18), Column("BOUND TO", 20), Column("PERMITTED", 22, priority: 1),
                    Column("IDLE", 7, right: true, priority: 2), Column("EXPIRES", 8, right: true)]
        let kept = Column.fit(cols, width: rect.width - 2)
        buf.tableHeader(cols, kept: kept, x: rect.x + 1, y: rect.y + 2, width: rect.width - 2)
        let rows = rect.height - 3
        if nat.mappings.isEmpty {
            buf.put("no live mappings: nothing inside has sent anything recently, so nothing from outside gets in (except port forwards)",
                    x: rect.x + 1, y: rect.y + 3, style: Theme.dim, maxWidth: rect.width - 2)
            return
        }
        for (r, m) in nat.mappings.prefix(rows).enumerated() {
            let permitted = m.permitted.map(\.description)
            let cells = [
                TableCell(m.privateEndpoint.description), TableCell(m.publicEndpoint.description, Theme.info),
                TableCell(m.boundTo.description), TableCell(permitted.prefix(2).joined(separator: " ") + (permitted.count > 2 ? " +\(permitted.count - 2)" : "")),
                TableCell(Format.duration(s.time - m.lastRefresh), Theme.dim),
                TableCell(Format.duration(m.expiry - s.time), m.expiry - s.time < .seconds(30) ? Theme.warn : Theme.text),
            ]
            buf.tableRow(cols, kept: kept, cells: cells, x: rect.x + 1, y: rect.y + 3 + r, width: rect.width - 2)
        }
        if nat.mappings.count > rows {
            buf.put("+\(nat.mappings.count - rows) more", x: rect.maxX - 12, y: rect.maxY - 1, style: Theme.dim)
        }
    }
}
