import Foundation
import ScoreKit
import Testing

/// Schedules are values: each constructor is checked against its formula on the process's own
/// levels, and the samplers' composition against the samplers it generalises, bit for bit.
@Suite struct ScheduleTests {
    static let vp = VariancePreserving(steps: 1000), vpSDE = VariancePreservingSDE()
    static let ve = VarianceExploding(sigmas: .logUniform(min: 0.01, max: 10))

    static func ratio(_ level: NoiseLevel) -> Double { level.sigma / level.alpha }

    @Test func uniformIsTheProcessesTimeGrid() throws {
        for process in [Self.vp, Self.vpSDE, Self.ve] as [any ForwardProcess] {
            let schedule = try Schedule.uniform(process, count: 37)
            #expect(schedule.levels == process.timeGrid(count: 37).map { process.level(at: $0) }, "\(process.name)")
            #expect(schedule.levels.first?.time == 1 && schedule.levels.last?.time == process.earliestTime, "\(process.name)")
        }
        #expect(try Schedule.uniform(Self.vp).count == 1000, "a chain's default is its own T")
        #expect(try Schedule.uniform(Self.vpSDE).count == 1000)
    }

    @Test(arguments: ["vp-sde", "ve"])
    func geometricHasOneRatioBetweenLevels(name: String) throws {
        let process: any ForwardProcess = name == "ve" ? Self.ve : Self.vpSDE
        let levels = try Schedule.geometric(process, count: 20).levels
        let top = Self.ratio(process.level(at: 1)), bottom = Self.ratio(process.level(at: process.earliestTime))
        #expect(isClose(Self.ratio(levels[0]), top, rel: 1e-9) && isClose(Self.ratio(levels[19]), bottom, rel: 1e-9), "\(name): ends")
        let factor = pow(bottom / top, 1.0 / 19)
        for i in 1..<20 {
            #expect(isClose(Self.ratio(levels[i]) / Self.ratio(levels[i - 1]), factor, rel: 1e-8), "\(name): level \(i)")
        }
    }

    /// Karras's formula on the VE ladder, where sigma / alpha is sigma; rho = 1 is evenly spaced
    /// in sigma, and a large rho tends to the geometric schedule.
    @Test func karrasFollowsItsFormula() throws {
        let top = Self.ve.level(at: 1).sigma, bottom = Self.ve.level(at: Self.ve.earliestTime).sigma, n = 12
        for rho in [7.0, 3.0] {
            let levels = try Schedule.karras(Self.ve, count: n, rho: rho).levels
            for i in 0..<n {
                let expected = pow(pow(top, 1 / rho) + Double(i) / Double(n - 1) * (pow(bottom, 1 / rho) - pow(top, 1 / rho)), rho)
                #expect(isClose(levels[i].sigma, expected, rel: 1e-9), "rho \(rho), level \(i): \(levels[i].sigma) against \(expected)")
            }
        }
        let even = try Schedule.karras(Self.ve, count: n, rho: 1).levels
        for i in 1..<n { #expect(isClose(even[i - 1].sigma - even[i].sigma, (top - bottom) / Double(n - 1), rel: 1e-7)) }
        let steep = try Schedule.karras(Self.vpSDE, count: n, rho: 1e5).levels, geometric = try Schedule.geometric(Self.vpSDE, count: n).levels
        for i in 0..<n { #expect(isClose(Self.ratio(steep[i]), Self.ratio(geometric[i]), rel: 1e-3), "level \(i)") }
        // The paper's point: rho = 7 puts more levels at low noise than the geometric spacing.
        let karras = try Schedule.karras(Self.vpSDE, count: n).levels
        #expect(Self.ratio(karras[n / 2]) > Self.ratio(geometric[n / 2]))
    }

    @Test func badSchedulesAreRefused() throws {
        let a = Self.ve.level(at: 1), b = Self.ve.level(at: 0.5)
        #expect(throws: SamplerError.self) { try Schedule(levels: [a]) }
        #expect(throws: SamplerError.self) { try Schedule(levels: [b, a]) }
        #expect(throws: SamplerError.self) { try Schedule(levels: [a, a]) }
        #expect(throws: SamplerError.self) { try Schedule(levels: [a, NoiseLevel(sigma: .nan)]) }
        #expect(throws: SamplerError.self) { try Schedule(levels: [a, NoiseLevel(time: 0.1, alpha: 0, sigma: 0.1)]) }
        #expect(throws: SamplerError.self) { try Schedule.uniform(Self.vp, count: 1001) }
        #expect(throws: SamplerError.self) { try Schedule.karras(Self.vpSDE, count: 1) }
        #expect(throws: SamplerError.self) { try Schedule.karras(Self.vpSDE, count: 10, rho: 0) }
        #expect(throws: SamplerError.self) { try LangevinCorrector(snr: 0.1, steps: 0) }
        #expect(try Schedule(levels: [a, b]).count == 2)
    }

    /// Euler-Maruyama's move is the SDE's drift and diffusion over the step, at its start.
    @Test func eulerMaruyamaStepsTheSDE() {
        let from = Self.vpSDE.level(at: 0.7), to = Self.vpSDE.level(at: 0.65), (f, g) = Self.vpSDE.sde(at: 0.7), h = 0.7 - 0.65
        let move = EulerMaruyamaStep(process: Self.vpSDE).update(from: from, to: to)
        #expect(isClose(move.x, 1 - f * h, rel: 1e-12) && isClose(move.score, g * g * h, rel: 1e-12) && isClose(move.noise, g * h.squareRoot(), rel: 1e-12))
    }

    /// A corrector that never moves: predictor-corrector with it is its predictor's own sampler.
    struct Idle: Corrector {
        var name: String { "idle" }
        var steps: Int { 0 }
        func update(at level: NoiseLevel, next: NoiseLevel, score: Matrix, noise: Matrix) -> ChainUpdate {
            ChainUpdate(x: 1, score: 0, noise: 0)
        }
    }

    /// With no corrector moves, predictor-corrector with the ancestral step is DDPM and with
    /// Euler-Maruyama the reverse SDE, bit for bit, on any schedule: the predictor is a value the
    /// sampler composes, not a copy of another sampler's loop.
    @Test func predictorCorrectorWithoutCorrectionIsItsPredictorsSampler() throws {
        let mixture = ToyDataset.eightGaussians.mixture!
        let karras = try Schedule.karras(Self.vpSDE, count: 30)
        let pairs: [(any ScoreSampler, any ScoreSampler)] = [
            (try DiffusionSampler(process: Self.vpSDE, rule: .ancestral(largeVariance: false), schedule: karras),
             PredictorCorrector(process: Self.vpSDE, schedule: karras, predictor: DiffusionStep.ancestral(largeVariance: false), corrector: Idle())),
            (ReverseSDE(process: Self.vpSDE, schedule: karras),
             PredictorCorrector(process: Self.vpSDE, schedule: karras, predictor: EulerMaruyamaStep(process: Self.vpSDE), corrector: Idle())),
        ]
        for (alone, composed) in pairs {
            var a = RandomSource(seed: 3), b = RandomSource(seed: 3)
            let one = alone.sample(count: 50, score: mixture, rng: &a, progress: nil)
            let two = composed.sample(count: 50, score: mixture, rng: &b, progress: nil)
            #expect(one.samples.elements == two.samples.elements, "\(alone.name) against pc with \(composed.name)")
            #expect(one.evaluations == two.evaluations && a.state == b.state)
        }
    }
}
