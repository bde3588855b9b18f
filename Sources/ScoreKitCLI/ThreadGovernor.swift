import Foundation
import ScoreKit

/// Sets the matrix products' thread count (`BLAS.threadCount`) for a tool's run: the fixed
/// `--threads N`, or with `auto` the count that runs the work fastest among those the free
/// cores allow.
///
/// `auto` does two things between units of work (`tick`, which every `ProgressLine` update
/// calls; a new progress line starts a new kind of work):
/// - every tenth of a second it measures the cores no other process is busy on (/proc/stat for
///   our cores, less /proc/self/stat for our own time) and never uses more threads than those;
/// - it times the units of work per second at each allowed count (1 and the free cores) and keeps
///   the faster, re-trying the other after 4 s, then 8, 16, ... up to 64 s while it stays slower.
///   The window after a change is not timed: the product threads wake and the caches refill.
///
/// Why both: the product threads wait for each other after every product, so a thread that shares
/// its core with another busy process stalls them all (the README's "Threads" paragraph gives the
/// measured slowdown); and on an idle machine small products can still run slower on 2 threads
/// than on 1. Results do not depend on the count, so switching keeps the bytes.
///
/// Used from the main thread only (the tools' loops), hence unchecked Sendable.
public final class ThreadGovernor: @unchecked Sendable {
    public static let shared = ThreadGovernor()

    package init() {}

    /// A measurement window of the load and of the work's rate: at least this long, and at
    /// least `windowTicks` units of work.
    let window = 0.1, windowTicks = 4
    /// First and longest wait before re-trying the count that was slower: a re-try costs two
    /// windows at that count, under 1% of the time once the wait has grown.
    let firstRetry = 4.0, longestRetry = 64.0
    /// Cores counted as free when at least this much of them is idle: a core three-quarters
    /// free still costs a second thread more than it gains.
    let freeFraction = 0.75

    var automatic = false
    package var cores: [Int] = []
    var current = 1
    var last: (time: Double, busy: Double, ours: Double)?
    /// Units of work since the window began, and the best rate seen at each count (with when).
    var ticks = 0
    var windowStart = 0.0
    var rates: [Int: Double] = [:]
    /// True for the first window after a change: it is not timed (threads wake, caches refill).
    var settling = false
    var retryAt = 0.0, retryGap = 2.0
    /// Seconds spent at each count, for the summary.
    var secondsAt: [Int: Double] = [:]
    var lastChange = 0.0

    /// Applies `requested`; returns the line the tool prints: the count and why, and the
    /// OpenBLAS kernels that run (`BLAS.kernels`).
    @discardableResult
    public func start(_ requested: ThreadCount, option: String = "--threads") -> String {
        countLine(requested, option: option) + "; " + BLAS.kernels.summary
    }

    func countLine(_ requested: ThreadCount, option: String) -> String {
        let available = ProcessInfo.processInfo.activeProcessorCount
        defer {
            // The summary counts from here, not from an earlier run's count.
            secondsAt = [:]
            lastChange = Stopwatch.now()
        }
        switch requested {
        case .fixed(let count):
            automatic = false
            use(min(count, available))
            return count > available ? "threads: \(current) (\(option) \(count) is more than the \(available) cores here)"
                                     : "threads: \(current) (\(option) \(count))"
        case .automatic:
            cores = Array((Self.allowedCores() ?? Array(0..<available)).prefix(available))
            guard let first = sample() else {
                automatic = false
                use(available)
                return "threads: \(current) (auto: the load cannot be read here, so all \(available) cores)"
            }
            automatic = true
            last = first
            Thread.sleep(forTimeInterval: 0.1)
            let free = measure() ?? Double(cores.count)
            use(1)
            newWork()
            return String(format: "threads: auto, %.1f of %d cores free now: starts on 1 thread and keeps the faster of 1 and "
                          + "the free cores, measured every %.1f s", free, cores.count, window)
        }
    }

    /// A new kind of work begins (its units are not comparable with the last's): forget the rates.
    public func newWork() {
        rates = [:]
        settling = false
        ticks = 0
        windowStart = Stopwatch.now()
        retryGap = firstRetry
        retryAt = windowStart
    }

    /// Work that is not counted in units happened (setup, an evaluation between steps): the
    /// window restarts so that its rate is not lowered by it.
    public func restartWindow() {
        ticks = 0
        windowStart = Stopwatch.now()
    }

    /// One unit of work done. With `auto`, at the end of each window: records the rate at the
    /// current count, and picks the count for the next window.
    public func tick() {
        guard automatic else { return }
        ticks += 1
        let now = Stopwatch.now()
        guard now - windowStart >= window, ticks >= windowTicks else { return }
        if !settling { rates[current] = Double(ticks) / (now - windowStart) }
        ticks = 0
        windowStart = now
        if settling {
            settling = false
            return
        }
        let next = Self.nextCount(current: current, allowed: threads(free: measure() ?? 1), rates: rates, retryDue: now >= retryAt)
        if next.retrying {
            retryAt = now + retryGap
            retryGap = min(2 * retryGap, longestRetry)
        }
        if next.count != current {
            rates[next.count] = nil  // its old rate is stale; the window after next measures it afresh
            use(next.count)
            settling = true
        }
    }

    /// The count for the next window, given the one in use, the most the free cores allow, the
    /// rates measured at each count, and whether the slower count is due a re-try. Candidates are
    /// 1 and `allowed`; `retrying` says the choice is a re-try of the other.
    package static func nextCount(current: Int, allowed: Int, rates: [Int: Double], retryDue: Bool) -> (count: Int, retrying: Bool) {
        if current > allowed { return (allowed, false) }
        let other = current == 1 ? allowed : 1
        guard other != current else { return (current, false) }
        guard let theirs = rates[other], !retryDue else { return (other, true) }
        if let mine = rates[current], theirs > mine { return (other, false) }
        return (current, false)
    }

    /// The count used longest since `start`.
    public var mainCount: Int {
        var seconds = secondsAt
        seconds[current, default: 0] += Stopwatch.now() - lastChange
        return seconds.max { $0.value < $1.value }?.key ?? current
    }

    /// What the run used, for its summary: "2", or "auto: 2 for 41 s, 1 for 3 s".
    public var summary: String {
        var seconds = secondsAt
        seconds[current, default: 0] += Stopwatch.now() - lastChange
        guard automatic else { return "\(current)" }
        let parts = seconds.sorted { $0.value > $1.value }.map { String(format: "%d for %.0f s", $0.key, $0.value) }
        return "auto: " + parts.joined(separator: ", ")
    }

    func use(_ count: Int) {
        let now = Stopwatch.now()
        secondsAt[current, default: 0] += now - lastChange
        lastChange = now
        current = count
        BLAS.threadCount = count
    }

    /// The most threads `free` cores allow.
    package func threads(free: Double) -> Int {
        max(1, min(cores.count, Int((free + 1 - freeFraction).rounded(.down))))
    }

    /// Cores no other process used since the last sample (this process's own time excluded).
    func measure() -> Double? {
        guard let previous = last, let now = sample() else { return nil }
        last = now
        let elapsed = now.time - previous.time
        guard elapsed > 0 else { return nil }
        let others = max(0, (now.busy - previous.busy) - (now.ours - previous.ours)) / elapsed
        return max(0, Double(cores.count) - others)
    }

    /// Now, the busy seconds of our cores (/proc/stat: user, nice, system, irq, softirq, steal)
    /// and this process's (/proc/self/stat: utime, stime); nil where /proc is not readable.
    func sample() -> (time: Double, busy: Double, ours: Double)? {
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard tick > 0, let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let own = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = own.lastIndex(of: ")") else { return nil }
        var busy = 0.0
        let wanted = Set(cores.map { "cpu\($0)" })
        for line in stat.split(separator: "\n") where line.hasPrefix("cpu") {
            let fields = line.split(separator: " ")
            guard wanted.contains(String(fields[0])), fields.count > 8 else { continue }
            busy += [1, 2, 3, 6, 7, 8].reduce(0.0) { $0 + (Double(fields[$1]) ?? 0) }
        }
        // After "pid (comm)": state is field 3, utime and stime are fields 14 and 15.
        let rest = own[own.index(after: close)...].split(separator: " ")
        guard rest.count > 12, let user = Double(rest[11]), let system = Double(rest[12]) else { return nil }
        return (Stopwatch.now(), busy / tick, (user + system) / tick)
    }

    /// The CPUs this process may run on, from /proc/self/status ("Cpus_allowed_list: 0-3,6").
    static func allowedCores() -> [Int]? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        return coreList(String(line.dropFirst("Cpus_allowed_list:".count)))
    }

    /// "0-3,6" as [0, 1, 2, 3, 6]; nil unless well formed.
    package static func coreList(_ text: String) -> [Int]? {
        var cores: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil, low <= high else { return nil }
            cores += Array(low...high)
        }
        return cores.isEmpty ? nil : cores
    }
}
