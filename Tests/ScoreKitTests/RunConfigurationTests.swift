import Foundation
import ScoreKit
import ScoreKitCLI
@testable import sample
import Testing

/// train-dsm's run is a typed value: saved as JSON, compared field by field on --resume, and the
/// home of the image defaults. A checkpoint that recorded the command line instead still resumes.
@Suite(.serialized) struct RunConfigurationTests {
    @Test func theConfigurationRoundTripsThroughItsJSON() throws {
        var run = RunConfiguration.forImages(.fashionMNIST)
        run.network.parameterisation = .score
        run.seed = 1 << 63
        #expect(try RunConfiguration(json: run.json, file: "test") == run)
        #expect(throws: RunFailure.self) { try RunConfiguration(json: "{\"batch\": 1}", file: "test") }
    }

    @Test func aWeightingIsSavedOnlyWhenGiven() throws {
        // Runs without --min-snr save the JSON they saved before the option existed (so their
        // checkpoints keep their bytes); a weighted run saves it, reads it back and resumes only
        // with the same gamma.
        var run = RunConfiguration.forImages(.fashionMNIST, network: "mlp")
        #expect(!run.json.contains("weighting"))
        var weighted = run
        weighted.objective.weighting = .minSNR(gamma: 5)
        #expect(try RunConfiguration(json: weighted.json, file: "test") == weighted)
        #expect(run.difference(from: weighted) == "--resume keeps the run's --min-snr (none); this command gives min-SNR(5)")
        run.objective.weighting = .minSNR(gamma: -1)
        #expect(throws: (any Error).self) { try run.validate() }
        weighted.objective.kind = .ssm
        #expect(throws: (any Error).self) { try weighted.validate() }
    }

    @Test func imageDefaultsLiveInTheConfiguration() {
        let fashion = RunConfiguration.forImages(.fashionMNIST, network: "mlp"), digits = RunConfiguration.forImages(.digits)
        #expect(fashion.process.name == "vp" && fashion.network.hiddenWidth == 1024 && fashion.network.hiddenLayers == 2)
        #expect(digits.network.kind == "mlp" && digits.network.hiddenWidth == 512 && digits.network.hiddenLayers == 3 && !digits.sampling.clipDenoised)
        #expect(fashion.sampling.clipDenoised && fashion.batch == 256 && fashion.sampling.samples == 1000 && fashion.length.evalEvery == 0)
        #expect(fashion.sampling.sampler == nil && fashion.length.trainSteps == 15_000 && !fashion.json.contains("sampler"))
        #expect(RunConfiguration.standard.process.name == "ve" && RunConfiguration.standard.batch == 512)
        // Fashion-MNIST's default network is the U-Net, on its 30-minute budget, sampled with clipped DDPM-small.
        let unet = RunConfiguration.forImages(.fashionMNIST)
        #expect(unet.network.kind == "unet" && unet.batch == UNetBudget.batch && unet.length.trainSteps == UNetBudget.trainSteps)
        #expect(unet.network.blocks == 1 && fashion.network.blocks == nil, "one block per level on the budget; the MLP names none")
        #expect(unet.emaDecay == UNetBudget.emaDecay && unet.sampling.sampler == .ddpmSmall && unet.sampling.samplingSteps == 100 && unet.sampling.clipDenoised)
        #expect(unet.objective.weighting == .minSNR(gamma: 5) && fashion.objective.weighting == nil)
        #expect(RunConfiguration.forImages(.digits, network: "unet").batch == UNetBudget.batch)
    }

    @Test func sampleTakesTheSamplingItsTrainingRunUsed() throws {
        // A U-Net checkpoint from train-dsm samples as its run did (1,000 clipped images, DDPM over 100 levels),
        // not with DDPM's 1,000 levels for 10,000 samples (hours); options given still win.
        let configuration = MLPConfiguration(dimension: 2, hiddenWidth: 4, hiddenLayers: 1)
        var rng = RandomSource(seed: 1)
        var checkpoint = Checkpoint(configuration: configuration, parameters: configuration.makeNetwork(rng: &rng).parameters.array,
                                    process: VariancePreserving(steps: 1000), dataset: "fashion-mnist", seed: 0, step: 1)
        let plain = try Sample.parse(["--checkpoint", "c.safetensors"])
        #expect(plain.options(after: checkpoint).samples == 10_000 && plain.options(after: checkpoint).sampler == nil, "no saved run: the plain defaults")
        checkpoint.run["configuration"] = RunConfiguration.forImages(.fashionMNIST).json
        let saved = plain.options(after: checkpoint)
        #expect(saved.sampler == .ddpmSmall && saved.samplingSteps == 100 && saved.clipDenoised && saved.samples == 1000)
        let given = try Sample.parse(["--checkpoint", "c.safetensors", "--sampler", "ddpm", "--samples", "7", "--no-clip-denoised"]).options(after: checkpoint)
        #expect(given.sampler == .ddpm && given.samples == 7 && !given.clipDenoised && given.samplingSteps == 100)
        let steps = try Sample.parse(["--checkpoint", "c.safetensors", "--steps", "20"])
        let sampler = try steps.sampling(VariancePreserving(steps: 1000), options: steps.options(after: checkpoint)).sampler as? DiffusionSampler
        #expect(sampler?.schedule.count == 20 && sampler?.name == "ddpm-small-clipped", "--steps, the old spelling, wins over the saved levels")
    }

    @Test func resumeNamesTheFirstFieldThatDiffers() {
        let run = RunConfiguration.standard
        var other = run
        #expect(run.difference(from: other) == nil)
        other.length.trainSteps += 1
        other.sampling.samples = 5
        #expect(run.difference(from: other) == nil, "length and sampling may change on resume")
        other.network.hiddenWidth = 64
        other.seed = 9
        #expect(run.difference(from: other) == "--resume keeps the run's --hidden 128; this command gives 64")
        other = run
        other.optimiser.learningRate = 0.01
        #expect(run.difference(from: other)?.contains("--lr") == true)
    }

    /// A run stopped at step 30 whose checkpoint recorded its arguments (as checkpoints did before
    /// runs were typed) resumes to step 60 and ends with the bytes of a run that never stopped.
    @Test func aCheckpointThatRecordedItsArgumentsStillResumes() async throws {
        let straight = try DistributedTests.folder("straight"), stopped = try DistributedTests.folder("stopped")
        defer { for f in [straight, stopped] { try? FileManager.default.removeItem(atPath: f) } }
        let common = ["--hidden", "16", "--batch", "64", "--seed", "4", "--checkpoint-every", "30", "--eval-every", "0",
                      "--samples", "20", "--steps-per-level", "2", "--threads", "1"]
        _ = try await DistributedTests.run([DistributedTests.tool("train-dsm"), "--train-steps", "60", "--output", straight] + common)
        _ = try await DistributedTests.run([DistributedTests.tool("train-dsm"), "--train-steps", "30", "--output", stopped] + common)
        let path = (stopped as NSString).appendingPathComponent("checkpoint.safetensors")
        var file = try SafeTensors.read(path)
        // Every option given reached the run it records, and nothing else moved from the defaults.
        var expected = RunConfiguration.standard
        (expected.network.hiddenWidth, expected.batch, expected.seed) = (16, 64, 4)
        (expected.length.trainSteps, expected.length.checkpointEvery, expected.length.evalEvery) = (30, 30, 0)
        expected.sampling.samples = 20
        #expect(try RunConfiguration(json: file.metadata["run.configuration"] ?? "", file: path) == expected)
        #expect(try Checkpoint.read(path).configuration.isSame(as: MLPConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2)))
        file.metadata["run.configuration"] = nil
        let arguments = ["--data", "8gaussians", "--data-points", "50000", "--objective", "dsm", "--projections", "1",
                         "--projection", "rademacher", "--process", "ve", "--schedule", "linear", "--timesteps", "1000",
                         "--time-embedding", "32", "--batch", "64", "--hidden", "16", "--layers", "2", "--lr", "0.001",
                         "--sigma-min", "0.01", "--sigma-max", "10.0", "--sigma-levels", "0", "--ema-decay", "0.999", "--seed", "4",
                         "--steps", "30", "--checkpoint-every", "30", "--eval-every", "0", "--divergence-factor", "10000.0"]
        file.metadata["run.arguments"] = String(decoding: try JSONEncoder().encode(arguments), as: UTF8.self)
        try file.write(to: path)
        let log = try await DistributedTests.run([DistributedTests.tool("train-dsm"), "--resume", stopped, "--train-steps", "60",
                                                  "--samples", "20", "--steps-per-level", "2", "--threads", "1"])
        #expect(log.contains("resuming at step 30 of 60"), "\(log.prefix(600))")
        for name in ["losses.npy", "samples.npy"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: (straight as NSString).appendingPathComponent(name)))
            let b = try Data(contentsOf: URL(fileURLWithPath: (stopped as NSString).appendingPathComponent(name)))
            #expect(a == b, "\(name) differs from the run that never stopped")
        }
        // The resumed run now records its typed configuration; another seed is refused by name.
        #expect(try SafeTensors.read(path).metadata["run.configuration"] != nil)
        await #expect(throws: (any Error).self) {
            try await DistributedTests.run([DistributedTests.tool("train-dsm"), "--resume", stopped, "--seed", "5"])
        }
    }
}
