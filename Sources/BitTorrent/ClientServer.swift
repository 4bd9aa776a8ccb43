public import Network
public import SimKernel

/// The client–server baseline: one server hands the whole file to every client over its own uplink.
/// Clients pull it in 16 KiB chunks with a few requests in flight, so the server's uplink is shared among
/// clients much as TCP would share it.
public struct FileServer: HostApplication, Sendable {
    /// Requests and file chunks travel as `BTMessage.get` and `BTMessage.data`.
    public typealias Payload = BTMessage
    /// The port it listens on for clients.
    public var port: UInt16
    /// Bytes of file data sent so far (the sum of the requested lengths).
    public private(set) var bytesServed: Int64 = 0
    /// A server that listens on `port` once started.
    public init(port: UInt16 = 80) { self.port = port }

    /// Listens at start and answers each `get` with a `data` reply of the requested length.
    public mutating func handle(_ event: AppEvent<BTMessage>, io: inout HostIO<BTMessage>) {
        switch event {
        case .start: io.listen(on: port)
        case .received(let id, .get(let offset, let length), _):
            bytesServed += Int64(length)
            let reply = BTMessage.data(offset: offset, length: length)
            io.send(reply, size: reply.wireSize, on: id)
        default: break
        }
    }
    /// Nothing is lost: the server keeps no per-client state.
    public mutating func crash() {}
    /// A stable digest of a payload for the run fingerprint.
    public static func digest(_ payload: BTMessage) -> UInt64 { payload.digest }
}

/// A client of the baseline: downloads the file from `server` and records when it finished.
public struct FileClient: HostApplication, Sendable {
    /// Requests and file chunks travel as `BTMessage.get` and `BTMessage.data`.
    public typealias Payload = BTMessage
    /// The server's public endpoint.
    public var server: Endpoint
    /// The file's size in bytes.
    public var fileSize: Int64
    /// Requests (16 KiB each) kept in flight on the connection.
    public var pipeline = 4
    /// When the client first started; nil before then.
    public private(set) var joinedAt: SimTime?
    /// When the last byte arrived; nil while incomplete.
    public private(set) var completedAt: SimTime?
    /// Bytes received so far (kept across a crash: the download resumes).
    public private(set) var received: Int64 = 0
    var nextOffset: Int64 = 0
    var connection: ConnectionID?

    /// A client that will fetch `fileSize` bytes from `server`.
    public init(server: Endpoint, fileSize: Int64) { self.server = server; self.fileSize = fileSize }

    /// True once `received` reaches `fileSize`.
    public var isComplete: Bool { received >= fileSize }

    /// Connects at start and keeps `pipeline` requests in flight until done, then closes;
    /// after a failed or closed connection it tries again 5 s later.
    public mutating func handle(_ event: AppEvent<BTMessage>, io: inout HostIO<BTMessage>) {
        switch event {
        case .start:
            joinedAt = joinedAt ?? io.now
            guard !isComplete else { return }
            connection = io.connect(to: server)
        case .connected(let id, _):
            for _ in 0..<pipeline { requestNext(id, &io) }
        case .connectFailed:
            // Try again in a few seconds (the server may be down).
            io.setTimer(1, after: .seconds(5))
        case .timer:
            if !isComplete { connection = io.connect(to: server) }
        case .received(let id, .data(_, let length), _):
            received += Int64(length)
            if isComplete {
                completedAt = io.now
                io.close(id)
            } else {
                requestNext(id, &io)
            }
        case .closed:
            if !isComplete { io.setTimer(1, after: .seconds(5)) }
        default: break
        }
    }

    mutating func requestNext(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard nextOffset < fileSize else { return }
        let length = Int32(min(Int64(TorrentInfo.blockSize), fileSize - nextOffset))
        let get = BTMessage.get(offset: nextOffset, length: length)
        io.send(get, size: get.wireSize, on: id)
        nextOffset += Int64(length)
    }

    /// Loses the connection; the next start resumes from the bytes already received.
    public mutating func crash() {
        // Restart the download from what was received (a resumable download).
        nextOffset = received
        connection = nil
    }
    /// A stable digest of a payload for the run fingerprint.
    public static func digest(_ payload: BTMessage) -> UInt64 { payload.digest }
}
