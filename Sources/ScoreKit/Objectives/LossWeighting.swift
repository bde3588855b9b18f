/// How denoising score matching weighs its noise levels: the factor lambda(t) in
/// E_t lambda(t) E ||s(x_t, t) - grad log q(x_t | x)||^2 / 2.
///
/// Every choice is still DSM: any positive lambda(t) leaves the minimiser at the true score of each
/// level, and only changes how much each level pulls on the shared weights.
public enum LossWeighting: Codable, Equatable, Sendable {
    /// lambda = sigma_t^2 (NCSN, DDPM): the noise-prediction loss 0.5 ||eps_hat - eps||^2 with
    /// every level weighed alike.
    case noiseVariance
    /// lambda = sigma_t^2 min(SNR_t, gamma) / SNR_t with SNR_t = alpha_t^2 / sigma_t^2 (Hang et
    /// al. 2023, "Efficient Diffusion Training via Min-SNR Weighting Strategy"; gamma = 5 there):
    /// the noise-prediction loss of levels cleaner than SNR = gamma is scaled down by gamma / SNR,
    /// so the nearly clean levels, whose noise is hardest to tell from the image, pull less on the
    /// weights that the noisy levels share. gamma = infinity is `noiseVariance`.
    case minSNR(gamma: Double)

    /// The factor on a row's noise-prediction loss at a level (alpha, sigma): 1, or
    /// min(1, gamma sigma^2 / alpha^2) (alpha = 0, pure noise, gives 1).
    @inlinable public func factor(alpha: Float, sigma: Float) -> Float {
        switch self {
        case .noiseVariance: return 1
        case .minSNR(let gamma):
            let a2 = Double(alpha) * Double(alpha), s2 = Double(sigma) * Double(sigma)
            return a2 == 0 ? 1 : Float(min(1, gamma * s2 / a2))
        }
    }

    /// Its name in reports: "sigma^2" or "min-SNR(5)".
    public var name: String {
        switch self {
        case .noiseVariance: return "sigma^2"
        case .minSNR(let gamma): return "min-SNR(\(gamma == gamma.rounded() && gamma < 1e9 ? String(Int(gamma)) : String(gamma)))"
        }
    }
}
