import Testing
@testable import ScoreKit

@Suite struct BLASTests {
    /// `--threads auto` changes the count during a run; that keeps the bytes because each product
    /// is cut into tiles fixed by its shape (`GemmTiling`), whichever thread computes them. Checked
    /// at the engine's shapes (forward, weight-gradient with k = batch, input-gradient) on whatever
    /// kernels the machine runs; by hand also with OPENBLAS_CORETYPE=Prescott and Haswell, whose
    /// own threading changed the bits.
    @Test func productsDoNotDependOnTheThreadCount() {
        var rng = RandomSource(seed: 11)
        let saved = BLAS.threadCount
        defer { BLAS.threadCount = saved }
        for (m, n, k, ta, tb) in [(512, 128, 130, false, true), (128, 130, 512, true, false), (512, 130, 128, false, false),
                                  (256, 1024, 1024, false, true), (1024, 1024, 256, true, false), (4096, 512, 512, false, true),
                                  (1000, 77, 300, true, true)] {
            let a = rng.normals(count: m * k), b = rng.normals(count: k * n)
            let products = [1, 2, 3, 4].map { threads -> [Float] in
                BLAS.threadCount = threads
                var c = [Float](repeating: 0, count: m * n)
                BLAS.gemm(m: m, n: n, k: k, a, transposeA: ta, b, transposeB: tb, &c)
                return c
            }
            #expect(products.allSatisfy { $0 == products[0] }, "m \(m) n \(n) k \(k): the bits differ between 1, 2, 3 and 4 threads")
        }
    }

    /// Products from several threads at once (the test runner's, a library user's): each gets the
    /// bits it gets alone, whether it had the tile workers or computed its tiles itself.
    @Test func concurrentProductsGiveTheirOwnBits() async {
        var rng = RandomSource(seed: 12)
        let (m, n, k) = (700, 300, 200)
        let a = rng.normals(count: m * k), b = rng.normals(count: k * n)
        let saved = BLAS.threadCount
        defer { BLAS.threadCount = saved }
        BLAS.threadCount = 2
        func product() -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            BLAS.gemm(m: m, n: n, k: k, a, transposeA: false, b, transposeB: false, &c)
            return c
        }
        let alone = product()
        let together = await withTaskGroup(of: [Float].self) { group in
            for _ in 0..<6 { group.addTask { (0..<5).map { _ in product() }.last! } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(together.allSatisfy { $0 == alone })
    }

    /// The tiles cover C's longer side exactly, in order, on aligned edges; their count is a power
    /// of two that depends on the shape only, two as soon as a product is worth two threads.
    @Test func tilesCoverTheProductAtFixedPlaces() {
        for (m, n, k) in [(1, 1, 1), (512, 128, 128), (128, 128, 512), (130, 512, 128), (4096, 512, 512), (10_000, 128, 128),
                          (33, 2, 100_000), (256, 1024, 1024), (1 << 20, 1 << 20, 1 << 20)] {
            let tiling = GemmTiling(m: m, n: n, k: k)
            #expect(tiling == GemmTiling(m: m, n: n, k: k))
            #expect(tiling.count >= 1 && tiling.count & (tiling.count - 1) == 0, "\(m) x \(n) x \(k): \(tiling.count) tiles")
            let bands = (0..<tiling.count).map(tiling.band)
            #expect(bands.first?.lowerBound == 0 && bands.last?.upperBound == max(m, n))
            #expect(zip(bands, bands.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
            #expect(bands.dropFirst().allSatisfy { $0.lowerBound % GemmTiling.alignment == 0 })
            #expect(tiling.byRows == (m >= n))
        }
        #expect(GemmTiling(m: 64, n: 64, k: 64).count == 1)
        #expect(GemmTiling(m: 128, n: 128, k: 512).count == 2)
        #expect(GemmTiling(m: 512, n: 512, k: 4096).count == 2)
        #expect(GemmTiling(m: 4096, n: 512, k: 512).count == 8)
        #expect(GemmTiling(m: 1 << 20, n: 1 << 20, k: 1 << 20).count == GemmTiling.mostTiles)
    }

    @Test func productCheckPassesOnTheRunningKernels() {
        #expect(ProductCheck.run() == nil)
        #expect(ProductCheck.agrees(1.0, 1.0, k: 1))
        #expect(!ProductCheck.agrees(1.001, 1.0, k: 10))
        #expect(!ProductCheck.agrees(.nan, 1.0, k: 10))
        #expect(!ProductCheck.agrees(.infinity, 1.0, k: 10))
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func gemmMatchesNaiveLoop(transposes: (Bool, Bool)) {
        var rng = RandomSource(seed: 7)
        // The last two are cut into tiles: two bands of rows, then two of columns.
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 2, 129), (64, 33, 3), (5, 1, 40), (700, 48, 130), (40, 700, 150)] {
            let a = rng.normals(count: m * k), b = rng.normals(count: k * n), c0 = rng.normals(count: m * n)
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                var c = c0
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    BLAS.gemm(m: m, n: n, k: k, alpha: alpha, ap.baseAddress!, transposeA: transposes.0,
                              bp.baseAddress!, transposeB: transposes.1, beta: beta, cp.baseAddress!)
                } } }
                let want = ProductCheck.reference(m: m, n: n, k: k, alpha: alpha, a: a, transposeA: transposes.0,
                                                  b: b, transposeB: transposes.1, beta: beta, c: c0)
                for i in 0..<(m * n) {
                    // Float32 accumulation of k terms of size ~1: error grows like sqrt(k) ulp.
                    #expect(isClose(Double(c[i]), want[i], rel: 1e-5, abs: 1e-5 * Double(k)), "m\(m) n\(n) k\(k) [\(i)]")
                }
            }
        }
    }

    @Test func betaZeroIgnoresNaNInOutput() {
        let a: [Float] = [1, 2], b: [Float] = [3, 4]
        var c: [Float] = [.nan]
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            BLAS.gemm(m: 1, n: 1, k: 2, ap.baseAddress!, transposeA: false, bp.baseAddress!, transposeB: false, cp.baseAddress!)
        } } }
        #expect(c[0] == 11)
    }
}

/// The loops between a network's products run in parts fixed by their size on the product threads.
@Suite struct ParallelTests {
    /// Every index once, in the parts `Parallel.parts` names, at any thread count; and a product
    /// inside a part (which runs on the part's thread) gives the bits it gives alone.
    @Test func partsCoverTheLoopOnceWhateverTheThreads() {
        let saved = BLAS.threadCount
        defer { BLAS.threadCount = saved }
        for (count, grain) in [(0, 4), (1, 4), (7, 4), (8, 4), (100, 1), (1 << 16, 1 << 10), (33, 0)] {
            let parts = Parallel.parts(count, grain: grain)
            #expect(parts.first?.lowerBound ?? 0 == 0 && parts.last?.upperBound ?? 0 == count)
            #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
            #expect(parts.count <= max(1, count / max(grain, 1)) && parts.count <= 16, "\(count) by \(grain): \(parts.count) parts")
            for threads in [1, 2, 3] {
                BLAS.threadCount = threads
                let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
                let starts = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
                defer { seen.deallocate(); starts.deallocate() }
                seen.initialize(repeating: 0)
                starts.initialize(repeating: -1)
                Parallel.forEachRange(count, grain: grain) { range in
                    for i in range { seen[i] += 1; starts[i] = range.lowerBound }
                }
                #expect(seen.prefix(count).allSatisfy { $0 == 1 }, "\(count) by \(grain), \(threads) threads: an index missed or repeated")
                #expect(parts.allSatisfy { part in part.allSatisfy { starts[$0] == part.lowerBound } },
                        "\(count) by \(grain), \(threads) threads: other parts than Parallel.parts")
            }
        }
        // Eight 600 x 300 x 200 products, one per part, against each alone on one thread.
        var rng = RandomSource(seed: 13)
        let (m, n, k) = (600, 300, 200)
        let a = rng.normals(count: 8 * m * k), b = rng.normals(count: k * n)
        BLAS.threadCount = 1
        let alone = (0..<8).map { i in
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { BLAS.gemm(m: m, n: n, k: k, $0.baseAddress! + i * m * k, transposeA: false, b, transposeB: false, &c) }
            return c
        }
        BLAS.threadCount = 2
        let together = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8 * m * n)
        defer { together.deallocate() }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                Parallel.forEachRange(8, grain: 1) { range in
                    for i in range {
                        BLAS.gemm(m: m, n: n, k: k, a.baseAddress! + i * m * k, transposeA: false, b.baseAddress!, transposeB: false,
                                  together.baseAddress! + i * m * n)
                    }
                }
            }
        }
        #expect((0..<8).allSatisfy { Array(together[($0 * m * n)..<(($0 + 1) * m * n)]) == alone[$0] })
    }
}
