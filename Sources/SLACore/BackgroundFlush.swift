import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Write-behind for one file: flushes what is written so far to disk (`fdatasync`) on a helper
/// thread while the writer goes on, so that the `fsync` that makes the file durable finds little
/// left to write. Used for large reports and for the event store's write-ahead log.
///
/// The first failure is kept for the owner to report: the system reports a flush error only once.
public final class BackgroundFlush: Sendable {
    /// Whether a flush is running, and the errno of the first one that failed.
    private let state = Locked<(running: Bool, failure: Int32?)>((false, nil))
    private let flushes = DispatchGroup()
    private static let queue = DispatchQueue(label: "slalog.write-behind")

    public init() {}

    deinit { flushes.wait() }

    /// Starts flushing `descriptor` on the helper thread, unless a flush is running. The descriptor
    /// must stay open until `wait()` returns.
    public func start(_ descriptor: Int32) {
        let start = state.withLock { state in
            if state.running { return false }
            state.running = true
            return true
        }
        guard start else { return }
        let state = state, flushes = flushes
        flushes.enter()
        Self.queue.async {
            let code = fdatasync(descriptor) == 0 ? nil : errno
            state.withLock { state in
                state.running = false
                if state.failure == nil { state.failure = code }
            }
            flushes.leave()
        }
    }

    /// Waits for a running flush; the errno of the first flush that failed, if any.
    public func wait() -> Int32? {
        flushes.wait()
        return state.withLock { $0.failure }
    }
}
