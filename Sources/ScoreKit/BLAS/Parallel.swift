/// Loops run on the product threads (`TileWorkers`, `BLAS.threadCount` of them) in parts fixed by
/// the loop's size alone, each part writing outputs of its own (a product inside a part runs on
/// the part's thread, with the bits it has anywhere): the bytes do not depend on the thread count.
/// For the work between a network's products (im2col, Winograd's tiles, normalisation, additions,
/// attention's per-image products), which would otherwise leave the other threads waiting.
package enum Parallel {
    /// Parts a loop is cut into at most: enough for the threads to even out uneven parts.
    static let mostParts = 16

    /// The ranges `forEachRange` cuts 0 ..< count into: consecutive, covering it, each at least
    /// `grain` long (but when the whole is shorter), at most `mostParts`.
    package static func parts(_ count: Int, grain: Int) -> [Range<Int>] {
        let parts = partCount(count, grain: grain)
        return (0..<parts).map { part($0, of: parts, count: count) }
    }

    /// Calls `body` on each of `parts(count, grain:)`, possibly at once on several threads;
    /// returns when all are done.
    package static func forEachRange(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let parts = partCount(count, grain: grain)
        // On one thread the parts run here, in order: the same bits, and no call of
        // withoutActuallyEscaping, which allocates (its check that the closure did not escape).
        guard parts > 1 && BLAS.threadCount > 1 else {
            for index in 0..<parts { body(part(index, of: parts, count: count)) }
            return
        }
        withoutActuallyEscaping(body) { body in
            TileWorkers.shared.run(Parts(count: count, parts: parts, body: body), threads: BLAS.threadCount)
        }
    }

    private static func partCount(_ count: Int, grain: Int) -> Int {
        count > 0 ? max(1, min(mostParts, count / max(grain, 1))) : 0
    }

    /// Part `index` of `parts` equal parts (to one element) of 0 ..< count.
    private static func part(_ index: Int, of parts: Int, count: Int) -> Range<Int> {
        index * count / parts ..< (index + 1) * count / parts
    }

    /// Elements an elementwise part handles at least: about 20 microseconds of copying, well above
    /// the cost of handing a part to another thread.
    package static let elementGrain = 1 << 15

    private struct Parts: TiledWork, @unchecked Sendable {
        let count, parts: Int
        let body: (Range<Int>) -> Void
        var tileCount: Int { parts }
        func compute(_ index: Int) { body(Parallel.part(index, of: parts, count: count)) }
    }
}
