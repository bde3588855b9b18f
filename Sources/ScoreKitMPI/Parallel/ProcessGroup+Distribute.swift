import Foundation
import ScoreKit

extension ProcessGroup {
    /// Runs `work(i)` for the items i in 0..<count and returns every item's result in item order
    /// on every rank. Results travel as `ExactJSON`, which keeps every Float and Double bit for
    /// bit, so a report built from them equals a one-process run's.
    ///
    /// `cost` estimates each item's work in any unit: the items go to ranks costliest first, each
    /// to the rank with the least work so far (`assignment`), so that unequal items end close
    /// together; `leaderLoad` is work rank 0 does besides, in the same unit. Equal costs and no
    /// leader load deal the items round robin, item i to rank i % size.
    ///
    /// Whatever randomness item i uses must be fixed before the call (a generator per item), so
    /// that which rank runs it does not change it.
    public func distribute<Result: Codable>(_ count: Int, cost: (Int) -> Double = { _ in 1 }, leaderLoad: Double = 0,
                                            _ work: (Int) throws -> Result) throws -> [Result] {
        let owners = Self.assignment(count, ranks: size, cost: cost, leaderLoad: leaderLoad)
        let mine = try (0..<count).filter { owners[$0] == rank }.map { try work($0) }
        guard size > 1 else { return mine }
        let gathered = try allGather(Array(try ExactJSON.encode(mine))).map { try ExactJSON.decode([Result].self, from: Data($0)) }
        return Self.inItemOrder(gathered, owners: owners)
    }

    /// Every rank's results (each in item order) put back in item order: item i is the next
    /// unread result of rank `owners[i]`.
    public static func inItemOrder<Result>(_ gathered: [[Result]], owners: [Int]) -> [Result] {
        var taken = [Int](repeating: 0, count: gathered.count)
        return owners.indices.map { item in
            let owner = owners[item]
            defer { taken[owner] += 1 }
            return gathered[owner][taken[owner]]
        }
    }

    /// The rank of each of `count` items: longest processing time first (Graham's rule, within
    /// 4/3 of the best split), rank 0 starting at `leaderLoad`; ties in cost go by item order and
    /// in load to the lower rank.
    public static func assignment(_ count: Int, ranks: Int, cost: (Int) -> Double, leaderLoad: Double = 0) -> [Int] {
        let costs = (0..<count).map(cost)
        var load = [Double](repeating: 0, count: ranks), owners = [Int](repeating: 0, count: count)
        load[0] = leaderLoad
        for item in (0..<count).sorted(by: { costs[$0] > costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }) {
            let rank = load.indices.min { load[$0] < load[$1] }!
            owners[item] = rank
            load[rank] += costs[item]
        }
        return owners
    }
}
