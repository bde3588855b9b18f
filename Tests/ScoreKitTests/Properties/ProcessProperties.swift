import Foundation
import ScoreKit
import Testing

/// Every registered process, built from generated settings (what the options accept) and from
/// generated checkpoint metadata (what a crafted file holds), is refused with a reason or sound.
@Suite struct ProcessProperties {
    /// nil when `process`'s levels are usable by every sampler and objective: alpha and sigma
    /// finite; sigma inside `SigmaDistribution.usableRange` from the earliest time on;
    /// sigma non-decreasing and alpha non-increasing in t; alpha^2 + sigma^2 = 1 for the
    /// variance-preserving processes and at most 1 for sub-VP; training draws inside the levels.
    static func problem(with process: any ForwardProcess) -> String? {
        let earliest = process.earliestTime
        guard earliest.isFinite, earliest >= 0, earliest < 1 else { return "earliest time \(earliest)" }
        let times = [earliest] + (1...32).map { earliest + (1 - earliest) * Double($0) / 32 }
        var previous: NoiseLevel?
        for t in times {
            let level = process.level(at: t)
            guard level.alpha.isFinite, level.sigma.isFinite, level.alpha >= 0, level.alpha <= 1 else { return "level at t = \(t): \(level)" }
            guard SigmaDistribution.usableRange.contains(Float(level.sigma)) else { return "sigma(\(t)) = \(level.sigma), outside the usable range" }
            if let previous, level.sigma < previous.sigma || level.alpha > previous.alpha {
                return "levels not monotone: \(previous) then \(level)"
            }
            let variance = level.alpha * level.alpha + level.sigma * level.sigma
            if process is VariancePreserving || process is VariancePreservingSDE, abs(variance - 1) > 1e-9 {
                return "alpha^2 + sigma^2 = \(variance) at t = \(t)"
            }
            if process is SubVariancePreservingSDE, variance > 1 + 1e-12 { return "alpha^2 + sigma^2 = \(variance) > 1 at t = \(t)" }
            previous = level
        }
        let lowest = process.level(at: earliest).sigma, highest = process.level(at: 1).sigma
        for u: Float in [0, 1e-7, 0.5, 1 - 1e-7, Float(1).nextDown] {
            let level = process.trainingLevel(uniform: u)
            guard level.sigma.isFinite, level.sigma > 0, level.alpha.isFinite else { return "training level for u = \(u): \(level)" }
            // Training draws sigma in Float through expf and logf: relative errors of a few 1e-6.
            guard level.sigma >= lowest * (1 - 1e-5), level.sigma <= highest * (1 + 1e-5) else {
                return "training level for u = \(u) has sigma \(level.sigma) outside [\(lowest), \(highest)]"
            }
        }
        let prior = process.priorStandardDeviation
        guard prior.isFinite, prior > 0 else { return "prior standard deviation \(prior)" }
        return nil
    }

    /// Settings in the ranges the options accept: sigma-min and -max any normal positive Floats in
    /// order (often extreme), any ladder length, T from 2 to 100,000, either schedule.
    static var settings: Generated<ProcessSettings> { Generated(draw: { rng in
        func sigma() -> Float {
            rng.int(in: 0...2) == 0 ? rng.pick([Float.leastNonzeroMagnitude, Float.leastNormalMagnitude, 5e-20, 5.5e-20, 1.8e19, 1.9e19, 1e-30, 1e-8, 1, 1e20, 1e38, Float.greatestFiniteMagnitude])
                                    : Float(exp(Double(rng.int(in: -87_000...88_000)) / 1000))
        }
        var (a, b) = (sigma(), sigma())
        while a == b { b = sigma() }
        let (lo, hi) = (min(a, b), max(a, b))
        let sigmas: SigmaDistribution = rng.int(in: 0...1) == 0 ? .logUniform(min: lo, max: hi)
                                                                 : .geometricLadder(min: lo, max: hi, levels: rng.int(in: 1...2000))
        let timesteps = rng.int(in: 0...2) == 0 ? rng.int(in: 2...30) : rng.int(in: 2...100_000)
        return ProcessSettings(sigmas: sigmas, timesteps: timesteps, schedule: rng.pick(VariancePreserving.BetaSchedule.allCases))
    }, shrink: { s in
        var out: [ProcessSettings] = []
        if s.timesteps > 2 { out.append(ProcessSettings(sigmas: s.sigmas, timesteps: s.timesteps / 2, schedule: s.schedule)) }
        if case let .ladder(levels) = s.sigmas, levels.count > 1 {
            out.append(ProcessSettings(sigmas: .ladder(Array(levels.prefix(levels.count / 2))), timesteps: s.timesteps, schedule: s.schedule))
        }
        return out
    }) }

    @Test func everyProcessFromTheOptionsIsSound() {
        for type in ProcessRegistry.processes {
            PropertyCheck.check("\(type.processName) from settings", cases: 150, Self.settings) { settings in
                // The options refuse these sigmas (train-dsm's validation); the other processes ignore them.
                if settings.sigmas.problem != nil, ObjectIdentifier(type) == ObjectIdentifier(VarianceExploding.self) { return nil }
                return Self.problem(with: type.init(settings: settings))
            }
        }
    }

    /// The fields a process's metadata can hold, each given a hostile or a plausible value, or left out.
    static var metadata: Generated<[String: String]> { Generated(draw: { rng in
        var fields = ["process": rng.pick(ProcessRegistry.names + ["", "VE", "heat"])]
        let plausible = ["0.01", "10", "0.1", "20", "1e-5", "1000", "0.5", "50", "linear", "cosine", "1e-3,1e-2,0.1", "5,1", "0.01,,1"]
        for key in ["sigma_min", "sigma_max", "sigma_ladder", "timesteps", "schedule", "beta_min", "beta_max", "earliest_time"]
        where rng.int(in: 0...5) > 0 {
            fields[key] = rng.int(in: 0...1) == 0 ? rng.pick(ByteEdit.hostileNumbers) : rng.pick(plausible)
        }
        return fields
    }, shrink: { fields in
        fields.keys.filter { $0 != "process" }.sorted().map { key in fields.filter { $0.key != key } }
    }) }

    @Test func everyProcessFromCheckpointMetadataIsRefusedOrSound() {
        PropertyCheck.check("process from metadata", cases: 600, Self.metadata) { fields in
            do {
                return Self.problem(with: try ProcessRegistry.process(from: MetadataReader(fields)))
            } catch let refusal as MetadataReader.Problem {
                return refusal.description.hasPrefix("metadata") ? nil : "refused without naming the metadata: \(refusal)"
            } catch {
                return "unexpected error \(error)"
            }
        }
    }

    /// What the properties found, kept as plain cases.
    @Test func findingsStayFixed() {
        // Each field valid alone, together sigma(earliest) = 2.4e-46: 1 / sigma overflowed.
        #expect(throws: MetadataReader.Problem.self) {
            try ProcessRegistry.process(from: MetadataReader(["process": "vp-sde", "beta_min": "1e-46", "beta_max": "10", "earliest_time": "1e-46"]))
        }
        // beta_min above beta_max is refused naming the field.
        #expect { try ProcessRegistry.process(from: MetadataReader(["process": "subvp-sde", "beta_min": "1e23", "beta_max": "10", "earliest_time": "1e-5"])) }
            throws: { "\($0)".contains("'beta_min'") }
        // Below T = 21 the linear schedule's betas passed 1 (abar negative, alpha NaN); now clipped at 0.999.
        for steps in [2, 5, 20] { #expect(Self.problem(with: VariancePreserving(steps: steps, schedule: .linear)) == nil) }
        #expect(VariancePreserving(steps: 21, schedule: .linear).betas.last! < 0.999)
        // A file's text quoted in a reason keeps it on one line.
        #expect(InputError("tensor 'a\nb\u{01}'").message == "tensor 'a\\nb\\u{01}'")
    }
}
