/// A training objective as a loss head: it turns a batch of clean data into what the network
/// reads, and the network's output into a loss and dL/d(output). It never runs the network: the
/// `ObjectiveEvaluator` (and `ScoreTrainer` through it) runs the forward and backward passes of
/// any `ScoreNetwork` between `prepare` and `loss`. `DenoisingScoreMatching`,
/// `CorruptionDenoisingScoreMatching`, `HyvarinenScoreMatching` and `BlurRestoration` conform, and so
/// can an objective outside this package: everything it touches is public.
///
/// Both calls get the whole batch of B clean rows and the range of rows this process computes.
/// `prepare` makes the draws of all B rows, so every rank of a data-parallel run follows the same
/// random stream, and writes only the range's rows, as rows 0..<n of the network batch; `loss`
/// normalises by B, so the shares of disjoint ranges covering the batch sum to the batch's loss
/// and gradient (to rounding), which `ScoreTrainer` over several ranks relies on.
public protocol ScoreObjective: AnyObject {
    /// A short name for reports ("dsm", "ssm", ...).
    var name: String { get }
    /// Directions per row the network must push forward (0 for DSM).
    var tangentCount: Int { get }
    /// Makes room for batches of up to `rows` clean rows, so that later calls allocate nothing.
    func reserve(rows: Int)
    /// Draws this step's randomness for every row of `clean` ([B, d]) from `rng` and writes the
    /// network input of `rows` into `batch` (its `rows` set to their count): points, sigma, time,
    /// output scale and, with tangents, directions. A batch larger than reserved grows the scratch.
    func prepare(_ clean: Matrix, rows: Range<Int>, into batch: NetworkBatch, rng: inout RandomSource)
    /// After the network's forward pass over `batch`: the share of `rows` in the loss on `clean`,
    /// in Double (NaN or infinite if the network blew up; the caller checks), with dL/ds written to
    /// `batch.scoreGradient` (and dL/d(J v) to `batch.tangentScoreGradient`).
    func loss(_ clean: Matrix, rows: Range<Int>, batch: NetworkBatch) -> Double
}

extension ScoreObjective {
    /// Refuses a batch of the wrong width or a range outside it (a programming error).
    func checkBatch(_ clean: Matrix, rows: Range<Int>, dimension: Int, into batch: NetworkBatch) {
        precondition(clean.rows >= 1 && clean.columns == dimension && batch.dimension == dimension,
                     "\(name): a batch of \(clean.rows) x \(clean.columns) into a network of dimension \(batch.dimension), expected rows of \(dimension)")
        precondition(!rows.isEmpty && rows.clamped(to: 0..<clean.rows) == rows && rows.count <= batch.capacity,
                     "\(name): rows \(rows) of a batch of \(clean.rows) into a network batch of \(batch.capacity)")
        precondition(batch.tangentCount == tangentCount, "\(name): the network batch carries \(batch.tangentCount) tangents, expected \(tangentCount)")
        reserve(rows: clean.rows)
        batch.rows = rows.count
    }
}
