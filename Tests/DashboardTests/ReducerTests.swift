import Dashboard
import Scenario
import Testing

/// Keys → actions → UI state and effects.
@Suite struct ReducerTests {
    let snapshot: DashboardSnapshot

    init() throws { snapshot = try helloDriver(rounds: 2).snapshot() }

    @Test func simulationKeysBecomeCommands() {
        var s = ui(.network)
        #expect(press([.char(" ")], &s, snapshot) == [.simulation(.toggleRun)])
        #expect(press([.char("n")], &s, snapshot) == [.simulation(.nextRound)])
        #expect(press([.right], &s, snapshot) == [.simulation(.nextRound)])
        #expect(press([.char(".")], &s, snapshot) == [.simulation(.nextEvent)])
        #expect(press([.char("b")], &s, snapshot) == [.simulation(.previousRound)])
        #expect(press([.left], &s, snapshot) == [.simulation(.previousRound)])
        #expect(press([.char("+")], &s, snapshot) == [.simulation(.faster)])
        #expect(press([.char("-")], &s, snapshot) == [.simulation(.slower)])
        #expect(press([.char("q")], &s, snapshot) == [.quit])
        #expect(press([.ctrl("c")], &s, snapshot) == [.quit])
    }

    @Test func digitsAndTabSwitchViews() {
        var s = ui(.network)
        press([.char("5")], &s, snapshot)
        #expect(s.tab == .events)
        press([.tab], &s, snapshot)
        #expect(s.tab == .rounds)
        press([.tab], &s, snapshot)
        #expect(s.tab == .swarm)
        press([.backTab, .char("h")], &s, snapshot)
        #expect(s.tab == .events)
        press([.char("9")], &s, snapshot)  // no view 9: nothing happens
        #expect(s.tab == .events)
    }

    @Test func cursorMovesOverTheHostsInRegionOrder() {
        var s = ui(.network)
        press([.down], &s, snapshot)
        #expect(s.selection == "home-1")
        press([.char("j"), .char("j")], &s, snapshot)
        #expect(s.selection == "home-3")
        press([.char("k")], &s, snapshot)
        #expect(s.selection == "home-2")
        press([.char("G")], &s, snapshot)
        #expect(s.selection == "office-2")  // the us region comes last
        press([.char("g")], &s, snapshot)
        #expect(s.selection == "server")
        press([.up], &s, snapshot)
        #expect(s.selection == "server")
    }

    @Test func clicksSelectRowsAndTabs() {
        var s = ui(.network)
        let frame = render(snapshot, s, size: s.size)
        // Find the row of home-3 on screen and click it.
        let y = frame.lines.firstIndex { $0.contains("home-3") } ?? 0
        _ = handle(.click(x: 5, y: y), state: &s, snapshot: snapshot, lastFrame: frame)
        #expect(s.selection == "home-3")
        let tabX = (frame.lines[1].range(of: "Events").map { frame.lines[1].distance(from: frame.lines[1].startIndex, to: $0.lowerBound) }) ?? 0
        _ = handle(.click(x: tabX, y: 1), state: &s, snapshot: snapshot, lastFrame: frame)
        #expect(s.tab == .events)
    }

    @Test func enterOpensTheInspectorAndEscapeClosesIt() {
        var s = ui(.network)
        press([.down, .enter], &s, snapshot)
        #expect(s.inspectorOpen && s.selection == "home-1")
        press([.escape], &s, snapshot)
        #expect(!s.inspectorOpen)
    }

    @Test func slashFiltersEventsLiveAndEscapeClears() {
        var s = ui(.events)
        press([.char("/")] + typing("kind:host.join"), &s, snapshot)
        #expect(s.mode == .filter)
        let frame = render(snapshot, s, size: s.size)
        #expect(frame.text.contains("filter 'kind:host.join'"))
        press([.enter], &s, snapshot)
        #expect(s.mode == .normal && s.filter == "kind:host.join")
        #expect(s.message?.text.contains("of") == true)
        press([.escape], &s, snapshot)
        #expect(s.filter.isEmpty)
    }

    @Test func filterTabCompletesNodeNames() {
        var s = ui(.events)
        press([.char("/")] + typing("node:serv") + [.tab], &s, snapshot)
        #expect(s.filterField.text == "node:server")
    }

    @Test func commandLineInjectsAndKeepsHistory() {
        var s = ui(.network)
        let effects = press([.char(":")] + typing("cr") + [.tab] + typing("server") + [.enter], &s, snapshot)
        #expect(effects == [.simulation(.inject(.scenario(.crash("server"), label: "crash server")))])
        #expect(s.mode == .normal)
        #expect(s.history == ["crash server"])
        press([.char(":"), .up], &s, snapshot)
        #expect(s.commandField.text == "crash server")
        press([.down], &s, snapshot)
        #expect(s.commandField.text.isEmpty)
        press([.escape], &s, snapshot)
        #expect(s.mode == .normal)
    }

    @Test func badCommandKeepsTheLineOpenWithAnError() {
        var s = ui(.network)
        let effects = press([.char(":")] + typing("crash sever") + [.enter], &s, snapshot)
        #expect(effects.isEmpty)
        #expect(s.mode == .command)
        #expect(s.message == StatusMessage("no host or group named 'sever'; did you mean 'server'?", isError: true))
        // Editing keys work on the line: fix the typo.
        press([.left, .left, .left] + typing("r"), &s, snapshot)
        #expect(s.commandField.text == "crash server")
    }

    @Test func helpOpensAndClosesAndScrolls() {
        var s = ui(.network)
        press([.char("?")], &s, snapshot)
        #expect(s.mode == .help)
        press([.char("j"), .char("j")], &s, snapshot)
        #expect(s.helpScroll == 2)
        press([.escape], &s, snapshot)
        #expect(s.mode == .normal)
        press([.char("?"), .char("n")], &s, snapshot)  // another key closes the help and acts
        #expect(s.mode == .normal)
    }

    /// `G` in the help goes to its end (it used to close the help and move the list); scrolling stops there,
    /// so one `k` moves back at once however many times `j` was pressed.
    @Test func helpScrollsToItsEndAndNoFurther() {
        var s = ui(.network)
        press([.char("?"), .char("G")], &s, snapshot)
        #expect(s.mode == .help && s.selection == nil)
        let end = s.helpScroll
        #expect(end > 0)
        press(Array(repeating: .char("j"), count: 200) + [.pageDown], &s, snapshot)
        #expect(s.helpScroll == end)
        press([.char("k")], &s, snapshot)
        #expect(s.helpScroll == end - 1)
        // At the end, the last line of the help (the status line's explanation, wrapped) is on screen.
        press([.char("G")], &s, snapshot)
        let text = render(snapshot, s, size: s.size).text
        #expect(text.contains("(ev/s)"))
    }

    /// A step or a start replaces the last message, so the next event shows again; a view change drops a
    /// message that was about the view left.
    @Test func stepsAndViewChangesClearTheMessage() {
        var s = ui(.network)
        for key in [Key.char("."), .char("n"), .char(" "), .char("b")] {
            s.message = StatusMessage("round 1 done at 10s: 280 events")
            press([key], &s, snapshot)
            #expect(s.message == nil, "after \(key)")
        }
        #expect(render(snapshot, s, size: s.size).lines[22].contains("next"))
        s.message = StatusMessage("filter 'kind:inj': 18 of 732 events")
        press([.char("1")], &s, snapshot)
        #expect(s.message == nil)
    }

    /// Behind the "terminal too small" screen keys do nothing (a round must not run unseen); q still quits
    /// and a resize brings the dashboard back.
    @Test func aTooSmallScreenOnlyResizesAndQuits() {
        var s = ui(.network, width: 60, height: 15)
        #expect(press([.char("n"), .char(" "), .char(":"), .char("5"), .enter], &s, snapshot).isEmpty)
        #expect(s.tab == .network && s.mode == .normal && !s.inspectorOpen)
        #expect(press([.char("q")], &s, snapshot) == [.quit])
        // A run that was already going can still be paused.
        var running = snapshot
        running.isRunning = true
        #expect(press([.char(" ")], &s, running) == [.simulation(.pause)])
        _ = handle(.resize(Size(width: 80, height: 24)), state: &s, snapshot: snapshot, lastFrame: nil)
        #expect(press([.char("n")], &s, snapshot) == [.simulation(.nextRound)])
    }

    /// The inspector shows the highlighted row: when the selection is not in this view's list, the cursor
    /// is on the first row, and that is what `enter` inspects.
    @Test func theInspectorShowsTheHighlightedRow() {
        var s = ui(.network)
        s.selection = "peer-that-is-not-listed-here"
        press([.enter], &s, snapshot)
        #expect(s.inspectorOpen && s.selection == "server")
        let frame = render(snapshot, s, size: s.size)
        #expect(frame.lines[3].contains("server"))
    }

    @Test func resizeUpdatesTheSize() {
        var s = ui(.network)
        _ = handle(.resize(Size(width: 100, height: 30)), state: &s, snapshot: snapshot, lastFrame: nil)
        #expect(s.size == Size(width: 100, height: 30))
    }

    @Test func footerShowsOnlyTheKeysOfTheView() {
        let network = KeyMap.standard.footer(for: .network).map(\.action)
        let events = KeyMap.standard.footer(for: .events).map(\.action)
        #expect(!network.contains(.beginFilter) && events.contains(.beginFilter))
        #expect(KeyMap.standard.footer(for: .swarm).map(\.action).contains(.cycleSort))
        let frame = render(snapshot, ui(.events), size: Size(width: 80, height: 24))
        #expect(frame.lines[23].contains("filter") && frame.lines[23].contains("quit"))
        // On 80 columns the swarm view's footer has room for the command line and the inspector too.
        var swarm = snapshot
        swarm.swarm = SyntheticData.swarm(peers: 10, pieces: 32)
        let footer = render(swarm, ui(.swarm), size: Size(width: 80, height: 24)).lines[23]
        #expect(footer.contains(": command") && footer.contains("inspect") && footer.contains("? help"))
        // A finished run offers no keys that would run it.
        swarm.isFinished = true
        let finished = render(swarm, ui(.swarm), size: Size(width: 80, height: 24)).lines[23]
        #expect(!finished.contains("run") && !finished.contains("round") && finished.contains("b back"))
    }

    @Test func noticesAreShownOnce() {
        var s = ui(.network)
        var snap = snapshot
        snap.notice = Notice(id: 5, text: "crash server at 10s")
        s.receive(snap)
        #expect(s.message?.text == "crash server at 10s")
        s.message = nil
        s.receive(snap)
        #expect(s.message == nil)
    }
}
