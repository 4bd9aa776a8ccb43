import SimKernel
/// The DHT: the selected node's routing table (buckets of good / questionable / bad contacts), the
/// recent lookups with their hop-by-hop paths, and how evenly the stored keys spread over the nodes.
enum DHTView {
    static let legend: [(String, String)] = [
        ("CONT KEYS", "contacts in the node's routing table; values it stores for others"),
        ("bucket", "b N holds contacts whose ids share N leading bits with the node's id; k contacts at most, +N waiting to replace bad ones"),
        ("contact", "\u{25CF} good (heard from in the last 15 min), \u{25D0} questionable (silent for 15 min), \u{25CB} bad (failed to answer several queries)"),
        ("lookup", "origin, RPC (find_node, get_peers, announce = get_peers then announce_peer; bootstrap = find_node on its own id), target key, result, steps, time, peers found; the path lists each step's queried nodes with the leading bits they share with the target (higher = closer), \u{2717} = no answer; where only the outcome is recorded: peers found, nodes that stored an announce, hops to the closest node that answered (1 = from its own routing table), queries sent"),
        ("keyspace load", "keys stored per node, nodes in list order: an even spread means the keyspace is balanced"),
    ]

    static func draw(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
        let g = ui.glyphs
        guard let dht = s.dht else { SwarmView.noData(&buf, s, in: rect, what: "DHT", g: g,
                                                      hint: "a swarm with dht: true fills it: inetlab open labs/04-tracker-crash-and-dht"); return }
        guard rect.height >= 10 else { return }
        let nodes = dht.nodes
        let cursor = Lists.cursor(.dht, s, ui)
        let listWidth = 24
        let (left, right) = rect.splitLeft(listWidth)
        buf.tableHeader([Column("NODE", 11), Column("CONT", 4, right: true), Column("KEYS", 4, right: true)], kept: [0, 1, 2],
                        x: left.x + 1, y: left.y, width: listWidth - 2)
        let rows = left.height - 1
        let offset = scrollOffset(cursor: cursor, count: nodes.count, rows: rows)
        for r in 0..<max(0, min(rows, nodes.count - offset)) {
            let i = offset + r
            let n = nodes[i]
            let y = left.y + 1 + r
            buf.putField(n.name, x: left.x + 1, y: y, width: 11, style: n.isUp ? Theme.text : Theme.failed)
            buf.putField("\(n.contactCount)", x: left.x + 13, y: y, width: 4, alignRight: true)
            buf.putField("\(n.keysStored)", x: left.x + 18, y: y, width: 4, alignRight: true)
            if i == cursor {
                buf.restyle(Rect(x: left.x + 1, y: y, width: listWidth - 2, height: 1)) { $0.reverse = true }
                buf.set(left.x, y, g.cursor, Theme.key)
            }
            buf.addHitRegion(Rect(x: left.x, y: y, width: listWidth, height: 1), .row(i))
        }
        buf.scrollBar(x: left.maxX - 1, y: left.y + 1, rows: rows, total: nodes.count, offset: offset, glyphs: g)
        guard !nodes.isEmpty else { return }
        drawNode(&buf, nodes[cursor], dht: dht, g: g, in: right.inset(left: 1))
    }

    /// Contacts that are good, questionable and bad.
    static func stateCounts(_ n: DHTNodeSnapshot) -> [Int] {
        var counts = [0, 0, 0]
        for b in n.buckets {
            for c in b.contacts { counts[c.state == .good ? 0 : c.state == .questionable ? 1 : 2] += 1 }
        }
        return counts
    }

    static func drawNode(_ buf: inout CellBuffer, _ n: DHTNodeSnapshot, dht: DHTSnapshot, g: Glyphs, in rect: Rect) {
        var y = rect.y
        let maxX = rect.maxX
        buf.spans([(n.name, Theme.title), (" · id ", Theme.dim), (String(n.id.prefix(16)) + String(g.ellipsis), Theme.info),
                   (" · \(n.contactCount) contacts in \(n.buckets.count) bucket\(n.buckets.count == 1 ? "" : "s") · \(n.keysStored) key\(n.keysStored == 1 ? "" : "s") · "
                    + (n.runningLookups > 0 ? "\(n.runningLookups) lookups running · " : ""), Theme.text),
                   (n.isUp ? "\(g.running) up" : "\(g.crashed) DOWN", n.isUp ? Theme.ok : Theme.failed)], x: rect.x, y: y, maxX: maxX)
        y += 1
        buf.rule(x: rect.x, y: y, width: rect.width,
                 title: "Routing table, k = \(dht.k): \(g.good) good \(g.questionable) questionable \(g.bad) bad", glyphs: g)
        y += 1
        let lookupSpace = max(4, (rect.height - 4) / 2)
        let bucketRows = max(1, rect.height - 4 - lookupSpace)
        let buckets = n.buckets.filter { !$0.contacts.isEmpty || $0.replacements > 0 }
        for b in buckets.suffix(bucketRows) {
            buf.putField("b \(b.prefixLength)", x: rect.x + 1, y: y, width: 5, style: Theme.dim)
            var x = rect.x + 7
            for c in b.contacts.prefix(max(0, maxX - x - 14)) {
                let (ch, st): (Character, Style) = c.state == .good ? (g.good, Theme.ok) : c.state == .questionable ? (g.questionable, Theme.warn) : (g.bad, Theme.bad)
                buf.set(x, y, ch, st)
                x += 1
            }
            buf.put(" \(b.contacts.count)/\(dht.k)" + (b.replacements > 0 ? " +\(b.replacements)" : ""), x: x, y: y, style: Theme.dim, maxWidth: maxX - x)
            y += 1
        }
        if buckets.isEmpty { buf.put("empty routing table: the node has not bootstrapped", x: rect.x + 1, y: y, style: Theme.dim); y += 1 }
        if n.buckets.count > bucketRows, buckets.count > bucketRows {
            buf.put("(\(buckets.count - bucketRows) farther buckets not shown)", x: rect.x + 1, y: y, style: Theme.dim, maxWidth: rect.width); y += 1
        }

        // Lookups: this node's, else the latest anywhere.
        let own = dht.lookups.filter { $0.origin == n.name }
        let shown = own.isEmpty ? dht.lookups : own
        buf.rule(x: rect.x, y: y, width: rect.width, title: own.isEmpty ? "Recent lookups (none from \(n.name)), alpha = \(dht.alpha)" : "Lookups from \(n.name), alpha = \(dht.alpha)", glyphs: g)
        y += 1
        for l in shown.suffix(max(0, (rect.maxY - 1 - y) / 2)).reversed() {
            guard y + 1 < rect.maxY - 1 else { break }
            let (mark, st): (Character, Style) = l.status == .succeeded ? (g.check, Theme.ok) : l.status == .failed ? (g.cross, Theme.bad) : (g.play.first ?? ">", Theme.info)
            let steps = l.hops.map(\.step).max() ?? l.hopCount ?? 0
            let took = l.finished.map { Format.duration($0 - l.started) } ?? "running"
            let target = l.target.count > 12 ? String(l.target.prefix(12)) + String(g.ellipsis) : l.target
            let origin = own.isEmpty ? " \(l.origin) " : " "
            let peers = l.kind == "get_peers" || l.kind == "announce" ? "\(l.peersFound) peer\(l.peersFound == 1 ? "" : "s")" : nil
            buf.set(rect.x + 1, y, mark, st)
            if l.hops.isEmpty {
                // Only the outcome is recorded: the result and time on the first line; how far the closest
                // answer was, the queries, the peers found and where it was stored on the second.
                let outcome = l.kind == "bootstrap" ? " · \(l.status.rawValue)" : " · \(l.status.rawValue) in \(took)"
                buf.spans([(origin, Theme.text), (l.kind + " ", Theme.info), (target, Theme.dim), (outcome, st)], x: rect.x + 2, y: y, maxX: maxX)
                y += 1
                var what: [String] = []
                if let peers { what.append(peers) }
                if let stored = l.storedAt { what.append("stored on \(stored) node\(stored == 1 ? "" : "s")") }
                if let h = l.hopCount, l.kind != "bootstrap" { what.append("\(h) hop\(h == 1 ? "" : "s")") }
                if let m = l.messages { what.append("\(m) quer\(m == 1 ? "y" : "ies")") }
                if !what.isEmpty { buf.put("   " + what.joined(separator: " · "), x: rect.x, y: y, style: Theme.dim, maxWidth: rect.width) }
                y += 1
                continue
            }
            let found = peers.map { ", " + $0 } ?? ""
            buf.spans([(origin, Theme.text), (l.kind + " ", Theme.info), (target, Theme.dim),
                       (" · \(l.status == .succeeded ? "" : l.status.rawValue + ", ")\(steps) step\(steps == 1 ? "" : "s"), \(took)", st), (found, Theme.text)],
                      x: rect.x + 2, y: y, maxX: maxX)
            y += 1
            var parts: [(String, Style)] = [("   ", Theme.text)]
            for step in 1...max(1, steps) {
                let hops = l.hops.filter { $0.step == step }
                if hops.isEmpty { continue }
                parts.append(("\(step):", Theme.dim))
                for h in hops { parts.append((" \(h.node)(\(h.commonBits))" + (h.answered ? "" : String(g.cross)), h.answered ? Theme.text : Theme.bad)) }
                parts.append((" \(g.arrowRight) ", Theme.dim))
            }
            if parts.count > 1 { parts.removeLast() }
            buf.spans(parts, x: rect.x, y: y, maxX: maxX)
            y += 1
        }
        if shown.isEmpty { buf.put("no lookup yet", x: rect.x + 1, y: y, style: Theme.dim) }

        // Keyspace load.
        let loads = dht.nodes.map(\.keysStored)
        let sorted = loads.sorted()
        let spark = String(loads.prefix(max(0, rect.width - 44)).map { g.level($0, of: sorted.last ?? 0) })
        buf.spans([("keys per node: min \(sorted.first ?? 0) · median \(sorted.isEmpty ? 0 : sorted[sorted.count / 2]) · max \(sorted.last ?? 0)  ", Theme.dim),
                   (spark, Theme.info)], x: rect.x, y: rect.maxY - 1, maxX: maxX)
    }
}
