import Foundation
import Synchronization

/// Work cut into tiles fixed by its size alone, each tile writing outputs of its own: any number
/// of threads, taking the tiles in any order, gives the same bytes.
protocol TiledWork {
    var tileCount: Int { get }
    func compute(_ index: Int)
}

/// The threads that share a job's tiles with the caller: a product's (`BLAS.gemm`), or a loop's
/// parts (`Parallel`).
///
/// A training step runs a product every few tens of microseconds, and waking a sleeping thread
/// (as `DispatchQueue.concurrentPerform` does) costs about as much as a small product. So, as
/// OpenBLAS's own threads do, a worker spins for a while after its last tile
/// (`spinSeconds`) and only then sleeps. One product at a time uses the workers; a caller that
/// finds them busy (another thread's product) computes all its tiles itself, with the same bits.
final class TileWorkers: @unchecked Sendable {
    static let shared = TileWorkers()

    /// How long an idle worker keeps checking for work before it sleeps.
    static let spinSeconds = 0.002

    /// The job's generation (bumped to publish one) times 256, plus how many workers it wants:
    /// one word, so that a worker reads both together.
    private let state = Atomic<Int>(0)
    private let nextTile = Atomic<Int>(0)
    /// Workers still inside the current job; the caller returns only once it is 0.
    private let busy = Atomic<Int>(0)
    private let inUse = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let wake = NSCondition()
    /// The current job, written before `state` publishes it and read by its helpers only.
    private var job: (any TiledWork)?

    /// A job as the helpers see it: the caller's work, borrowed for the length of `run`. One word,
    /// so that storing it in `job` allocates nothing (the work itself, stored there, would be boxed
    /// on the heap at every product).
    private struct Borrowed<Work: TiledWork>: TiledWork {
        let work: UnsafePointer<Work>
        var tileCount: Int { work.pointee.tileCount }
        func compute(_ index: Int) { work.pointee.compute(index) }
    }
    /// Workers started so far; only the caller holding `inUse` starts more.
    private var workers = 0

    /// The most workers a job can ask for (the low byte of `state`).
    static let mostWorkers = 255

    /// Computes `work`'s tiles on the caller and up to `threads - 1` workers. Work started inside
    /// a tile (a product inside a loop's part) finds the workers busy and runs on its thread.
    func run(_ work: some TiledWork, threads: Int) {
        let tiles = work.tileCount
        let helpers = min(threads, tiles, Self.mostWorkers + 1) - 1
        guard helpers > 0, inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for index in 0..<tiles { work.compute(index) }
            return
        }
        startWorkers(helpers)
        withUnsafePointer(to: work) { work in
            job = Borrowed(work: work)
            nextTile.store(0, ordering: .relaxed)
            busy.store(helpers, ordering: .relaxed)
            let generation = (state.load(ordering: .relaxed) >> 8) + 1
            state.store(generation << 8 | helpers, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wake.lock()
                wake.broadcast()
                wake.unlock()
            }
            take(work.pointee)
            while busy.load(ordering: .acquiring) > 0 {}
            job = nil
        }
        inUse.store(false, ordering: .releasing)
    }

    /// A helper's share of the current job. Its reference to the job ends on return, before the
    /// helper says it is done: a loop's job holds the caller's closure, which must not outlive the call.
    private func takeCurrentJob() {
        guard let job else { return }
        take(job)
    }

    /// Claims and computes tiles until none are left.
    private func take(_ work: some TiledWork) {
        while true {
            let index = nextTile.add(1, ordering: .relaxed).oldValue
            guard index < work.tileCount else { return }
            work.compute(index)
        }
    }

    private func startWorkers(_ count: Int) {
        // The state before this job is published: a new worker must see the job as new.
        let before = state.load(ordering: .acquiring)
        while workers < count {
            let number = workers
            let thread = Thread { [self] in work(number, seen: before) }
            thread.name = "ScoreKit BLAS \(number + 1)"
            thread.start()
            workers += 1
        }
    }

    /// Worker `number`'s loop: wait for a new job, join it if the job wants this many helpers.
    /// A job cannot end, nor the next begin, before its helpers have left it, so a helper always
    /// reads the job it was counted in; the others never read `job`.
    private func work(_ number: Int, seen before: Int) {
        var seen = before
        while true {
            let spinUntil = Date.timeIntervalSinceReferenceDate + Self.spinSeconds
            var spins = 0
            while state.load(ordering: .acquiring) == seen {
                spins += 1
                guard spins & 255 != 0 || Date.timeIntervalSinceReferenceDate < spinUntil else {
                    sleep(whileStateIs: seen)
                    break
                }
            }
            seen = state.load(ordering: .acquiring)
            guard number < seen & Self.mostWorkers else { continue }
            takeCurrentJob()
            busy.subtract(1, ordering: .releasing)
        }
    }

    private func sleep(whileStateIs seen: Int) {
        wake.lock()
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while state.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        wake.unlock()
    }
}
