import Foundation

/// The noise levels a sampler walks, noisiest first: a value passed to the sampler, as
/// k-diffusion's `sample(model, x, sigmas)` takes its sigmas, so that one sampler runs any
/// spacing. Every level comes from the process the model was trained on (its time is what a
/// time-conditioned network reads), and the noise-to-signal ratio sigma / alpha falls strictly
/// from each level to the next.
///
/// The constructors space `count` levels from t = 1 down to the process's earliest time:
/// evenly in time (`uniform`; on a discrete chain, DDIM's respacing of its T steps), geometric in
/// sigma / alpha (`geometric`), or Karras et al.'s (2022) rho-schedule (`karras`), which spends
/// more of the levels at low noise as rho grows (rho = 1 is evenly spaced in sigma / alpha, and
/// rho -> infinity the geometric spacing).
public struct Schedule: Sendable, Equatable {
    /// The levels, noisiest first.
    public let levels: [NoiseLevel]

    /// Refuses fewer than 2 levels (a step needs two), a sigma or alpha that is not positive and
    /// finite, and a noise-to-signal ratio that does not fall strictly from level to level.
    public init(levels: [NoiseLevel]) throws {
        guard levels.count >= 2 else { throw SamplerError("a schedule needs at least 2 levels, got \(levels.count)") }
        for (i, level) in levels.enumerated() {
            guard level.sigma > 0 && level.sigma.isFinite && level.alpha > 0 && level.alpha.isFinite else {
                throw SamplerError("schedule level \(i) has sigma \(level.sigma) and alpha \(level.alpha); both must be positive and finite")
            }
        }
        for i in 1..<levels.count where !(levels[i].sigma / levels[i].alpha < levels[i - 1].sigma / levels[i - 1].alpha) {
            throw SamplerError("schedule level \(i) (sigma/alpha \(levels[i].sigma / levels[i].alpha)) is not below level \(i - 1) (\(levels[i - 1].sigma / levels[i - 1].alpha)); the levels must be distinct and noisiest first")
        }
        self.levels = levels
    }

    /// How many levels.
    public var count: Int { levels.count }

    /// `count` levels evenly spaced in time from 1 down to the earliest time; on a discrete chain,
    /// `count` of its T steps as evenly spaced as its grid allows (all T by default, else 1000).
    public static func uniform(_ process: any ForwardProcess, count: Int? = nil) throws -> Schedule {
        let count = try checked(count ?? process.steps ?? 1000, on: process)
        return try Schedule(levels: process.timeGrid(count: count).map { process.level(at: $0) })
    }

    /// `count` levels geometric in sigma / alpha from t = 1 down to the earliest time (on a
    /// chain, each the nearest of its steps).
    public static func geometric(_ process: any ForwardProcess, count: Int) throws -> Schedule {
        let (top, bottom) = try ratioRange(process, count: count)
        return try Schedule(levels: (0..<count).map { i in
            process.level(ofNoiseToSignal: top * pow(bottom / top, Double(i) / Double(count - 1)))
        })
    }

    /// Karras et al.'s schedule: sigma / alpha = (top^(1/rho) + i / (count - 1) (bottom^(1/rho) -
    /// top^(1/rho)))^rho, i = 0...count-1, between the process's values at t = 1 and at the
    /// earliest time. rho = 7 is the paper's choice.
    public static func karras(_ process: any ForwardProcess, count: Int, rho: Double = 7) throws -> Schedule {
        guard rho > 0 && rho.isFinite else { throw SamplerError("rho must be positive and finite, got \(rho)") }
        let (top, bottom) = try ratioRange(process, count: count)
        let high = pow(top, 1 / rho), low = pow(bottom, 1 / rho)
        return try Schedule(levels: (0..<count).map { i in
            process.level(ofNoiseToSignal: pow(high + Double(i) / Double(count - 1) * (low - high), rho))
        })
    }

    /// `count`, refused below 2 and beyond a chain's own steps.
    static func checked(_ count: Int, on process: any ForwardProcess) throws -> Int {
        guard count >= 2 else { throw SamplerError("steps must be at least 2, got \(count)") }
        if let chain = process.steps, count > chain {
            throw SamplerError("the \(process.name) process has \(chain) steps; \(count) were asked for")
        }
        return count
    }

    /// sigma / alpha at t = 1 and at the earliest time, after checking `count`.
    static func ratioRange(_ process: any ForwardProcess, count: Int) throws -> (top: Double, bottom: Double) {
        _ = try checked(count, on: process)
        let top = process.level(at: 1), bottom = process.level(at: process.earliestTime)
        return (top.sigma / top.alpha, bottom.sigma / bottom.alpha)
    }
}
