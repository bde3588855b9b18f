/// A network that computes a score s(x, sigma) for rows of `dimension` coordinates, trained by
/// any `ScoreObjective` (after MLXNN: the network holds its parameters; what a pass writes
/// lives in a `NetworkPass` it makes). `ScoreMLP` conforms.
///
/// The parameters are one flat buffer: the optimiser, the weight average, the gradient sum over
/// ranks and the checkpoint all work on that layout, whatever the network's structure.
public protocol ScoreNetwork: AnyObject {
    /// The network's shape, as saved beside its weights.
    associatedtype Configuration: NetworkConfiguration
    var configuration: Configuration { get }
    /// Coordinates per row of x (and of s).
    var dimension: Int { get }
    /// What it reads besides x: log sigma, or an embedding of the level's time.
    var conditioning: Conditioning { get }
    /// Every parameter, in the network's flat layout.
    var parameters: FloatBuffer { get }
    /// A pass for batches of up to `capacity` rows, each carrying `tangentCount` directions.
    func makePass(capacity: Int, tangentCount: Int) -> any NetworkPass
    /// The same network with `values` as its parameters (the weight average's, a checkpoint's).
    func withParameters(_ values: [Float]) -> Self
}

/// One network's forward and backward passes over a `NetworkBatch`, with the workspace they
/// write (activations, their gradients) allocated once for `capacity` rows.
public protocol NetworkPass: AnyObject {
    var capacity: Int { get }
    var tangentCount: Int { get }
    /// dL/dtheta after `backward`, in the network's flat parameter layout.
    var gradients: FloatBuffer { get }
    /// Writes `batch.score` (and `batch.tangentScore`) for `batch.rows` rows, keeping what
    /// `backward` needs.
    func forward(_ batch: NetworkBatch)
    /// Writes `batch.score` (and with tangents `batch.tangentScore`) for `batch.rows` rows that
    /// all share the first row's level, keeping nothing for `backward`: a sampler's or a
    /// measurement's query, which a network may answer faster than `forward` (the MLP folds the
    /// shared level's features into its first layer's bias).
    func infer(_ batch: NetworkBatch)
    /// Backpropagates `batch.scoreGradient` (and `batch.tangentScoreGradient`) through the last
    /// `forward` into `gradients` (overwritten), and into `batch.pointsGradient` (overwritten)
    /// when the batch keeps one. May run more than once after one `forward`.
    func backward(_ batch: NetworkBatch)
}
