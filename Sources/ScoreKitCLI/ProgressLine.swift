import Foundation
import ScoreKit
import ScoreKitMPI

/// A progress report on standard error: one line rewritten in place on a terminal (at most
/// every 0.2 s), or a plain line per tenth of the work when standard error is a file or pipe.
/// Under MPI only rank 0 reports.
public final class ProgressLine {
    let label: String
    var total: Int
    /// The units done before this line started (a resumed run's steps): not counted in the rate.
    let first: Int
    let start = Date()
    let interactive = isatty(STDERR_FILENO) != 0
    var lastDraw = Date.distantPast
    var lastTenth = -1

    public init(_ label: String, total: Int, from first: Int = 0) {
        self.label = label
        self.total = max(total, 1)
        self.first = first
        ThreadGovernor.shared.newWork()
    }

    /// Reports `done` units of work out of a total learnt only as the work goes (an adaptive solver's).
    public func update(_ done: Int, of total: Int) {
        self.total = max(total, 1)
        update(done)
    }

    /// Reports `done` units of work; `detail` is appended (e.g. the current loss). Long work
    /// reports here between its units, so this is also where `--threads auto` follows the load.
    /// Nothing is formatted unless a line is drawn: a training loop calls this every step and
    /// allocates nothing for it.
    public func update(_ done: Int, detail: @autoclosure () -> String = "") {
        ThreadGovernor.shared.tick()
        guard ProcessGroup.launchRank == 0 else { return }
        if interactive {
            guard done == total || Date().timeIntervalSince(lastDraw) >= 0.2 else { return }
            lastDraw = Date()
        } else {
            let tenth = done * 10 / total
            guard tenth > lastTenth else { return }
            lastTenth = tenth
        }
        let (rate, left) = Self.estimate(done: done, first: first, total: total, seconds: Date().timeIntervalSince(start))
        let shown = detail()
        let text = "\(label) \(done)/\(total)\(shown.isEmpty ? "" : "  \(shown)")  \(Self.rate(rate))/s  \(Self.duration(left)) left"
        let line = interactive ? "\r\u{1B}[K" + text + (done == total ? "\n" : "") : text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Units per second since the line started, and the seconds left at that rate.
    package static func estimate(done: Int, first: Int, total: Int, seconds: Double) -> (rate: Double, left: Double) {
        let rate = Double(done - first) / max(seconds, 1e-9)
        return (rate, Double(total - done) / max(rate, 1e-9))
    }

    /// Three significant figures or so: a U-Net's 0.52 steps/s must not print as 1 (or 0).
    package static func rate(_ r: Double) -> String {
        r >= 1e6 ? String(format: "%.2fM", r / 1e6) : r >= 1e4 ? String(format: "%.1fk", r / 1e3)
            : r >= 100 ? String(format: "%.0f", r) : r >= 10 ? String(format: "%.1f", r) : String(format: "%.2f", r)
    }

    package static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        return seconds >= 90 ? String(format: "%.0fm%02.0fs", (seconds / 60).rounded(.down), seconds.truncatingRemainder(dividingBy: 60))
                             : String(format: "%.0fs", seconds)
    }
}

/// Writes a line to standard output unbuffered, so it lands in order with the progress on
/// standard error even when both go to the same file. The tools print only through this, and
/// under MPI only rank 0 prints (the ranks would repeat each other).
public func printNow(_ text: String) {
    guard ProcessGroup.launchRank == 0 else { return }
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
