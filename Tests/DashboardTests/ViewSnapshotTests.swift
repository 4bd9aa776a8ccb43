import Dashboard
import Scenario
import SimKernel
import Testing

/// Every view at 80×24 and 160×48, as text, against the files in Snapshots/.
@Suite struct ViewSnapshotTests {
    static let sizes = [Size(width: 80, height: 24), Size(width: 160, height: 48)]

    /// The hello lab after 7 rounds: the server crashed at 60 s; NAT drops; replies stopped.
    static func hello() throws -> DashboardSnapshot {
        let driver = try helloDriver(rounds: 7)
        var s = driver.snapshot()
        s.notice = nil
        return s
    }

    /// The hello snapshot with a synthetic swarm and DHT.
    static func withProtocols() throws -> DashboardSnapshot {
        var s = try hello()
        s.swarm = SyntheticData.swarm(peers: 30, pieces: 256)
        s.dht = SyntheticData.dht(nodes: 20)
        return s
    }

    @Test(arguments: [Tab.network, .events, .rounds, .swarm, .choke, .dht])
    func helloViews(tab: Tab) throws {
        let s = try Self.hello()
        for size in Self.sizes {
            expectScreen(render(s, ui(tab, width: size.width, height: size.height), size: size), "hello-\(tab.rawValue)-\(tab.title.lowercased().replacingAll(" ", "-"))-\(size.width)x\(size.height)")
        }
    }

    @Test(arguments: [Tab.swarm, .choke, .dht])
    func syntheticProtocolViews(tab: Tab) throws {
        let s = try Self.withProtocols()
        for size in Self.sizes {
            var state = ui(tab, width: size.width, height: size.height)
            state.selection = tab == .dht ? "node-3" : "peer-7"
            expectScreen(render(s, state, size: size), "synthetic-\(tab.rawValue)-\(tab.title.lowercased().replacingAll(" ", "-"))-\(size.width)x\(size.height)")
        }
    }

    @Test func chokeMatrix() throws {
        let s = try Self.withProtocols()
        for size in Self.sizes {
            var state = ui(.choke, width: size.width, height: size.height)
            state.chokeMatrix = true
            state.selection = "peer-5"
            expectScreen(render(s, state, size: size), "synthetic-choke-matrix-\(size.width)x\(size.height)")
        }
    }

    /// What the choke view says of a free-rider, of interested neighbours left choked, and before the first
    /// rechoke (the ledger already shows who is unchoked).
    @Test func chokeViewExplainsFreeRidersAndWhoWaits() throws {
        var s = try Self.withProtocols()
        var swarm = try #require(s.swarm)
        let rider = try #require(swarm.peers.firstIndex { $0.name == "peer-7" })
        swarm.peers[rider].state = .freeRider
        var choke = try #require(swarm.peers[rider].choke)
        choke.rounds[choke.rounds.count - 1].unchoked = []
        choke.rounds[choke.rounds.count - 1].freeRiding = true
        choke.rounds[choke.rounds.count - 1].chokedInterested = 4
        swarm.peers[rider].choke = choke
        s.swarm = swarm
        var state = ui(.choke)
        state.selection = "peer-7"
        let text = render(s, state, size: Size(width: 80, height: 24)).text
        #expect(text.contains("a free-rider: unchokes nobody"))
        #expect(text.contains("nobody: a free-rider uploads to no one"))
        #expect(text.contains("interested but left choked: 4"))

        choke.rounds = []
        swarm.peers[rider].state = .leecher
        swarm.peers[rider].choke = choke
        s.swarm = swarm
        let early = render(s, state, size: Size(width: 80, height: 24)).text
        #expect(early.contains("no rechoke yet"))
        #expect(early.contains("Reciprocity ledger") && early.contains(choke.ledger[0].peer))
    }

    /// The tracker's health is the first thing after the swarm's name and the host count, so an 80-column
    /// screen shows it (lab 04 asks students to watch it).
    @Test func trackerHealthShowsOnEightyColumns() throws {
        var s = try Self.withProtocols()
        s.swarm?.tracker = TrackerSnapshot(host: "tracker", isUp: false, knownPeers: 0, seeders: 0, leechers: 0, completed: 0, announces: 3)
        let size = Size(width: 80, height: 24)
        #expect(render(s, ui(.swarm), size: size).lines[2].contains("tracker ✖ DOWN"))
        #expect(render(s, ui(.network), size: size).lines[2].contains("tracker ✖ DOWN"))
        // The swarm's legend keeps every key on 80 columns, the NAT mark included.
        #expect(render(s, ui(.swarm), size: size).lines[21].contains("! unconnectable"))
    }

    @Test func swarmSortedByProgressWithManyPiecesPerColumn() throws {
        var s = try Self.hello()
        s.swarm = SyntheticData.swarm(peers: 60, pieces: 1024)
        var state = ui(.swarm)
        state.swarmSort = .progress
        expectScreen(render(s, state, size: Size(width: 80, height: 24)), "synthetic-swarm-1024-pieces-by-progress-80x24")
    }

    @Test func inspectorAsOverlayAndAsSidePanel() throws {
        let s = try Self.withProtocols()
        var state = ui(.network)
        state.selection = "home-2"
        state.inspectorOpen = true
        expectScreen(render(s, state, size: Size(width: 80, height: 24)), "inspector-overlay-80x24")
        var wide = ui(.swarm, width: 160, height: 48)
        wide.selection = "peer-7"
        wide.inspectorOpen = true
        expectScreen(render(s, wide, size: Size(width: 160, height: 48)), "inspector-panel-peer-160x48")
    }

    /// A host's inspector is longer than an 80×24 screen. As an overlay (which hides the list) the row keys
    /// scroll it down to its last line and back; as a side panel they still move the selection, and the
    /// page keys scroll it.
    @Test func inspectorScrollsToItsLastLine() throws {
        let s = try Self.withProtocols()
        var state = ui(.network)
        state.selection = "home-2"
        for a in [Action.inspect, .bottom] { _ = reduce(&state, a, snapshot: s) }
        let bottom = render(s, state, size: state.size)
        expectScreen(bottom, "inspector-overlay-scrolled-80x24")
        #expect(bottom.text.contains("listening on") && !bottom.text.contains("public address"))
        #expect(state.inspectorScroll > 0 && state.selection == "home-2")
        _ = reduce(&state, .pageDown, snapshot: s)  // already at the end: stays
        #expect(render(s, state, size: state.size).text == bottom.text)
        _ = reduce(&state, .moveUp, snapshot: s)
        #expect(render(s, state, size: state.size).text != bottom.text)
        _ = reduce(&state, .top, snapshot: s)
        #expect(render(s, state, size: state.size).text.contains("public address"))

        var wide = ui(.network, width: 120, height: 30)
        wide.selection = "home-2"
        for a in [Action.inspect, .pageDown] { _ = reduce(&wide, a, snapshot: s) }
        #expect(wide.inspectorScroll > 0 && wide.selection == "home-2")
        #expect(render(s, wide, size: wide.size).text.contains("listening on"))
        _ = reduce(&wide, .moveDown, snapshot: s)
        #expect(wide.selection == "home-3")
        // Closing and opening again starts at the top.
        for a in [Action.inspect, .inspect] { _ = reduce(&wide, a, snapshot: s) }
        #expect(wide.inspectorScroll == 0)
    }

    @Test func helpIsGeneratedFromTheKeyMap() throws {
        let s = try Self.hello()
        var state = ui(.network)
        state.mode = .help
        let screen = render(s, state, size: Size(width: 80, height: 24))
        expectScreen(screen, "help-network-80x24")
        var big = ui(.swarm, width: 160, height: 48)
        big.mode = .help
        let text = render(s, big, size: Size(width: 160, height: 48)).text
        // Every binding with help text appears.
        for b in KeyMap.standard.bindings.prefix(8) { #expect(text.contains(b.help.prefix(30))) }
        expectScreen(render(s, big, size: Size(width: 160, height: 48)), "help-swarm-160x48")
    }

    @Test func commandLineWithAnError() throws {
        let s = try Self.hello()
        var state = ui(.network)
        press([.char(":")] + typing("crash sever") + [.enter], &state, s)
        expectScreen(render(s, state, size: Size(width: 80, height: 24)), "command-error-80x24")
    }

    @Test func eventsFiltered() throws {
        let s = try Self.hello()
        var state = ui(.events)
        press([.char("/")] + typing("kind:inject") + [.enter], &state, s)
        expectScreen(render(s, state, size: Size(width: 80, height: 24)), "events-filtered-80x24")
    }

    @Test func asciiAndTooSmall() throws {
        let s = try Self.withProtocols()
        expectScreen(render(s, ui(.network, ascii: true), size: Size(width: 80, height: 24)), "ascii-network-80x24")
        var swarm = ui(.swarm, ascii: true)
        swarm.selection = "peer-7"
        let screen = render(s, swarm, size: Size(width: 80, height: 24))
        #expect(screen.cells.allSatisfy { $0.char.isASCII })
        expectScreen(screen, "ascii-swarm-80x24")
        expectScreen(render(s, ui(.network), size: Size(width: 60, height: 20)), "too-small-60x20")
    }

    @Test func failuresAreVisibleWithoutColour() throws {
        let s = try Self.hello()
        let screen = render(s, ui(.network), size: Size(width: 80, height: 24))
        // The crashed server is spelled out and in reverse video, so monochrome terminals show it too.
        let row = try #require(screen.lines.firstIndex { $0.contains("server") && $0.contains("CRASHED") })
        let x = try #require(screen.lines[row].firstIndex(of: "C")).utf16Offset(in: screen.lines[row])
        #expect(screen[x, row].style.reverse)
    }
}

extension String {
    func replacingAll(_ a: String, _ b: String) -> String { replacing(a, with: b) }
}
