import Foundation

/// The discrete variance-preserving chain of DDPM (Ho et al. 2020): T steps
///
///     x_k = sqrt(1 - beta_k) x_(k-1) + sqrt(beta_k) eps,   so   x_k = sqrt(abar_k) x_0 + sqrt(1 - abar_k) eps,
///     abar_k = prod_(i <= k) (1 - beta_i),
///
/// with beta linear from 1e-4 to 0.02 at T = 1000, both scaled by 1000 / T for other T (Ho et al.),
/// or abar from the cosine schedule abar(t) = f(t) / f(0), f(t) = cos^2((t + s) / (1 + s) pi / 2),
/// s = 0.008, each beta_k = 1 - abar_k / abar_(k-1) (Nichol and Dhariwal 2021). Either is clipped
/// at 0.999, which the linear one reaches only below T = 21 (beta above 1 would make abar negative). Step k sits at time t = k / T; training draws k
/// uniformly from 1...T. The chain has no SDE: the samplers that integrate one need `VariancePreservingSDE`.
public struct VariancePreserving: RegisteredProcess {
    /// How beta_k runs over the T steps (not a sampler's `Schedule` of levels).
    public enum BetaSchedule: String, Sendable, CaseIterable, Codable {
        case linear, cosine
    }

    public let schedule: BetaSchedule
    /// beta_k for k = 1...T, stored at index k - 1.
    public let betas: [Double]
    /// abar_k for k = 0...T (abar_0 = 1).
    public let alphaBars: [Double]

    public init(steps: Int = 1000, schedule: BetaSchedule = .linear) {
        precondition(steps >= 2, "VariancePreserving: at least 2 steps, got \(steps)")
        self.schedule = schedule
        let t = Double(steps)
        switch schedule {
        case .linear:
            let low = 1e-4 * 1000 / t, high = 0.02 * 1000 / t
            betas = (0..<steps).map { min(low + (high - low) * Double($0) / (t - 1), 0.999) }
        case .cosine:
            let s = 0.008
            func f(_ u: Double) -> Double { pow(cos((u + s) / (1 + s) * Double.pi / 2), 2) }
            betas = (1...steps).map { k in min(1 - f(Double(k) / t) / f(Double(k - 1) / t), 0.999) }
        }
        var products = [1.0]
        for beta in betas { products.append(products.last! * (1 - beta)) }
        alphaBars = products
    }

    public static let processName = "vp"
    public static let help = "DDPM's chain of --timesteps steps with the --schedule of beta."

    public init(settings: ProcessSettings) { self.init(steps: settings.timesteps, schedule: settings.schedule) }

    public init(metadata: MetadataReader) throws {
        let steps = try metadata.integer("timesteps", atMost: 100_000)
        guard steps >= 2 else { throw MetadataReader.Problem("metadata 'timesteps' must be at least 2, got \(steps)") }
        guard let schedule = BetaSchedule(rawValue: metadata["schedule"] ?? "") else {
            throw MetadataReader.Problem("metadata 'schedule' is \(metadata["schedule"] ?? "missing"), expected linear or cosine")
        }
        self.init(steps: steps, schedule: schedule)
    }

    public var metadata: [String: String] { ["process": name, "timesteps": String(betas.count), "schedule": schedule.rawValue] }

    public var name: String { Self.processName }
    public var summary: String {
        "variance preserving (DDPM), \(betas.count) steps, \(schedule.rawValue) schedule, abar_T = \(String(format: "%.2e", alphaBars.last!))"
    }
    public var steps: Int? { betas.count }
    public var earliestTime: Double { 1 / Double(betas.count) }
    public var priorStandardDeviation: Double { 1 }

    /// The step nearest to t (0...T).
    public func step(at t: Double) -> Int { min(betas.count, max(0, Int((t * Double(betas.count)).rounded()))) }

    public func level(atStep k: Int) -> NoiseLevel {
        NoiseLevel(time: Double(k) / Double(betas.count), alpha: alphaBars[k].squareRoot(), sigma: (1 - alphaBars[k]).squareRoot())
    }

    public func level(at t: Double) -> NoiseLevel { level(atStep: step(at: t)) }

    public func trainingLevel(uniform u: Float) -> NoiseLevel {
        level(atStep: 1 + min(betas.count - 1, Int(Double(u) * Double(betas.count))))
    }

}
