/// Where a product C = op(A) op(B) (C is m x n, the inner size k) is cut into tiles that
/// single-threaded OpenBLAS computes one at a time: bands of C's rows or of its columns, whichever
/// side is longer, at places fixed by (m, n, k) alone.
///
/// Why: how OpenBLAS sums an entry (which micro-kernel, which edge path) depends on where its
/// block boundaries fall, and with its own threading they fall where the thread count puts them.
/// On some kernels (Prescott, Haswell) that changed the last bits with the thread count. Tiles
/// fixed by the shape sum every entry the same way whichever thread computes its tile, so any
/// number of threads gives the same bytes on every kernel type.
///
/// The price: each tile packs the whole of the operand it shares with the others again (op(B)
/// for row bands), which costs most where k is long and that operand leaves the cache. Hence two
/// tiles as soon as a product is worth two threads, and more only while every band keeps at least
/// `minimumEdge` rows or columns.
struct GemmTiling: Equatable {
    /// Multiply-adds a tile holds at least: tens of microseconds on one core, well above the cost
    /// of handing it to another thread (`TileWorkers`).
    static let minimumWork = 1 << 21
    /// Bands beyond two keep at least this many rows or columns each.
    static let minimumEdge = 512
    static let mostTiles = 64
    /// Band edges fall on multiples of the widest kernels' 16-float unroll.
    static let alignment = 16

    /// True: tiles are bands of C's rows; false: bands of its columns.
    let byRows: Bool
    let length: Int
    let count: Int

    init(m: Int, n: Int, k: Int) {
        byRows = m >= n
        length = max(m, n)
        let (rowsByColumns, overflowed) = m.multipliedReportingOverflow(by: n)
        let (product, overflowedAgain) = rowsByColumns.multipliedReportingOverflow(by: k)
        let multiplyAdds = overflowed || overflowedAgain ? Int.max : product
        let most = min(Self.mostTiles, multiplyAdds / Self.minimumWork, length / Self.alignment)
        var tiles = most >= 2 ? 2 : 1
        while tiles * 2 <= most && length / (tiles * 2) >= Self.minimumEdge { tiles *= 2 }
        count = tiles
    }

    /// Tile `index`'s band of C's rows (by rows) or columns: edges on multiples of `alignment`,
    /// the last band to the end.
    func band(_ index: Int) -> Range<Int> {
        func edge(_ i: Int) -> Int { i == count ? length : (i * (length / count)) / Self.alignment * Self.alignment }
        return edge(index)..<edge(index + 1)
    }
}
