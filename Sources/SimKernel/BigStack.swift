import Foundation

/// Runs `body` on a dedicated thread with a large stack and waits for it.
///
/// A simulation step can nest deeply (engine → network → application → protocol), and in unoptimised
/// (debug) builds those frames are large; the default stacks of pool threads (512 KiB for Dispatch and
/// Swift concurrency workers on Linux) can overflow. Long runs from tests or UIs go through this.
@discardableResult
public func withLargeStack<T>(size: Int = 64 << 20, _ body: () throws -> T) rethrows -> T {
    try withoutActuallyEscaping(body) { escapable in
        let box = LargeStackBox(escapable)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.run()
            done.signal()
        }
        thread.stackSize = size
        thread.start()
        done.wait()
        return try box.result()
    }
}

/// Carries the closure and its outcome between the caller and the worker thread.
///
/// `@unchecked Sendable` is safe because the two threads never touch it at the same time: the caller
/// writes nothing after starting the thread and reads `outcome` only after the semaphore says the worker
/// has finished (the semaphore orders the worker's writes before the caller's reads).
private final class LargeStackBox<T>: @unchecked Sendable {
    var body: (() throws -> T)?
    var outcome: Result<T, any Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
    func run() {
        if let body { outcome = Result { try body() } }
        body = nil  // the caller's closure must not outlive the call (it is not really escaping)
    }
    func result() throws -> T {
        guard let outcome else { preconditionFailure("the worker thread did not run") }
        return try outcome.get()
    }
}
