import ScoreKit

/// The smallest score network, written with ScoreKit's public API only, as a user would add a
/// network: s_i(x, sigma) = (a_i x_i + b_i) / tau, with tau the batch's output scale (sigma for
/// DSM). At one noise level it holds the exact score of Gaussian data with a diagonal covariance.
final class DiagonalAffineNetwork: ScoreNetwork {
    struct Configuration: NetworkConfiguration {
        static var networkName: String { "diagonal-affine" }
        static var checkpointFormat: String { "test-diagonal-affine-v1" }
        let dimension: Int
        var parameterisation: OutputParameterisation { .score }
        var parameterCount: Int { 2 * dimension }
        var tensors: [ParameterTensor] {
            [ParameterTensor(name: "scale", shape: [dimension], offset: 0), ParameterTensor(name: "shift", shape: [dimension], offset: dimension)]
        }
        var metadata: [String: String] { ["dimension": String(dimension)] }
        var description: String { "DiagonalAffine(d=\(dimension))" }

        init(dimension: Int) { self.dimension = dimension }
        init(metadata: MetadataReader) throws { dimension = try metadata.integer("dimension", atMost: 1 << 20) }
        func network(parameters: [Float]) -> any ScoreNetwork { DiagonalAffineNetwork(configuration: self, parameters: parameters) }
        init(settings: NetworkSettings, dimension: Int, image: ImageShape?, conditioning: Conditioning,
             parameterisation: OutputParameterisation) throws {
            guard conditioning == .logSigma, parameterisation == .score else {
                throw NetworkSettings.Problem("diagonal-affine reads log sigma and outputs the score")
            }
            self.dimension = dimension
        }
        /// a = -1, b = 0: the score of N(0, sigma^2 I) times sigma.
        func makeNetwork(rng: inout RandomSource) -> any ScoreNetwork {
            DiagonalAffineNetwork(configuration: self, parameters: Array(repeating: -1, count: dimension) + Array(repeating: 0, count: dimension))
        }
        var supportsTangents: Bool { true }
        func activationFloats(batch: Int, tangents: Int) -> Double { Double(batch * (1 + tangents) * dimension) }
        func products(rows: Int, training: Bool) -> [ProductShape] { [] }
    }

    let configuration: Configuration
    let parameters: FloatBuffer

    init(configuration: Configuration, parameters: [Float]) {
        self.configuration = configuration
        self.parameters = FloatBuffer(parameters)
    }

    var dimension: Int { configuration.dimension }
    var conditioning: Conditioning { .logSigma }
    func makePass(capacity: Int, tangentCount: Int) -> any NetworkPass { Pass(network: self, capacity: capacity, tangentCount: tangentCount) }
    func withParameters(_ values: [Float]) -> DiagonalAffineNetwork { DiagonalAffineNetwork(configuration: configuration, parameters: values) }

    final class Pass: NetworkPass {
        let network: DiagonalAffineNetwork
        let capacity: Int, tangentCount: Int
        let gradients: FloatBuffer
        /// The last forward's inputs, for backward.
        var points: [Float] = [], scales: [Float] = [], rows = 0

        init(network: DiagonalAffineNetwork, capacity: Int, tangentCount: Int) {
            self.network = network
            self.capacity = capacity
            self.tangentCount = tangentCount
            gradients = FloatBuffer(count: 2 * network.dimension)
        }

        func forward(_ batch: NetworkBatch) {
            let d = network.dimension, p = network.parameters
            rows = batch.rows
            points = (0..<(rows * d)).map { batch.points[$0] }
            scales = (0..<rows).map { batch.outputScale[$0] }
            for r in 0..<rows {
                for i in 0..<d {
                    batch.score[r * d + i] = (p[i] * points[r * d + i] + p[d + i]) / scales[r]
                    // J v is diagonal: a_i v_i / tau.
                    for k in 0..<tangentCount {
                        batch.tangentScore[(k * rows + r) * d + i] = p[i] * batch.directions[(k * rows + r) * d + i] / scales[r]
                    }
                }
            }
        }

        func infer(_ batch: NetworkBatch) { forward(batch) }

        func backward(_ batch: NetworkBatch) {
            let d = network.dimension, p = network.parameters
            gradients.fill(0)
            for r in 0..<rows {
                for i in 0..<d {
                    let g = batch.scoreGradient[r * d + i] / scales[r]
                    gradients[i] += g * points[r * d + i]
                    gradients[d + i] += g
                    if batch.keepsPointsGradient { batch.pointsGradient[r * d + i] = g * p[i] }
                }
            }
        }
    }
}
