import Testing
import ScoreKitCLI

/// `--threads auto`: parsing, the cores the load allows, and the choice between 1 thread and
/// the free cores from measured rates.
@Suite struct ThreadGovernorTests {
    @Test func theOptionReadsACountOrAuto() {
        #expect(ThreadCount(argument: "auto") == .automatic)
        #expect(ThreadCount(argument: "3") == .fixed(3))
        for bad in ["0", "-1", "two", "", "2.5"] { #expect(ThreadCount(argument: bad) == nil, "'\(bad)' accepted") }
    }

    @Test func theAllowedCoreListIsParsed() {
        #expect(ThreadGovernor.coreList(" 0-3,6") == [0, 1, 2, 3, 6])
        #expect(ThreadGovernor.coreList("5") == [5])
        for bad in ["", "3-1", "a", "1-b"] { #expect(ThreadGovernor.coreList(bad) == nil, "'\(bad)' accepted") }
    }

    @Test func aCoreCountsAsFreeWhenThreeQuartersIdle() {
        let governor = ThreadGovernor()
        governor.cores = [0, 1]
        #expect([2.0, 1.8, 1.75, 1.7, 1.0, 0.2, 0].map(governor.threads(free:)) == [2, 2, 2, 1, 1, 1, 1])
        governor.cores = [0, 1, 2, 3]
        #expect(governor.threads(free: 3.5) == 3 && governor.threads(free: 9) == 4)
    }

    @Test func theFasterCountIsKeptAndTheOtherRetriedWhenDue() {
        func next(_ current: Int, _ allowed: Int, _ rates: [Int: Double], due: Bool = false) -> Int {
            ThreadGovernor.nextCount(current: current, allowed: allowed, rates: rates, retryDue: due).count
        }
        #expect(next(1, 2, [1: 100]) == 2, "the other count is tried once before any comparison")
        #expect(ThreadGovernor.nextCount(current: 1, allowed: 2, rates: [1: 100], retryDue: false).retrying)
        #expect(next(2, 2, [1: 100, 2: 50]) == 1, "back to the faster")
        #expect(next(1, 2, [1: 100, 2: 50]) == 1, "stays on the faster")
        #expect(next(1, 2, [1: 50, 2: 100]) == 2)
        #expect(next(1, 2, [1: 100, 2: 50], due: true) == 2, "the slower is re-tried when due")
        #expect(next(2, 1, [1: 10, 2: 100]) == 1, "never more threads than free cores, however fast")
        #expect(next(1, 1, [:], due: true) == 1, "nothing to try on one free core")
        #expect(next(1, 4, [1: 10, 4: 30]) == 4 && next(4, 4, [1: 10, 4: 30]) == 4)
    }
}
