import Foundation

/// Timing helpers for the bench and a pass's `LayerProfile`: a monotonic clock, and repeated
/// measurement of a piece of work until it has lasted long enough to trust.
public enum Stopwatch {
    /// Seconds on a monotonic clock.
    public static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Calls of `work` per second: runs it in growing batches until one batch lasts at least
    /// `minimumSeconds`, and returns that batch's rate.
    public static func rate(minimumSeconds: Double, _ work: () throws -> Void) rethrows -> Double {
        var count = 1
        while true {
            let start = now()
            for _ in 0..<count { try work() }
            let elapsed = now() - start
            if elapsed >= minimumSeconds { return Double(count) / elapsed }
            count = max(count * 2, Int(Double(count) * minimumSeconds * 1.2 / max(elapsed, 1e-9)))
        }
    }
}
