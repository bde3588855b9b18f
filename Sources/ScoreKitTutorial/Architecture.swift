import Foundation

/// The libraries' folders, bottom-up: each uses only the folders on its own level and below.
/// `LayeringTests` checks the sources against this list, and the catalogue's landing page draws it.
/// The levels of ScoreKit come first; ScoreKitMPI and ScoreKitStudies build on it, so a user who
/// trains and samples links neither Open MPI nor the studies' measurements.
public enum Architecture {
    public struct Level: Sendable {
        /// The library (the folder under Sources/) the level's folders belong to.
        public let module: String
        public let folders: [String]
        /// What the level holds, and the protocols that are its seams.
        public let summary: String

        init(module: String = "ScoreKit", folders: [String], summary: String) {
            self.module = module
            self.folders = folders
            self.summary = summary
        }
    }

    /// The libraries in level order.
    public static var modules: [String] {
        levels.map(\.module).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    public static let levels: [Level] = [
        Level(folders: ["BLAS", "Tensor", "Random", "Special"],
              summary: "numeric core: Matrix, FloatBuffer, C kernels, RandomSource, special functions"),
        Level(folders: ["Layers"], summary: "Linear, Convolution, GroupNormalization, SelfAttention, NearestUpsampling, Dropout"),
        Level(folders: ["Score"], summary: "NoiseLevel; protocols ScoreFunction, ScoreJacobian"),
        Level(folders: ["Densities"], summary: "exact densities: GaussianMixture; protocol PerturbedDataSource"),
        Level(folders: ["Network", "Optim"], summary: "protocols ScoreNetwork, NetworkConfiguration, Optimiser; MLP, U-Net, Adam, registry"),
        Level(folders: ["Processes"], summary: "protocols ForwardProcess, ContinuousProcess: VE, VP, (sub-)VP SDE; ProcessRegistry"),
        Level(folders: ["Noise"], summary: "protocols Corruption, AdditiveNoise: the noise study's corruptions, blur, blurring diffusion"),
        Level(folders: ["Objectives"], summary: "protocol ScoreObjective (loss heads): DSM, Hyvarinen (exact, sliced), kernel DSM"),
        Level(folders: ["Training"], summary: "ScoreTrainer; protocol GradientReducer (OneProcess)"),
        Level(folders: ["Samplers"], summary: "protocols Sampler, Predictor, Corrector; Schedule; DDPM/DDIM, SDE, PC, ODE"),
        Level(folders: ["Data"], summary: "ToyDataset, ImageSet"),
        Level(folders: ["Formats"], summary: ".npy, safetensors, checkpoints, IDX, PNG, gzip; atomic writes"),
        Level(module: "ScoreKitMPI", folders: ["Parallel"], summary: "ProcessGroup: the GradientReducer over MPI ranks"),
        Level(module: "ScoreKitStudies", folders: ["Metrics"], summary: "ScoreError, sliced W2, MMD, precision/recall, Frechet distance"),
        Level(module: "ScoreKitStudies", folders: ["Checks"], summary: "Monte Carlo checks: Vincent's identity, Tweedie, composition"),
        Level(module: "ScoreKitStudies", folders: ["Figures"], summary: "SVGFigure, Figures, ImageGrid"),
    ]

    /// The levels as stacked boxes, the numeric core at the bottom, one colour per library (SVG).
    public static var svg: String {
        let width = 880.0, row = 34.0, gap = 6.0, top = 40.0
        let height = top + Double(levels.count) * (row + gap) + 10
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"10\" y=\"24\" font-size=\"15\" font-weight=\"bold\">ScoreKit's layers: each folder uses only the ones below it</text>\n"
        for (index, level) in levels.reversed().enumerated() {
            let y = top + Double(index) * (row + gap), shade = 245 - 6 * (levels.count - 1 - index)
            let fill = switch level.module {
            case "ScoreKitMPI": "rgb(255,\(shade),\(shade - 30))"
            case "ScoreKitStudies": "rgb(\(shade - 20),255,\(shade - 20))"
            default: "rgb(\(shade),\(shade + 4),255)"
            }
            let label = (level.module == "ScoreKit" ? "" : level.module + ": ") + level.folders.joined(separator: ", ")
            out += "<rect x=\"10\" y=\"\(y)\" width=\"\(width - 20)\" height=\"\(row)\" rx=\"4\" fill=\"\(fill)\" stroke=\"#5577aa\"/>\n"
            out += "<text x=\"20\" y=\"\(y + 22)\" font-size=\"13\" font-weight=\"bold\">\(escape(label))</text>\n"
            out += "<text x=\"320\" y=\"\(y + 22)\" font-size=\"12\">\(escape(level.summary))</text>\n"
        }
        return out + "</svg>\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
