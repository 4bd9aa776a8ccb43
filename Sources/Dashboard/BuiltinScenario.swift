/// Scenarios built into the binary, so `inetlab` with no arguments has something to show.
public enum BuiltinScenario {
    /// The scenario `inetlab` opens by default.
    public static let `default` = swarmBehindNATs

    /// A BitTorrent swarm of 30 peers behind mixed NATs, one tracker and one seed, every peer also in the
    /// Kademlia DHT; the tracker crashes at 60 s and restarts at 240 s, and the DHT keeps the swarm finding
    /// peers meanwhile. Ten more leechers wait in the `reserve` group (`absent: true`) for `join 10 leechers`.
    public static let swarmBehindNATs = (file: "built-in:swarm-behind-nats.yaml", text: """
    name: swarm behind NATs
    description: "30 peers (public, full-cone, port-restricted, symmetric) fetch a 16 MB file from one seed, finding each other through the tracker and the DHT. The tracker crashes at 60 s (or type crash tracker) and the DHT keeps finding peers; join 10 leechers brings in the reserve, who find the swarm through the DHT alone while the tracker is down."
    seed: 7
    round: 10s
    duration: 900s
    regions: [{name: eu}, {name: us}]
    latency: {inside: 5ms, default: 40ms}
    swarms: [{name: movie, file-size: 16MB, piece-length: 256KiB, tracker: tracker, dht: true}]
    hosts:
      - {group: tracker, region: eu, up: 100Mbps, down: 100Mbps, app: {tracker: {}}}
      - {group: seed, region: eu, up: 8Mbps, down: 8Mbps, app: {peer: {swarm: movie, seed: true}}}
      - {group: peer, count: 12, region: eu, up: 2Mbps, down: 20Mbps, app: {peer: {swarm: movie}}}
      - {group: cone, count: 6, region: us, up: 1Mbps, down: 10Mbps, nat: full-cone, app: {peer: {swarm: movie}}}
      - {group: home, count: 6, region: eu, up: 1Mbps, down: 10Mbps, nat: port-restricted, forward: [6881], app: {peer: {swarm: movie}}}
      - {group: mobile, count: 6, region: us, up: 512kbps, down: 5Mbps, nat: symmetric, app: {peer: {swarm: movie}}}
      - {group: reserve, count: 10, region: us, up: 1Mbps, down: 10Mbps, nat: port-restricted, absent: true, app: {peer: {swarm: movie}}}
    timeline:
      - {at: 60s, crash: tracker}
      - {at: 240s, restart: tracker}
    """)

    /// 32 hosts in three regions behind mixed NATs, pinging a server; the server crashes at 60 s and
    /// comes back at 90 s, latecomers join at 100 s, and Asia is cut off from 150 s to 180 s.
    public static let pingAcrossNATs = (file: "built-in:pings-across-nats.yaml", text: """
    name: pings-across-nats
    description: 32 hosts behind mixed NATs ping a server; it crashes at 60 s, Asia is cut off at 150 s.
    seed: 42
    round: 10s
    duration: 240s

    regions:
      - name: eu
      - name: us
      - name: asia

    latency:
      inside: 5ms
      default: 40ms
      between:
        - { regions: [eu, asia], latency: 90ms }
        - { regions: [us, asia], latency: 70ms }

    hosts:
      - group: server
        region: eu
        up: 100Mbps
        down: 100Mbps
        latency: 2ms
        app:
          ping: { targets: [home-fwd, cafe, campus], interval: 5s }

      - group: home
        count: 12
        region: eu
        up: 1Mbps
        down: 10Mbps
        nat: port-restricted
        app:
          ping: { targets: [server], interval: 1s, connect-every: 5 }

      - group: home-fwd
        region: eu
        up: 1Mbps
        down: 10Mbps
        nat: port-restricted
        forward: [7]
        app:
          ping: { targets: [server], interval: 1s }

      - group: cafe
        count: 6
        region: us
        up: 2Mbps
        down: 20Mbps
        nat: full-cone
        app:
          ping: { targets: [server], interval: 2s }

      - group: office
        count: 6
        region: us
        up: 10Mbps
        down: 10Mbps
        nat: symmetric
        app:
          ping: { targets: [server], interval: 1s, connect-every: 5 }

      - group: campus
        count: 4
        region: asia
        up: 50Mbps
        down: 50Mbps
        nat: restricted
        app:
          ping: { targets: [server], interval: 2s }

      - group: late
        count: 2
        region: asia
        up: 5Mbps
        down: 5Mbps
        absent: true
        app:
          ping: { targets: [server], interval: 1s }

    timeline:
      - { at: 60s, crash: server }
      - { at: 90s, restart: server }
      - { at: 100s, join: late }
      - { at: 150s, partition: [campus, late] }
      - { at: 180s, heal: true }
    """)
}
