import Dashboard
import Foundation
import Testing

/// Lab folders: which scenario `inetlab open labs/NN-name` opens, and the handout's steps in the help.
@Suite struct HandoutTests {
    static let readme = """
    # Lab 7: Swarms behind NATs

    Some introduction with a list that is not the steps:

    1. not a step
    2. nor this

    ## Steps

    1. Open `swarm.yaml` in the dashboard: `inetlab open labs/07-test/swarm.yaml`.
    2. Step three rounds with **n** and watch the
       rarity bar fill.
       - look at the [piece map](https://example.org/x) too
    3) Type `:crash tracker` and _explain_ what happens to new_peers (`late-*`).
    10. Write down the completion time.

    ## Questions

    1. Why?
    """

    /// A temporary lab folder with `files` (name → contents); removed by the caller.
    func folder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-lab-\(UUID().uuidString)/07-test")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url
    }

    @Test func parsesTheNumberedStepsUnderTheStepsHeading() throws {
        let h = try #require(Handout.parse(markdown: Self.readme, lab: "07-test"))
        #expect(h.title == "Lab 7: Swarms behind NATs")
        #expect(h.steps.map(\.number) == [1, 2, 3, 10])
        #expect(h.steps[0].text == "Open swarm.yaml in the dashboard: inetlab open labs/07-test/swarm.yaml.")
        #expect(h.steps[1].text == "Step three rounds with n and watch the rarity bar fill. · look at the piece map too")
        #expect(h.steps[2].text == "Type :crash tracker and explain what happens to new_peers (late-*).")
        #expect(Handout.parse(markdown: "# Title\n\n1. a list, but no Steps heading\n", lab: "x") == nil)
    }

    @Test func opensTheScenarioTheFirstStepNames() throws {
        let url = try folder(["README.md": Self.readme, "a-first.yaml": "x", "swarm.yaml": "y", "checks.yaml": "z"])
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let lab = try LabFolder(path: url.path)
        #expect(lab.scenario == url.appendingPathComponent("swarm.yaml").path)
        #expect(lab.handout?.steps.count == 4)
    }

    @Test func elseTheFirstYAMLButNotChecks() throws {
        let url = try folder(["README.md": "# T\n## Steps\n1. Run it.\n", "checks.yaml": "z", "b.yaml": "y", "c.yml": "x"])
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let lab = try LabFolder(path: url.path)
        #expect(lab.scenario.hasSuffix("/07-test/b.yaml"))
        #expect(lab.handout?.steps == [Handout.Step(1, "Run it.")])

        let bare = try folder(["only.yaml": "x"])
        defer { try? FileManager.default.removeItem(at: bare.deletingLastPathComponent()) }
        #expect(try LabFolder(path: bare.path).handout == nil)

        let none = try folder(["checks.yaml": "z", "README.md": "# x"])
        defer { try? FileManager.default.removeItem(at: none.deletingLastPathComponent()) }
        #expect(throws: LabFolder.Problem.self) { try LabFolder(path: none.path) }
    }

    @Test func helpShowsTheStepsNextToTheKeys() throws {
        let s = try helloDriver().snapshot()
        let handout = try #require(Handout.parse(markdown: Self.readme, lab: "07-test"))
        var narrow = UIState.initial(for: s, size: Size(width: 80, height: 24), handout: handout)
        press([.char("?")], &narrow, s)
        let small = render(s, narrow, size: narrow.size)
        expectScreen(small, "help-handout-80x24")
        // The handout's title already names the lab: it is not prefixed again.
        #expect(small.text.contains("Lab 7: Swarms behind NATs") && !small.text.contains("Lab 07-test"))
        #expect(small.text.contains("1. Open swarm.yaml in the dashboard"))

        var wide = UIState.initial(for: s, size: Size(width: 160, height: 48), handout: handout)
        press([.char("?")], &wide, s)
        let big = render(s, wide, size: wide.size)
        expectScreen(big, "help-handout-160x48")
        // Side by side: a step and the key help on the same row.
        let row = try #require(big.lines.first { $0.contains("Lab 7: Swarms behind NATs") })
        #expect(row.contains("Columns of the Network view"))
        #expect(big.text.contains("10. Write down the completion time."))
        // Side by side from 120 columns, as the guide says.
        var at120 = UIState.initial(for: s, size: Size(width: 120, height: 30), handout: handout)
        press([.char("?")], &at120, s)
        let line = try #require(render(s, at120, size: at120.size).lines.first { $0.contains("Lab 7: Swarms behind NATs") })
        #expect(line.contains("Columns of the Network view"))
    }
}
