import Scenario

extension CommandRegistry {
    /// BitTorrent commands for the `:` line.
    static let bitTorrent: [CommandSpec] = [
        hostCommand("freeride", summary: "the peer (or every peer of a group) stops uploading: it unchokes nobody", build: { .freeRide($0) }),
        hostCommand("leave-swarm", summary: "the peer announces 'stopped' and leaves the swarm (the host stays up)", build: { .leaveSwarm($0) }),
    ]
}
