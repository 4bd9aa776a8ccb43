/// The piece map: one row per peer, one column per piece (or per bucket of pieces when there are more
/// pieces than columns), above it the rarity bar; per peer its state, progress, rates and NAT.
enum SwarmView {
    static let legend: [(String, String)] = [
        ("PEER", "the peer's host name"),
        ("STATE", "seed (has every piece), leech (downloading), FREE (a free-rider: downloads, never uploads), gone (departed)"),
        ("DONE", "pieces held, as a share of the file"),
        ("DOWN/s UP/s", "download and upload rate averaged over the last 20 s (what the choker ranks neighbours by), so a transfer that just started shows below its real rate"),
        ("NAT", "the NAT in front of the peer: full (full cone), restr (address-restricted), port (port-restricted), sym (symmetric), - none; ! = cannot accept incoming connections"),
        ("rarest piece", "the fewest copies of any piece among present peers, then how many pieces have one copy and how many none"),
        ("per column", "with more pieces than columns, each column covers consecutive pieces: 2 per column, or 1–2 when they do not divide evenly"),
        ("PIECES", "one column per piece, or per bucket of pieces: \u{2588} all held, \u{2593} most, \u{2592} some, \u{2591} a few, \u{00B7} none, \u{25AA} requested"),
        ("rarity", "per column, how many present peers hold its rarest piece: taller = more copies; \u{00D7} = a piece nobody holds (red: one copy left)"),
    ]

    static let columns = [Column("PEER", 10), Column("STATE", 5), Column("DONE", 4, right: true),
                          Column("DOWN/s", 7, right: true), Column("UP/s", 7, right: true), Column("NAT", 6)]

    /// Draws a friendly empty state for views whose protocol the scenario does not run.
    static func noData(_ buf: inout CellBuffer, _ s: DashboardSnapshot, in rect: Rect, what: String, g: Glyphs,
                       hint: String = "a scenario with a swarm fills this view: inetlab open labs/00-hello/swarm.yaml") {
        let apps = Dictionary(grouping: s.hosts, by: \.app).map { "\($0.key) ×\($0.value.count)" }.sorted().joined(separator: ", ")
        let lines = [
            ("No \(what) in this scenario.", Theme.title),
            ("", Theme.text),
            ("'\(s.scenario)' runs: \(apps.isEmpty ? "nothing" : apps).", Theme.text),
            ("The Network (4), Events (5) and Rounds (6) views show what it does;", Theme.dim),
            (hint, Theme.dim),
        ]
        let top = rect.y + max(0, (rect.height - lines.count) / 2)
        for (i, (t, st)) in lines.enumerated() { buf.centered(t, in: rect, y: top + i, style: st) }
    }

    /// ` · tracker ● up` or ` · tracker ✖ DOWN`, for the Swarm and Network headers.
    static func trackerSpans(_ t: TrackerSnapshot, g: Glyphs) -> [(String, Style)] {
        [(" · tracker ", Theme.text), (t.isUp ? "\(g.running) up" : "\(g.crashed) DOWN", t.isUp ? Theme.ok : Theme.failed)]
    }

    static func stateCell(_ p: PeerSnapshot) -> TableCell {
        switch p.state {
        case .seed: return TableCell("seed", Theme.good)
        case .leecher: return TableCell("leech", Theme.text)
        case .freeRider: return TableCell("FREE", Theme.warn)
        case .departed: return TableCell("gone", Theme.dim)
        }
    }

    static func natShort(_ nat: String?) -> String {
        switch nat {
        case nil: return "-"
        case "full-cone"?: return "full"
        case "restricted"?: return "restr"
        case "port-restricted"?: return "port"
        case "symmetric"?: return "sym"
        case let other?: return other
        }
    }

    static func draw(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
        let g = ui.glyphs
        guard let swarm = s.swarm else { noData(&buf, s, in: rect, what: "swarm", g: g); return }
        guard rect.height >= 8 else { return }
        let peers = Lists.sortedPeers(swarm, ui.swarmSort)
        var counts: [PeerSnapshot.State: Int] = [:]
        for p in swarm.peers { counts[p.state, default: 0] += 1 }
        let present = swarm.peers.count - counts[.departed, default: 0]
        // The tracker's health first: it must show on an 80-column screen (lab 04 watches it).
        var head: [(String, Style)] = [("Swarm \(swarm.name)", Theme.title)]
        if let t = swarm.tracker { head += trackerSpans(t, g: g) }
        let seeds = counts[.seed, default: 0], leechers = counts[.leecher, default: 0], riders = counts[.freeRider, default: 0]
        head += [
            (" · \(swarm.peers.count) peers: \(seeds) seed\(seeds == 1 ? "" : "s"), \(leechers) leecher\(leechers == 1 ? "" : "s"), ", Theme.text),
            ("\(riders) free-rider\(riders == 1 ? "" : "s")", riders > 0 ? Theme.warn : Theme.text),
            (", \(counts[.departed, default: 0]) departed", Theme.text),
            (" · \(swarm.pieceCount) pieces of \(Format.binaryBytes(swarm.pieceLength))", Theme.text),
        ]
        buf.spans(head, x: rect.x + 1, y: rect.y, maxX: rect.maxX - 1)

        // Rarity figures.
        var rarest = Int.max, single = 0, missing = 0
        for i in 0..<swarm.pieceCount {
            let a = i < swarm.availability.count ? swarm.availability[i] : 0
            rarest = min(rarest, a)
            if a == 1 { single += 1 }
            if a == 0 { missing += 1 }
        }
        if swarm.pieceCount == 0 { rarest = 0 }
        buf.spans([
            ("rarest piece: \(rarest) cop\(rarest == 1 ? "y" : "ies")", rarest <= 1 ? Theme.bad : Theme.text),
            (" · \(single) with one copy", single > 0 ? Theme.warn : Theme.dim),
            (" · \(missing) with none", missing > 0 ? Theme.bad : Theme.dim),
            (" · by \(ui.swarmSort.rawValue) (s sorts)", Theme.dim),
        ], x: rect.x + 1, y: rect.y + 1, maxX: rect.maxX - 1)

        // Columns: the peer table, then the piece map.
        let leftWidth = columns.reduce(0) { $0 + $1.width + 1 }
        let mapX = rect.x + 1 + leftWidth + 1
        let mapWidth = rect.maxX - 2 - mapX  // a gap, then the scroll bar
        guard mapWidth > 4 else { return }
        let pieces = swarm.pieceCount
        // One column per piece, or the pieces spread evenly over every column (column c holds pieces
        // [c·P/W, (c+1)·P/W)).
        let mapColumns = min(pieces, mapWidth)
        let bounds = (0...mapColumns).map { mapColumns == 0 ? 0 : $0 * pieces / mapColumns }
        let kept = Array(columns.indices)
        buf.tableHeader(columns, kept: kept, x: rect.x + 1, y: rect.y + 2, width: leftWidth)
        // A column holds ⌊P/W⌋ or ⌈P/W⌉ pieces.
        let fewest = mapColumns == 0 ? 0 : pieces / mapColumns
        let label = pieces <= mapWidth ? "PIECES (one column each)"
            : "PIECES (\(pieces % mapColumns == 0 ? "\(fewest)" : "\(fewest)–\(fewest + 1)") per column)"
        buf.put(label, x: mapX, y: rect.y + 2, style: Theme.header, maxWidth: mapWidth)

        // Rarity bar: the fewest copies of any piece in each column.
        buf.putField("rarity (copies)", x: rect.x + 1, y: rect.y + 3, width: leftWidth, style: Theme.dim)
        var columnMin = Array(repeating: Int.max, count: mapColumns)
        for c in 0..<mapColumns {
            for i in bounds[c]..<bounds[c + 1] {
                let a = i < swarm.availability.count ? swarm.availability[i] : 0
                if a < columnMin[c] { columnMin[c] = a }
            }
        }
        for c in 0..<mapColumns {
            let m = columnMin[c]
            if m <= 0 {
                buf.set(mapX + c, rect.y + 3, g.none, Theme.bad)
            } else {
                buf.set(mapX + c, rect.y + 3, g.level(m, of: max(1, present)), m == 1 ? Theme.bad : (m == 2 ? Theme.warn : Theme.ok))
            }
        }

        // Peer rows.
        let listTop = rect.y + 4
        let rows = rect.maxY - 1 - listTop
        let cursor = Lists.cursor(.swarm, s, ui)
        let offset = scrollOffset(cursor: cursor, count: peers.count, rows: rows)
        for r in 0..<max(0, min(rows, peers.count - offset)) {
            let i = offset + r
            let p = peers[i]
            let y = listTop + r
            let gone = p.state == .departed
            let cells = [
                TableCell(p.name, gone ? Theme.dim : Theme.text), stateCell(p),
                TableCell(Format.percent(p.progress), p.progress >= 1 ? Theme.good : Theme.text),
                TableCell(Format.rate(p.downRate), p.downRate > 0 ? Theme.text : Theme.dim),
                TableCell(Format.rate(p.upRate), p.upRate > 0 ? Theme.text : Theme.dim),
                TableCell(natShort(p.nat) + (p.connectable ? "" : "!"), p.connectable ? Theme.text : Theme.warn),
            ]
            buf.tableRow(columns, kept: kept, cells: cells, x: rect.x + 1, y: y, width: leftWidth)
            drawPieces(&buf, p, x: mapX, y: y, bounds: bounds, g: g, dim: gone)
            if i == cursor {
                buf.restyle(Rect(x: rect.x + 1, y: y, width: leftWidth, height: 1)) { $0.reverse = true }
                buf.set(rect.x, y, g.cursor, Theme.key)
            }
            buf.addHitRegion(Rect(x: rect.x, y: y, width: rect.width, height: 1), .row(i))
        }
        buf.scrollBar(x: rect.maxX - 1, y: listTop, rows: rows, total: peers.count, offset: offset, glyphs: g)

        // Legend.
        let sh = g.shades
        let legend = rect.width >= 104
            ? [" \(sh[4]) all \(sh[3]) most \(sh[2]) some \(sh[1]) few \(sh[0]) none \(g.downloading) requested",
               "  \(g.vertical) rarity \(g.levels[0]) few copies \(g.levels[7]) many \(g.none) none",
               "  \(g.vertical) ! unconnectable (NAT)"]
            // The same keys, shorter, so that all of them fit on 80 columns.
            : [" \(sh[4])\(sh[3])\(sh[2])\(sh[1])\(sh[0]) all\(g.arrowRight)none \(g.downloading) requested",
               " \(g.vertical) rarity \(g.levels[0])\(g.arrowRight)\(g.levels[7]) few\(g.arrowRight)many \(g.none) none",
               " \(g.vertical) ! unconnectable"]
        buf.spans(legend.map { ($0, Theme.dim) }, x: rect.x, y: rect.maxY - 1, maxX: rect.maxX)
    }

    /// One peer's piece map: a shade per column from the share of the column's pieces it holds.
    @inline(__always)
    static func drawPieces(_ buf: inout CellBuffer, _ p: PeerSnapshot, x: Int, y: Int, bounds: [Int], g: Glyphs, dim: Bool) {
        let haveStyle = dim ? Theme.dim : Theme.have
        let dlStyle = dim ? Theme.dim : Theme.downloading
        let missStyle = Theme.missing
        for c in 0..<(bounds.count - 1) {
            let lo = bounds[c], hi = bounds[c + 1]
            let total = hi - lo
            let h = total == 1 ? (p.have[lo] ? 1 : 0) : p.have.setCount(in: lo..<hi)
            if h == total && total > 0 {
                buf.set(x + c, y, g.shades[4], haveStyle)
                continue
            }
            let d = total == 1 ? (p.downloading[lo] ? 1 : 0) : p.downloading.setCount(in: lo..<hi)
            if h > 0 {
                buf.set(x + c, y, g.shade(h, of: total), d > 0 ? dlStyle : haveStyle)
            } else if d > 0 {
                buf.set(x + c, y, g.downloading, dlStyle)
            } else {
                buf.set(x + c, y, g.shades[0], missStyle)
            }
        }
    }
}
