import Testing
import SimKernel
@testable import Network

/// A host's connections, kept sorted by id.
@Suite struct ConnectionTableTests {
    @Test func behavesLikeADictionaryAndListsInIDOrder() {
        var rng = SimRandom(seed: 12)
        var table = ConnectionTable()
        var reference: [ConnectionID: Connection] = [:]
        for step in 0..<3000 {
            let id = ConnectionID(raw: rng.next() % 200)
            switch rng.next() % 3 {
            case 0:
                let c = Connection(id: id, localPort: UInt16(step % 60000), remote: Endpoint(IPv4Address(raw: 7), 80),
                                   remoteHost: step, state: .established, initiator: true)
                table[id] = c
                reference[id] = c
            case 1:
                #expect(table.removeValue(forKey: id)?.remoteHost == reference.removeValue(forKey: id)?.remoteHost)
            default:
                table[id] = nil
                reference[id] = nil
            }
            #expect(table[id]?.localPort == reference[id]?.localPort)
        }
        #expect(table.items.map(\.id) == reference.keys.sorted())
        #expect(table.count == reference.count)
    }
}
