import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitMPI

/// The all-reduce of data-parallel training alone: one sum over the ranks of a training
/// workload's gradients (4 bytes per parameter), timed under mpirun. Every rank runs the same
/// fixed number of calls (a collective cannot be timed by a per-rank clock that decides when to
/// stop); rank 0 reports the slowest rank's time per call.
enum AllReduceTimer {
    static func report(_ workloads: [Workload], calls: Int) {
        let group = ProcessGroup.world
        guard group.size > 1 else {
            printNow("--all-reduce: one process; start bench under mpirun -np N to time the sum over N ranks")
            return
        }
        printNow("all-reduce over \(group.size) ranks, \(calls) calls each (a ring moves 2(N - 1)/N of the buffer per rank)")
        printNow("workload      parameters        MB   ms / all-reduce   GB/s per rank (ring volume)")
        for workload in workloads where !workload.isSampler {
            let count = workload.configuration.parameterCount, buffer = FloatBuffer(count: count)
            for _ in 0..<3 { group.sum(buffer) }
            group.barrier()
            let start = Stopwatch.now()
            for _ in 0..<calls { group.sum(buffer) }
            let seconds = group.maximum(Stopwatch.now() - start) / Double(calls)
            let bytes = 4.0 * Double(count), moved = 2 * Double(group.size - 1) / Double(group.size) * bytes
            printNow(workload.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                     + String(format: "%12d %9.2f %17.3f %15.2f", count, bytes / 1e6, 1e3 * seconds, moved / seconds / 1e9))
        }
    }
}
