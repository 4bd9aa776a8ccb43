/// What the reducer asks the outside world to do.
public enum Effect: Sendable, Equatable {
    /// Send a command to the simulation thread.
    case simulation(SimCommand)
    /// Leave the dashboard.
    case quit
}

/// Turns an input event into actions: through the key map in normal mode, as text editing while typing
/// after `/` or `:`, and through the hit regions of the last frame for clicks.
public func actions(for event: InputEvent, state: UIState, lastFrame: CellBuffer?, keyMap: KeyMap = .standard) -> [Action] {
    switch event {
    case .resize(let size):
        return [.resize(size)]
    case .scroll(let up):
        guard state.mode == .normal || state.mode == .help else { return [] }
        return Array(repeating: up ? .moveUp : .moveDown, count: 3)
    case .click(let x, let y):
        switch lastFrame?.hitTarget(x: x, y: y) {
        case .tab(let t)?: return [.showTab(t)]
        case .row(let i)?: return [.select(i)]
        case nil: return []
        }
    case .key(let key):
        switch state.mode {
        case .filter, .command:
            return KeyMap.editingAction(for: key).map { [$0] } ?? []
        case .normal, .help:
            return keyMap.action(for: key, in: state.tab).map { [$0] } ?? []
        }
    }
}

/// Applies one input event: decodes it into actions and reduces them. Returns the effects.
public func handle(_ event: InputEvent, state: inout UIState, snapshot: DashboardSnapshot, lastFrame: CellBuffer?,
                   commands: CommandRegistry = .default) -> [Effect] {
    var effects: [Effect] = []
    for a in actions(for: event, state: state, lastFrame: lastFrame) {
        effects += reduce(&state, a, snapshot: snapshot, commands: commands)
    }
    return effects
}

/// The reducer: applies `action` to the UI state. `snapshot` is what the screen shows (read only: cursor
/// moves need the lists). Returns what the simulation or the program must do.
public func reduce(_ s: inout UIState, _ action: Action, snapshot: DashboardSnapshot,
                   commands: CommandRegistry = .default) -> [Effect] {
    // Behind the "terminal too small" screen only resizing and quitting act: nothing runs unseen.
    if s.size.width < Size.minimum.width || s.size.height < Size.minimum.height {
        switch action {
        case .resize(let size): s.size = size; return []
        case .quit: return [.quit]
        case .toggleRun where snapshot.isRunning: return [.simulation(.pause)]  // a running run can still be paused
        default: return []
        }
    }
    switch s.mode {
    case .filter: return reduceFilter(&s, action, snapshot: snapshot)
    case .command: return reduceCommand(&s, action, snapshot: snapshot, commands: commands)
    case .help:
        switch action {
        case .toggleHelp, .cancel: s.mode = .normal; return []
        case .moveUp: scrollHelp(&s, to: s.helpScroll - 1); return []
        case .moveDown: scrollHelp(&s, to: s.helpScroll + 1); return []
        case .pageUp: scrollHelp(&s, to: s.helpScroll - pageSize(s)); return []
        case .pageDown: scrollHelp(&s, to: s.helpScroll + pageSize(s)); return []
        case .top: s.helpScroll = 0; return []
        case .bottom: scrollHelp(&s, to: Int.max); return []
        case .resize, .quit: break
        default: s.mode = .normal  // any other key closes the help and acts
        }
    case .normal: break
    }
    if s.inspectorOpen, scrollInspector(&s, action, snapshot) { return [] }

    switch action {
    // A step or a start replaces the last message: the simulation's notice (if any) or the next event.
    case .toggleRun: s.message = nil; return [.simulation(.toggleRun)]
    case .nextRound: s.message = nil; return [.simulation(.nextRound)]
    case .nextEvent: s.message = nil; return [.simulation(.nextEvent)]
    case .previousRound: s.message = nil; return [.simulation(.previousRound)]
    case .faster: return [.simulation(.faster)]
    case .slower: return [.simulation(.slower)]
    case .quit: return [.quit]
    case .resize(let size): s.size = size
    case .showTab(let t): switchTab(&s, to: t, snapshot)
    case .nextTab: switchTab(&s, to: s.tab.next, snapshot)
    case .previousTab: switchTab(&s, to: s.tab.previous, snapshot)
    case .moveUp: move(&s, by: -1, snapshot)
    case .moveDown: move(&s, by: 1, snapshot)
    case .pageUp: move(&s, by: -pageSize(s), snapshot)
    case .pageDown: move(&s, by: pageSize(s), snapshot)
    case .top: move(&s, to: 0, snapshot)
    case .bottom: move(&s, to: Int.max, snapshot)
    case .select(let i): move(&s, to: i, snapshot)
    case .inspect:
        if s.tab == .events, let name = selectedEventNode(s, snapshot) { s.selection = name }
        else { s.selection = Lists.inspected(snapshot, s) }
        s.inspectorOpen.toggle()
        s.inspectorScroll = 0
    case .cancel:
        if s.inspectorOpen { s.inspectorOpen = false }
        else if s.tab == .events && !s.filter.isEmpty { s.filter = ""; s.filterField = TextField(); s.eventCursor = nil }
        else { s.message = nil }
    case .cycleSort:
        s.swarmSort = s.swarmSort.next
        s.message = StatusMessage("peers sorted by \(s.swarmSort.rawValue)")
    case .toggleMatrix:
        s.chokeMatrix.toggle()
    case .beginFilter:
        s.mode = .filter
        s.filterField = TextField(s.filter)
    case .beginCommand:
        s.mode = .command
        s.commandField = TextField()
        s.historyIndex = nil
        s.message = nil
    case .toggleHelp:
        s.mode = .help
        s.helpScroll = 0
    case .insert, .deleteBackward, .deleteForward, .cursorLeft, .cursorRight, .cursorHome, .cursorEnd,
         .historyPrevious, .historyNext, .complete, .submit:
        break
    }
    return []
}

/// Scrolls the open inspector if `action` is for it: page keys always; as an overlay, which hides the
/// list, the row keys too (beside the list they still move the selection, and the inspector follows).
func scrollInspector(_ s: inout UIState, _ action: Action, _ snapshot: DashboardSnapshot) -> Bool {
    let page = InspectorView.visibleRows(s), overlay = s.inspectorIsOverlay
    let target: Int
    switch action {
    case .pageUp: target = s.inspectorScroll - page
    case .pageDown: target = s.inspectorScroll + page
    case .moveUp where overlay: target = s.inspectorScroll - 1
    case .moveDown where overlay: target = s.inspectorScroll + 1
    case .top where overlay: target = 0
    case .bottom where overlay: target = Int.max
    default: return false
    }
    s.inspectorScroll = min(max(0, target), InspectorView.maxScroll(snapshot, s))
    return true
}

/// Scrolls the help to `offset`, kept between the top and the point where its last line is at the bottom.
func scrollHelp(_ s: inout UIState, to offset: Int) {
    s.helpScroll = min(max(0, offset), HelpView.maxScroll(s))
}

/// Rows a page moves: the body height less headers.
func pageSize(_ s: UIState) -> Int { max(1, s.size.height - 8) }

func switchTab(_ s: inout UIState, to tab: Tab, _ snapshot: DashboardSnapshot) {
    if s.tab == .events, let name = selectedEventNode(s, snapshot), s.eventCursor != nil { s.selection = name }
    s.tab = tab
    s.message = nil
}

/// The host of the selected event, if it has one.
func selectedEventNode(_ s: UIState, _ snapshot: DashboardSnapshot) -> String? {
    let events = Lists.events(snapshot, s)
    guard !events.isEmpty else { return nil }
    let i = events[Lists.cursor(.events, snapshot, s)]
    let e = snapshot.log[i]
    if let n = e.node, n < snapshot.hosts.count { return snapshot.hosts[n].name }
    if case .string(let h)? = e["host"], snapshot.host(named: h) != nil { return h }
    return nil
}

func move(_ s: inout UIState, by delta: Int, _ snapshot: DashboardSnapshot) {
    let current = Lists.cursor(s.tab, snapshot, s)
    move(&s, to: max(0, current + delta), snapshot)
}

func move(_ s: inout UIState, to index: Int, _ snapshot: DashboardSnapshot) {
    let count = Lists.count(s.tab, snapshot, s)
    guard count > 0 else { return }
    let i = min(max(0, index), count - 1)
    switch s.tab {
    case .events: s.eventCursor = i == count - 1 ? nil : i
    case .rounds: s.roundCursor = i == count - 1 ? nil : i
    default:
        if let names = Lists.names(s.tab, snapshot, s) { s.selection = names[i] }
    }
}

func reduceFilter(_ s: inout UIState, _ action: Action, snapshot: DashboardSnapshot) -> [Effect] {
    switch action {
    case .submit:
        s.filter = s.filterField.text.trimmingSpaces
        s.mode = .normal
        s.eventCursor = nil
        let n = Lists.events(snapshot, s).count
        s.message = s.filter.isEmpty ? nil : StatusMessage("filter '\(s.filter)': \(n) of \(snapshot.log.count) events")
    case .cancel:
        s.filterField = TextField(s.filter)
        s.mode = .normal
    case .complete:
        // Complete node: and kind: values.
        let words = s.filterField.text.split(separator: " ", omittingEmptySubsequences: false)
        guard let last = words.last else { break }
        let candidates: [String]
        if last.hasPrefix("node:") {
            let names = Array(Set(snapshot.hosts.map(\.name) + snapshot.hosts.map(\.group))).sorted()
            candidates = names.map { "node:" + $0 }.filter { $0.hasPrefix(last) }
        } else if last.hasPrefix("kind:") {
            candidates = Array(Set(snapshot.log.map { "kind:" + $0.kind })).sorted().filter { $0.hasPrefix(last) }
        } else {
            candidates = ["node:", "kind:"].filter { $0.hasPrefix(last) }
        }
        if candidates.count == 1 {
            s.filterField.set(words.dropLast().joined(separator: " ") + (words.count > 1 ? " " : "") + candidates[0])
        } else if !candidates.isEmpty {
            s.message = StatusMessage(candidates.prefix(12).joined(separator: "  "))
        }
    case .resize(let size): s.size = size
    default: edit(&s.filterField, action)
    }
    if s.mode == .filter { s.eventCursor = nil }
    return []
}

func reduceCommand(_ s: inout UIState, _ action: Action, snapshot: DashboardSnapshot, commands: CommandRegistry) -> [Effect] {
    switch action {
    case .submit:
        let line = s.commandField.text.trimmingSpaces
        if line.isEmpty { s.mode = .normal; return [] }
        if s.history.last != line { s.history.append(line) }
        if s.history.count > 100 { s.history.removeFirst() }
        s.historyIndex = nil
        do throws(CommandError) {
            let outcome = try commands.parse(line, context: CommandContext(snapshot))
            s.mode = .normal
            s.message = nil
            switch outcome {
            case .simulation(let c):
                if case .inject(let i) = c { s.message = StatusMessage("\(i.label) at \(Format.time(snapshot.time))") }
                if case .setSpeed(let speed) = c { s.message = StatusMessage("speed \(speed) (the nearest step; + and - step through 0.10× … 1000× and max)") }
                return [.simulation(c)]
            case .showHelp: s.mode = .help; s.helpScroll = 0
            case .quit: return [.quit]
            case .showTab(let t): s.tab = t
            }
        } catch {
            s.message = StatusMessage(error.message, isError: true)
        }
    case .cancel:
        s.mode = .normal
        s.message = nil
    case .complete:
        let c = commands.complete(s.commandField.text, context: CommandContext(snapshot))
        s.commandField.set(c.line)
        if !c.candidates.isEmpty {
            s.message = StatusMessage(c.candidates.prefix(20).joined(separator: "  ") + (c.candidates.count > 20 ? "  …" : ""))
        } else {
            s.message = nil
        }
    case .historyPrevious:
        guard !s.history.isEmpty else { break }
        let i = max(0, (s.historyIndex ?? s.history.count) - 1)
        s.historyIndex = i
        s.commandField.set(s.history[i])
    case .historyNext:
        guard let i = s.historyIndex else { break }
        if i + 1 < s.history.count {
            s.historyIndex = i + 1
            s.commandField.set(s.history[i + 1])
        } else {
            s.historyIndex = nil
            s.commandField.set("")
        }
    case .resize(let size): s.size = size
    default:
        edit(&s.commandField, action)
    }
    return []
}

func edit(_ f: inout TextField, _ action: Action) {
    switch action {
    case .insert(let c): f.insert(c)
    case .deleteBackward: f.deleteBackward()
    case .deleteForward: f.deleteForward()
    case .cursorLeft: f.cursor = max(0, f.cursor - 1)
    case .cursorRight: f.cursor = min(f.text.count, f.cursor + 1)
    case .cursorHome: f.cursor = 0
    case .cursorEnd: f.cursor = f.text.count
    default: break
    }
}

extension UIState {
    /// Takes in a new snapshot: shows its notice once, and keeps the selection valid.
    public mutating func receive(_ snapshot: DashboardSnapshot) {
        if let n = snapshot.notice, n.id != lastNotice {
            lastNotice = n.id
            if mode != .command || !n.isError { message = StatusMessage(n.text, isError: n.isError) }
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
