/// One batch as a score network reads and writes it: room for `capacity` rows of `dimension`
/// coordinates, each with `tangentCount` forward-mode directions.
///
/// An objective fills the inputs of `rows` rows (`points`, `sigma`, `time`, `outputScale` and,
/// with tangents, `directions`); `NetworkPass.forward` writes `score` and `tangentScore`; the
/// objective then writes dL/ds into `scoreGradient` (and dL/d(J v) into `tangentScoreGradient`),
/// which `NetworkPass.backward` reads. Every buffer is row-major and allocated once, so a
/// training step allocates nothing. A batch made with `pointsGradient` also receives dL/dx from
/// `backward`: reverse mode's vector-Jacobian products v^T (ds/dx), for a network without tangents.
///
/// Tangent blocks: for n = `rows`, block k of `directions` (and of `tangentScore` and
/// `tangentScoreGradient`) holds rows k * n ..< (k + 1) * n, one direction per batch row.
public final class NetworkBatch {
    public let capacity: Int
    public let dimension: Int
    public let tangentCount: Int
    /// Rows in use, 0...capacity.
    public var rows: Int {
        didSet { precondition((0...capacity).contains(rows), "NetworkBatch: \(rows) rows in a batch of capacity \(capacity)") }
    }
    /// [capacity, d]: the points x the network reads.
    public let points: FloatBuffer
    /// [capacity]: the noise level sigma of each row (what a log-sigma network reads).
    public let sigma: FloatBuffer
    /// [capacity]: the process time t in [0, 1] of each row (what a time-conditioned network reads).
    public let time: FloatBuffer
    /// [capacity]: tau, what the network's output is divided by (s = f / tau); sigma for additive noise.
    public let outputScale: FloatBuffer
    /// [M * capacity, d]: the directions v pushed forward with each row.
    public let directions: FloatBuffer
    /// [capacity, d]: s(x, sigma), written by the forward pass.
    public let score: FloatBuffer
    /// [M * capacity, d]: (ds/dx) v per direction, written by the forward pass.
    public let tangentScore: FloatBuffer
    /// [capacity, d]: dL/ds, written by the objective.
    public let scoreGradient: FloatBuffer
    /// [M * capacity, d]: dL/d(J v), written by the objective.
    public let tangentScoreGradient: FloatBuffer
    /// [capacity, d] (empty unless the batch was made with `pointsGradient`): dL/dx, written by
    /// the backward pass.
    public let pointsGradient: FloatBuffer

    /// A training step's dropout draw (set by `ObjectiveEvaluator` for a network with dropout);
    /// nil, no dropout, for every other pass.
    public var dropout: Dropout.Draw?

    /// Whether `backward` writes dL/dx into `pointsGradient`.
    public var keepsPointsGradient: Bool { pointsGradient.count > 0 }

    public init(capacity: Int, dimension: Int, tangentCount: Int = 0, pointsGradient: Bool = false) {
        precondition(capacity >= 1 && dimension >= 1 && tangentCount >= 0 && !(pointsGradient && tangentCount > 0),
                     "NetworkBatch: capacity \(capacity), dimension \(dimension), \(tangentCount) tangents\(pointsGradient ? " and dL/dx" : "")")
        self.capacity = capacity
        self.dimension = dimension
        self.tangentCount = tangentCount
        rows = capacity
        points = FloatBuffer(count: capacity * dimension)
        sigma = FloatBuffer(count: capacity)
        time = FloatBuffer(count: capacity)
        outputScale = FloatBuffer(count: capacity)
        directions = FloatBuffer(count: tangentCount * capacity * dimension)
        score = FloatBuffer(count: capacity * dimension)
        tangentScore = FloatBuffer(count: tangentCount * capacity * dimension)
        scoreGradient = FloatBuffer(count: capacity * dimension)
        tangentScoreGradient = FloatBuffer(count: tangentCount * capacity * dimension)
        self.pointsGradient = FloatBuffer(count: pointsGradient ? capacity * dimension : 0)
    }
}
