import CMPI
import Foundation
import ScoreKit

/// The processes that share one run: every process `mpirun` started (`world`), or this process
/// alone (`single`). The only file that calls MPI; `ScoreTrainer` takes it as its `GradientReducer`.
///
/// A process not started by an MPI launcher never initialises MPI, so every tool runs as before
/// without one. Under `mpirun -np N` each process has a `rank` in 0..<N; rank 0 is the leader,
/// which alone writes files and prints. The collective operations below must be called by every
/// rank in the same order (MPI's rule); with one process they return at once.
///
/// Sums are MPI's: with N ranks the order of the additions is the library's, so a sum over N
/// shards equals the one-process sum to rounding, not bit for bit. Every rank receives the same
/// bits, so ranks that apply the same update stay identical (`agree(on:)` checks it).
public final class ProcessGroup: GradientReducer, @unchecked Sendable {
    /// This process's index, 0..<size.
    public let rank: Int
    /// How many processes share the run.
    public let size: Int
    /// Whether MPI was initialised (and so must be finalised).
    let usesMPI: Bool
    private var finished = false

    private init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
    }

    /// This process alone.
    public static let single = ProcessGroup(rank: 0, size: 1, usesMPI: false)

    /// Every process of the launch: initialises MPI on first use when an MPI launcher started
    /// this process, else `single`.
    public static let world: ProcessGroup = {
        guard launchedByMPI else { return single }
        var provided: Int32 = 0
        // Only the main thread calls MPI; OpenBLAS's threads never do.
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(sk_mpi_world(), &rank)
        MPI_Comm_size(sk_mpi_world(), &size)
        return ProcessGroup(rank: Int(rank), size: Int(size), usesMPI: true)
    }()

    /// The environment variables by which Open MPI, PMIx and PMI launchers tell a process its rank.
    static let rankVariables = ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"]

    /// Whether an MPI launcher started this process (read from the environment, without MPI).
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return rankVariables.contains { environment[$0] != nil }
    }

    /// This process's rank as its launcher set it, without initialising MPI (0 when not launched
    /// by one): lets printing stay on rank 0 in tools that never join the group.
    public static let launchRank: Int = {
        let environment = ProcessInfo.processInfo.environment
        return rankVariables.lazy.compactMap { environment[$0].flatMap { Int($0) } }.first ?? 0
    }()

    /// How many processes the launcher started, without initialising MPI (1 when not launched by one).
    public static let launchSize: Int = {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"].lazy.compactMap { environment[$0].flatMap { Int($0) } }.first ?? 1
    }()

    /// Replaces `buffer` on every rank by its sum over the ranks.
    public func sum(_ buffer: FloatBuffer) {
        guard size > 1 else { return }
        MPI_Allreduce(sk_mpi_in_place(), buffer.pointer, Int32(buffer.count), sk_mpi_float(), sk_mpi_sum(), sk_mpi_world())
    }

    /// The sum of `value` over the ranks, on every rank.
    public func sum(_ value: Double) -> Double {
        guard size > 1 else { return value }
        var input = value, output = 0.0
        MPI_Allreduce(&input, &output, 1, sk_mpi_double(), sk_mpi_sum(), sk_mpi_world())
        return output
    }

    /// The largest `value` over the ranks, on every rank (the slowest rank's time, say).
    public func maximum(_ value: Double) -> Double {
        guard size > 1 else { return value }
        var input = value, output = 0.0
        MPI_Allreduce(&input, &output, 1, sk_mpi_double(), sk_mpi_max(), sk_mpi_world())
        return output
    }

    /// Whether every rank holds the same `value` (a checksum of state that must not drift apart).
    public func agree(on value: UInt64) -> Bool {
        guard size > 1 else { return true }
        var input = value, low: UInt64 = 0, high: UInt64 = 0
        MPI_Allreduce(&input, &low, 1, sk_mpi_uint64(), sk_mpi_min(), sk_mpi_world())
        MPI_Allreduce(&input, &high, 1, sk_mpi_uint64(), sk_mpi_max(), sk_mpi_world())
        return low == high
    }

    /// Copies rank `root`'s `buffer` into every rank's.
    public func broadcast(_ buffer: FloatBuffer, from root: Int = 0) {
        guard size > 1 else { return }
        MPI_Bcast(buffer.pointer, Int32(buffer.count), sk_mpi_float(), Int32(root), sk_mpi_world())
    }

    /// Every rank's `bytes`, in rank order, on every rank. Throws when the total exceeds what one
    /// MPI call can count (2^31 - 1 bytes).
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard size > 1 else { return [bytes] }
        guard bytes.count <= Int(Int32.max) else { throw GatherTooLarge(bytes: bytes.count) }
        var count = Int32(bytes.count)
        var counts = [Int32](repeating: 0, count: size)
        MPI_Allgather(&count, 1, sk_mpi_int(), &counts, 1, sk_mpi_int(), sk_mpi_world())
        let total = counts.reduce(0) { $0 + Int($1) }
        guard total <= Int(Int32.max) else { throw GatherTooLarge(bytes: total) }
        var offsets = [Int32](repeating: 0, count: size)
        for r in 1..<size { offsets[r] = offsets[r - 1] + counts[r - 1] }
        var all = [UInt8](repeating: 0, count: max(total, 1))
        bytes.withUnsafeBytes { mine in
            _ = MPI_Allgatherv(mine.baseAddress, count, sk_mpi_byte(), &all, counts, offsets, sk_mpi_byte(), sk_mpi_world())
        }
        return (0..<size).map { Array(all[Int(offsets[$0])..<Int(offsets[$0] + counts[$0])]) }
    }

    /// Waits until every rank has arrived.
    public func barrier() {
        guard size > 1 else { return }
        MPI_Barrier(sk_mpi_world())
    }

    /// Ends this process's part in the group after a successful run (MPI_Finalize, once). A
    /// process that exits on an error skips it: the launcher then stops the other ranks.
    public func finish() {
        guard usesMPI, !finished else { return }
        finished = true
        MPI_Finalize()
    }

    /// What `allGather` refuses.
    public struct GatherTooLarge: Error, CustomStringConvertible {
        public let bytes: Int
        public var description: String { "gathering \(bytes) bytes over MPI: more than one call can carry (2^31 - 1)" }
    }
}
