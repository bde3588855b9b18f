import Foundation
import Synchronization

/// The threads that share a product's tiles with the caller (`BLAS.gemm`).
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
    private var job: BLAS.TiledProduct?
    /// Workers started so far; only the caller holding `inUse` starts more.
    private var workers = 0

    /// The most workers a job can ask for (the low byte of `state`).
    static let mostWorkers = 255

    /// Computes `product`'s tiles on the caller and up to `threads - 1` workers.
    func run(_ product: BLAS.TiledProduct, threads: Int) {
        let tiles = product.tiling.count
        let helpers = min(threads, tiles, Self.mostWorkers + 1) - 1
        guard helpers > 0, inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for index in 0..<tiles { product.compute(index) }
            return
        }
        startWorkers(helpers)
        job = product
        nextTile.store(0, ordering: .relaxed)
        busy.store(helpers, ordering: .relaxed)
        let generation = (state.load(ordering: .relaxed) >> 8) + 1
        state.store(generation << 8 | helpers, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            wake.lock()
            wake.broadcast()
            wake.unlock()
        }
        take(product)
        while busy.load(ordering: .acquiring) > 0 {}
        inUse.store(false, ordering: .releasing)
    }

    /// Claims and computes tiles until none are left.
    private func take(_ product: BLAS.TiledProduct) {
        while true {
            let index = nextTile.add(1, ordering: .relaxed).oldValue
            guard index < product.tiling.count else { return }
            product.compute(index)
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
            guard number < seen & Self.mostWorkers, let job else { continue }
            take(job)
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
