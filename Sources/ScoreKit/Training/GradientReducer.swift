/// The processes that share a training run's batches, as the trainer sees them: each rank runs
/// the network on its `shard(of:)` of the rows, and `sum` turns the shards' losses and gradients
/// into the batch's on every rank. `OneProcess` is the default; the ScoreKitMPI product's
/// `ProcessGroup` spreads a run over the processes `mpirun` starts, and any other transport can
/// conform.
///
/// Every call is collective: every rank makes the same calls in the same order. Every rank must
/// receive the same bits from `sum`, so that ranks taking the same optimiser step stay identical.
public protocol GradientReducer: Sendable {
    /// This process's index, 0..<size.
    var rank: Int { get }
    /// How many processes share the run.
    var size: Int { get }
    /// Replaces `buffer` on every rank by its sum over the ranks.
    func sum(_ buffer: FloatBuffer)
    /// The sum of `value` over the ranks, on every rank.
    func sum(_ value: Double) -> Double
    /// Copies rank `root`'s `buffer` into every rank's.
    func broadcast(_ buffer: FloatBuffer, from root: Int)
    /// Whether every rank holds the same `value` (a checksum of state that must not drift apart).
    func agree(on value: UInt64) -> Bool
}

extension GradientReducer {
    /// This rank's contiguous share of `count` items: the first `count % size` ranks take one
    /// more. The shares of all ranks, in rank order, are 0..<count.
    public func shard(of count: Int) -> Range<Int> {
        let base = count / size, extra = count % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// Rank 0: the one that writes files and prints.
    public var isLeader: Bool { rank == 0 }
}

/// This process alone: every sum is its argument, and nothing is sent.
public struct OneProcess: GradientReducer {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ buffer: FloatBuffer) {}
    public func sum(_ value: Double) -> Double { value }
    public func broadcast(_ buffer: FloatBuffer, from root: Int) {}
    public func agree(on value: UInt64) -> Bool { true }
}
