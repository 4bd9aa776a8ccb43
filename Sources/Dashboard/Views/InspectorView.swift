/// Everything about the selected node: host, link, NAT, traffic, application, and its swarm and DHT roles.
enum InspectorView {
    enum Line { case section(String), field(String, String, Style) }

    static func lines(_ s: DashboardSnapshot, _ ui: UIState) -> [Line] {
        guard let name = Lists.inspected(s, ui) else {
            return [.section("Nothing selected"), .field("", "select a row, then enter", Theme.dim)]
        }
        let g = ui.glyphs
        var out: [Line] = []
        if let h = s.host(named: name) {
            out += hostLines(h, g)
        } else {
            out.append(.section(name))
        }
        out += protocolLines(name, s, g)
        return out
    }

    static func hostLines(_ h: HostSnapshot, _ g: Glyphs) -> [Line] {
        var out: [Line] = [.section(h.name)]
        let state: (String, Style)
        switch h.status {
        case .running: state = h.linkUp ? (h.partition == 0 ? ("\(g.running) running", Theme.ok) : ("CUT OFF (partition \(h.partition))", Theme.failed)) : ("LINK DOWN", Theme.failed)
        case .crashed: state = ("\(g.crashed) CRASHED: restart \(h.name) brings it back", Theme.failed)
        case .left: state = ("\(g.departed) left", Theme.dim)
        case .absent: state = ("\(g.absent) not joined yet (join \(h.name))", Theme.dim)
        }
        out += [
            .field("state", state.0, state.1),
            .field("group / region", "\(h.group) / \(h.region)", Theme.text),
            .field("application", h.app, Theme.text),
            .field("address", h.address.description + (h.nat != nil ? " (private)" : ""), Theme.text),
            .field("public address", h.publicAddress.description, Theme.text),
            .section("Access link"),
            .field("capacity up/down", "\(Format.rate(h.up)) / \(Format.rate(h.down))", h.linkUp ? Theme.text : Theme.failed),
            .field("latency, loss", "\(Format.duration(h.latency)) one way, \(Format.decimal(h.loss * 100, places: 1))% datagrams", Theme.text),
            .field("link up/down, 2 s", "\(Format.rate(h.sendRate)) / \(Format.rate(h.receiveRate))", Theme.text),
        ]
        if let nat = h.nat {
            out += [
                .section("NAT (\(nat.preset))"),
                .field("mapping", nat.mapping, Theme.text),
                .field("filtering", nat.filtering, Theme.text),
                .field("timeout", Format.duration(nat.mappingTimeout), Theme.text),
                .field("live mappings", "\(nat.mappings.count)", Theme.text),
                .field("forwards", nat.forwards.isEmpty ? "none" : nat.forwards.map { "\($0.publicPort)\(g.arrowRight)\($0.inside)" }.joined(separator: " "), Theme.text),
                .field("translated out/in", "\(nat.stats.translatedOut) / \(nat.stats.translatedIn)", Theme.text),
                .field("dropped", "\(nat.stats.droppedUnsolicited) unsolicited, \(nat.stats.droppedFiltered) filtered, \(nat.stats.droppedHairpin) hairpin", nat.stats.dropped > 0 ? Theme.warn : Theme.text),
            ]
        }
        let c = h.counters
        out += [
            .section("Traffic since the start"),
            .field("packets sent/recv", "\(c.packetsSent) / \(c.packetsReceived)", Theme.text),
            .field("bytes sent/recv", "\(Format.bytes(c.bytesSent)) / \(Format.bytes(c.bytesReceived))", Theme.text),
            .field("dropped: NAT", "\(c.droppedNAT)", c.droppedNAT > 0 ? Theme.warn : Theme.text),
            .field("dropped: down", "\(c.droppedDown) (crashed, absent or link down)", c.droppedDown > 0 ? Theme.warn : Theme.text),
            .field("dropped: partition", "\(c.droppedPartition)", c.droppedPartition > 0 ? Theme.warn : Theme.text),
            .field("dropped: loss", "\(c.droppedLoss)", Theme.text),
            .field("unroutable", "\(c.droppedUnroutable)", Theme.text),
            .field("connections", "\(c.connectionsOpened) opened, \(c.connectionsAccepted) accepted, \(c.connectionsFailed) failed, \(h.connections) open", Theme.text),
            .field("listening on", h.listening.isEmpty ? "nothing" : h.listening.map(String.init).joined(separator: " "), Theme.text),
        ]
        if !h.appDetails.isEmpty {
            out.append(.section("Application: \(h.app)"))
            out += h.appDetails.map { .field($0.label, $0.value, Theme.text) }
        }
        return out
    }

    static func protocolLines(_ name: String, _ s: DashboardSnapshot, _ g: Glyphs) -> [Line] {
        var out: [Line] = []
        if let p = s.swarm?.peer(named: name) {
            out += [
                .section("Swarm peer"),
                .field("state", p.state.rawValue, SwarmView.stateCell(p).style),
                .field("pieces", "\(p.have.setCount) of \(p.have.count) (\(Format.percent(p.progress))), \(p.downloading.setCount) requested", Theme.text),
                .field("peer up/down, 20 s", "\(Format.rate(p.upRate)) / \(Format.rate(p.downRate))", Theme.text),
                .field("bytes up/down", "\(Format.bytes(p.uploaded)) / \(Format.bytes(p.downloaded))", Theme.text),
                .field("share ratio", p.downloaded > 0 ? Format.decimal(Double(p.uploaded) / Double(p.downloaded), places: 2) : "-", Theme.text),
                .field("neighbours", "\(p.neighbours)", Theme.text),
                .field("peers from", "tracker \(p.peersFromTracker) · DHT \(p.peersFromDHT)", Theme.text),
                .field("connectable", p.connectable ? "yes" : "no (behind \(p.nat ?? "a NAT") without a forward)", p.connectable ? Theme.text : Theme.warn),
                .field("completed", p.completedAt.map { "at \(Format.time($0))" } ?? "not yet", Theme.text),
            ]
            if let d = p.choke?.current {
                out.append(.field("unchokes", d.unchoked.map { $0.peer + ($0.reason == .optimistic ? String(g.optimistic) : "") }.joined(separator: " "), Theme.text))
            }
        }
        if let n = s.dht?.node(named: name) {
            out += [
                .section("DHT node"),
                .field("id", n.id, Theme.info),
                .field("contacts", "\(n.contactCount) in \(n.buckets.count) buckets", Theme.text),
                .field("good/quest./bad", DHTView.stateCounts(n).map(String.init).joined(separator: " / "), Theme.text),
                .field("keys stored", "\(n.keysStored)", Theme.text),
                .field("lookups running", "\(n.runningLookups)", Theme.text),
            ]
        }
        return out
    }

    /// Rows the inspector has for its lines on a screen of `ui.size`: the body, less its frame.
    static func visibleRows(_ ui: UIState) -> Int { max(1, bodyRect(ui.size).height - 2) }

    /// The largest useful scroll offset: the last line at the bottom of the frame.
    static func maxScroll(_ s: DashboardSnapshot, _ ui: UIState) -> Int { max(0, lines(s, ui).count - visibleRows(ui)) }

    static func draw(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
        let all = lines(s, ui)
        let offset = min(max(0, ui.inspectorScroll), max(0, all.count - rect.height))
        // Wide enough for the longest label (18) when the panel allows it, never more than 2/5 of it.
        let labelWidth = min(18, rect.width * 2 / 5)
        for (r, line) in all.dropFirst(offset).prefix(rect.height).enumerated() {
            let y = rect.y + r
            switch line {
            case .section(let t):
                buf.put(t, x: rect.x + 1, y: y, style: Theme.title, maxWidth: rect.width - 2)
            case .field(let label, let value, let style):
                buf.putField(label, x: rect.x + 1, y: y, width: labelWidth, style: Theme.dim)
                buf.put(value, x: rect.x + 2 + labelWidth, y: y, style: style, maxWidth: rect.width - labelWidth - 3)
            }
        }
        if all.count > rect.height {
            buf.scrollBar(x: rect.maxX - 1, y: rect.y, rows: rect.height, total: all.count, offset: offset, glyphs: ui.glyphs)
        }
    }
}
