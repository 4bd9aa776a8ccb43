/// The views, in tab order. Their number is the key that shows them.
public enum Tab: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case swarm = 1, choke, dht, network, events, rounds

    public var title: String {
        switch self {
        case .swarm: return "Swarm"
        case .choke: return "Choke rounds"
        case .dht: return "DHT"
        case .network: return "Network"
        case .events: return "Events"
        case .rounds: return "Rounds"
        }
    }
    public var description: String { title }
    public var next: Tab { Tab(rawValue: rawValue % Tab.allCases.count + 1) ?? .swarm }
    public var previous: Tab { Tab(rawValue: (rawValue + Tab.allCases.count - 2) % Tab.allCases.count + 1) ?? .swarm }
}

/// How the swarm view orders peers.
public enum SwarmSort: String, Sendable, Hashable, CaseIterable {
    case id, progress, rate
    public var next: SwarmSort {
        switch self {
        case .id: return .progress
        case .progress: return .rate
        case .rate: return .id
        }
    }
}

/// A one-line text field with a cursor (the filter and the command line).
public struct TextField: Sendable, Hashable {
    public var text: String = ""
    /// Cursor position in characters, 0…count.
    public var cursor: Int = 0
    public init(_ text: String = "") { self.text = text; cursor = text.count }

    mutating func insert(_ c: Character) {
        let i = text.index(text.startIndex, offsetBy: min(cursor, text.count))
        text.insert(c, at: i)
        cursor += 1
    }
    mutating func deleteBackward() {
        guard cursor > 0, !text.isEmpty else { return }
        let i = text.index(text.startIndex, offsetBy: cursor - 1)
        text.remove(at: i)
        cursor -= 1
    }
    mutating func deleteForward() {
        guard cursor < text.count else { return }
        text.remove(at: text.index(text.startIndex, offsetBy: cursor))
    }
    mutating func set(_ s: String) { text = s; cursor = s.count }
}

/// What the keyboard is doing: driving views, or typing into a line.
public enum Mode: Sendable, Hashable {
    case normal
    /// Typing an event filter after `/`.
    case filter
    /// Typing a command after `:`.
    case command
    /// The help screen (`?`).
    case help
}

/// A one-line message under the view: feedback on a command, an error, completion candidates.
public struct StatusMessage: Sendable, Hashable {
    public var text: String
    public var isError: Bool
    public init(_ text: String, isError: Bool = false) { self.text = text; self.isError = isError }
}

/// Everything about the UI that is not the simulation: which view, what is selected, what is typed.
public struct UIState: Sendable, Hashable {
    public var tab: Tab
    public var mode: Mode = .normal
    /// Whether the inspector (everything about the selected node) is open.
    public var inspectorOpen = false
    /// First line of the inspector shown (it is longer than a small screen).
    public var inspectorScroll = 0
    /// Whether the open inspector covers the view (narrow screens) rather than sitting beside it.
    public var inspectorIsOverlay: Bool { size.width < UIState.inspectorPanelMinWidth }
    /// The narrowest screen on which the inspector is a side panel.
    public static let inspectorPanelMinWidth = 120
    /// The selected node, by name: shared by the views that list nodes.
    public var selection: String?
    /// Cursor in the event list (filtered); nil follows the newest entry.
    public var eventCursor: Int?
    /// Cursor in the round table; nil follows the latest round.
    public var roundCursor: Int?
    /// The event filter in force, and the one being typed.
    public var filter = ""
    public var filterField = TextField()
    /// The command being typed, and the commands entered before (oldest first).
    public var commandField = TextField()
    public var history: [String] = []
    /// Position while browsing the history with ↑/↓ (nil: editing a new line).
    public var historyIndex: Int?
    public var message: StatusMessage?
    public var swarmSort: SwarmSort = .id
    /// The choke view shows the whole swarm's who-unchokes-whom matrix instead of one peer.
    public var chokeMatrix = false
    /// First line of the help screen shown.
    public var helpScroll = 0
    /// Draw with ASCII characters only.
    public var ascii: Bool
    /// The notice of the simulation last shown (each is shown once).
    public var lastNotice: Int = 0
    /// The screen size.
    public var size: Size
    /// The lab's handout (its numbered steps), shown by the help screen when a lab folder is open.
    public var handout: Handout?

    public init(tab: Tab = .network, ascii: Bool = false, size: Size = .minimum) {
        self.tab = tab; self.ascii = ascii; self.size = size
    }

    /// The initial state for a snapshot: the swarm view if there is a swarm, else the network view.
    public static func initial(for snapshot: DashboardSnapshot, ascii: Bool = false, size: Size = .minimum,
                               handout: Handout? = nil) -> UIState {
        var s = UIState(tab: snapshot.swarm != nil ? .swarm : .network, ascii: ascii, size: size)
        s.handout = handout
        return s
    }

    public var glyphs: Glyphs { ascii ? .ascii : .unicode }
}
