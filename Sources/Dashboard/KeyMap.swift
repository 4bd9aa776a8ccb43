/// What a key (or a click) asks for. Keys become actions through the `KeyMap`; the reducer applies them.
public enum Action: Sendable, Hashable {
    // The simulation
    case toggleRun, nextRound, nextEvent, previousRound, faster, slower
    // Views and selection
    case showTab(Tab), nextTab, previousTab
    case moveUp, moveDown, pageUp, pageDown, top, bottom
    /// Selects row `index` of the current view's list (a mouse click).
    case select(Int)
    case inspect, cancel, cycleSort, toggleMatrix
    case beginFilter, beginCommand, toggleHelp, quit
    // Typing into the filter or the command line
    case insert(Character), deleteBackward, deleteForward, cursorLeft, cursorRight, cursorHome, cursorEnd
    case historyPrevious, historyNext, complete, submit
    /// The terminal changed size.
    case resize(Size)
}

/// One key binding: its keys, where it works, and the words the footer and the help screen show.
public struct KeyBinding: Sendable, Hashable {
    public enum Scope: Sendable, Hashable {
        /// Every view.
        case global
        /// Only these views.
        case views(Set<Tab>)
    }

    public var keys: [Key]
    public var action: Action
    /// Footer text, e.g. `next round`; nil keeps it out of the footer (still in the help).
    public var footer: String?
    /// Help text.
    public var help: String
    public var group: String
    public var scope: Scope

    public init(_ keys: [Key], _ action: Action, footer: String?, help: String, group: String, scope: Scope = .global) {
        self.keys = keys; self.action = action; self.footer = footer; self.help = help; self.group = group; self.scope = scope
    }

    public func applies(to tab: Tab) -> Bool {
        switch scope {
        case .global: return true
        case .views(let tabs): return tabs.contains(tab)
        }
    }

    /// `n/→`: the keys as the footer and the help show them.
    public func keyLabel(ascii: Bool) -> String {
        keys.map { ascii ? $0.asciiDescription : $0.description }.joined(separator: "/")
    }
}

/// Every key binding of normal mode, declared once. The footer and the `?` help screen are generated
/// from it, so they can never disagree with what the keys do.
public struct KeyMap: Sendable {
    public var bindings: [KeyBinding]

    public static let standard = KeyMap(bindings: [
        KeyBinding([.char(" ")], .toggleRun, footer: "run", help: "run or pause the simulation", group: "Simulation"),
        KeyBinding([.char("n"), .right], .nextRound, footer: "round", help: "run to the end of the round, then pause", group: "Simulation"),
        KeyBinding([.char(".")], .nextEvent, footer: "event", help: "deliver exactly one event (the one shown as next)", group: "Simulation"),
        KeyBinding([.char("b"), .left], .previousRound, footer: "back",
                   help: "back one round: the whole state is restored, injections after it are undone", group: "Simulation"),
        KeyBinding([.char("+"), .char("=")], .faster, footer: nil, help: "faster (virtual seconds per second)", group: "Simulation"),
        KeyBinding([.char("-")], .slower, footer: nil, help: "slower", group: "Simulation"),

        KeyBinding([.char("1"), .char("2"), .char("3"), .char("4"), .char("5"), .char("6")], .showTab(.swarm), footer: nil,
                   help: "show a view: 1 swarm, 2 choke rounds, 3 DHT, 4 network, 5 events, 6 rounds", group: "Views"),
        KeyBinding([.tab, .char("l")], .nextTab, footer: nil, help: "next view", group: "Views"),
        KeyBinding([.backTab, .char("h")], .previousTab, footer: nil, help: "previous view", group: "Views"),
        KeyBinding([.up, .char("k")], .moveUp, footer: nil, help: "select the previous row (scroll the inspector when it covers the view)", group: "Views"),
        KeyBinding([.down, .char("j")], .moveDown, footer: nil, help: "select the next row (scroll the inspector when it covers the view)", group: "Views"),
        KeyBinding([.pageUp, .ctrl("b")], .pageUp, footer: nil, help: "a page up (or the open inspector)", group: "Views"),
        KeyBinding([.pageDown, .ctrl("f")], .pageDown, footer: nil, help: "a page down (or the open inspector)", group: "Views"),
        KeyBinding([.char("g"), .home], .top, footer: nil, help: "first row", group: "Views"),
        KeyBinding([.char("G"), .end], .bottom, footer: nil, help: "last row (the event list then follows new events)", group: "Views"),
        KeyBinding([.char("s")], .cycleSort, footer: "sort", help: "sort peers by id, progress, or download rate",
                   group: "Views", scope: .views([.swarm, .choke])),
        KeyBinding([.char("m")], .toggleMatrix, footer: "matrix", help: "choke rounds: the whole swarm's who-unchokes-whom matrix, or one peer",
                   group: "Views", scope: .views([.choke])),
        KeyBinding([.char("/")], .beginFilter, footer: "filter", help: "filter events: words, node:NAME, kind:PREFIX (esc clears)",
                   group: "Views", scope: .views([.events])),
        KeyBinding([.escape], .cancel, footer: nil, help: "close the inspector or the help; clear the filter", group: "Views"),

        KeyBinding([.char(":")], .beginCommand, footer: "command", help: "command line: crash, restart, join 10 leechers, link down, partition… (tab completes)",
                   group: "General"),
        KeyBinding([.enter], .inspect, footer: "inspect", help: "open or close the inspector: everything about the selected node", group: "General"),
        KeyBinding([.char("?")], .toggleHelp, footer: "help", help: "this help", group: "General"),
        KeyBinding([.char("q"), .ctrl("c")], .quit, footer: "quit", help: "quit (the terminal is restored)", group: "General"),
    ])

    /// The action for `key` in normal mode in `tab`, if any.
    public func action(for key: Key, in tab: Tab) -> Action? {
        if case .char(let c) = key, let d = c.wholeNumberValue, let t = Tab(rawValue: d) { return .showTab(t) }
        return bindings.first { $0.keys.contains(key) && $0.applies(to: tab) }?.action
    }

    /// The bindings the footer shows in `tab`: those of the view first, then the global ones in
    /// declaration order (the last two, help and quit, are always shown).
    public func footer(for tab: Tab) -> [KeyBinding] {
        let shown = bindings.filter { $0.footer != nil && $0.applies(to: tab) }
        return shown.filter { $0.scope != .global } + shown.filter { $0.scope == .global }
    }

    /// Groups of bindings for the help screen, in declaration order.
    public var groups: [(name: String, bindings: [KeyBinding])] {
        var out: [(String, [KeyBinding])] = []
        for b in bindings {
            if let i = out.firstIndex(where: { $0.0 == b.group }) { out[i].1.append(b) } else { out.append((b.group, [b])) }
        }
        return out.map { (name: $0.0, bindings: $0.1) }
    }

    /// Keys while typing after `/` or `:` (shown in the footer in those modes).
    public static let editing: [(keys: String, what: String)] = [
        ("enter", "apply"), ("esc", "cancel"), ("tab", "complete"), ("↑/↓", "history"), ("←/→", "move"),
    ]

    /// The action for `key` while typing into a line.
    public static func editingAction(for key: Key) -> Action? {
        switch key {
        case .char(let c): return .insert(c)
        case .backspace, .ctrl("h"): return .deleteBackward
        case .delete, .ctrl("d"): return .deleteForward
        case .left, .ctrl("b"): return .cursorLeft
        case .right, .ctrl("f"): return .cursorRight
        case .home, .ctrl("a"): return .cursorHome
        case .end, .ctrl("e"): return .cursorEnd
        case .up, .ctrl("p"): return .historyPrevious
        case .down, .ctrl("n"): return .historyNext
        case .tab: return .complete
        case .enter: return .submit
        case .escape, .ctrl("c"), .ctrl("g"): return .cancel
        default: return nil
        }
    }
}
