import Foundation
import ScoreKit

extension ProcessGroup {
    /// Runs `work(i)` for the items i in 0..<count, item i on rank i % size, and returns every
    /// item's result in item order on every rank. Results travel as `ExactJSON`, which keeps every
    /// Float and Double bit for bit, so a report built from them equals a one-process run's.
    ///
    /// Whatever randomness item i uses must be fixed before the call (a generator per item), so
    /// that which rank runs it does not change it.
    public func distribute<Result: Codable>(_ count: Int, _ work: (Int) throws -> Result) throws -> [Result] {
        let mine = try stride(from: rank, to: count, by: size).map { try work($0) }
        guard size > 1 else { return mine }
        let gathered = try allGather(Array(try ExactJSON.encode(mine))).map { try ExactJSON.decode([Result].self, from: Data($0)) }
        return (0..<count).map { gathered[$0 % size][$0 / size] }
    }
}
