import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitMPI
import ScoreKitStudies

@main
struct TrainDSM: ScoreKitCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-dsm",
        abstract: "Train a noise-conditional score network by denoising (or sliced, or exact) score matching, then sample from it.",
        discussion: """
            Writes to the output folder: checkpoint.safetensors (last good weights, saved every \
            --checkpoint-every steps and at the end), losses.npy and loss.csv, samples.npy, summary.json, \
            and the figures loss.svg, score-error.svg (score error during training), fisher-divergence.svg \
            (score error against sigma) and for 2-D data samples.svg and score-field.svg; each figure also \
            as PNG where rsvg-convert is installed.

            The checkpoint also holds what continuing needs (optimiser moments, random state, the run's \
            settings) and losses.npy is saved with it, so that --resume FOLDER continues a stopped run and \
            ends with the same bytes as a run that never stopped (at any --threads: the count does not change \
            the numbers).

            Under mpirun (mpirun -np N .build/release/train-dsm ...), training is data-parallel: each step's \
            batch is drawn as one process draws it, each rank computes the gradients of its 1/N of the rows, \
            and one all-reduce sums them; rank 0 alone writes files, prints and samples. The result equals \
            the one-process run's to rounding (the order of the sums differs).

            On image data (--data digits or fashion-mnist, or --image-shape) the defaults that are not \
            given become --process vp --hidden 512 --layers 3 (fashion-mnist: --hidden 1024 --layers 2) --batch 256 \
            --samples 1000 --eval-every 0, and --clip-denoised for fashion-mnist; and the run also \
            writes samples.png, real-vs-generated.png, forward-process.png and, for the labelled sets, \
            classifier-based measures (Fréchet distance, Inception score, class histogram, copies of \
            training images) beside their values for real test images and for noise.
            """)

    /// What image data change in the defaults, beyond the data set itself: the VP process, a
    /// network wide enough to predict every noise coordinate (H >= d: with H = 512 at d = 784 the
    /// noise at t = 1 was predicted with relative error 0.44 and DDPM samples grew to |x| ~ 100),
    /// and no score error against a kernel-density proxy, which in 64 to 784 dimensions only
    /// measures the distance to the training images (the classifier measures stand in for it).
    /// Fashion-MNIST also samples with the denoised estimate clipped to [-1, 1]: without it the
    /// MLP's noise prediction errors accumulated over the chain to |x| ~ 10 after 3,000 steps;
    /// digits do not, since clipping raised their Fréchet distance from 5.5 to 8.6.
    static func imageDefaults(for dataset: ImageDataset?) -> [(option: String, value: String?)] {
        let network: [(option: String, value: String?)] = dataset == .fashionMNIST
            ? [("--hidden", "1024"), ("--layers", "2")] : [("--hidden", "512"), ("--layers", "3")]
        return [("--process", "vp")] + network + [("--batch", "256"), ("--samples", "1000"), ("--eval-every", "0")]
            + (dataset == .fashionMNIST ? [("--clip-denoised", nil)] : [])
    }

    static func main() {
        let given = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parse(given)
            if command.resume == nil && (command.dataOptions.imageDataset != nil || command.dataOptions.imageShape != nil) {
                let missing = imageDefaults(for: command.dataOptions.imageDataset).filter { default_ in
                    let negated = "--no-" + default_.option.dropFirst(2)
                    return !given.contains { $0 == default_.option || $0.hasPrefix(default_.option + "=") || $0 == negated }
                }
                command = try parse(given + missing.flatMap { [$0.option] + ($0.value.map { [$0] } ?? []) })
            }
            try command.run()
        } catch {
            // Under MPI every rank meets the same error; rank 0 alone says it.
            guard ProcessGroup.launchRank == 0 else { Foundation.exit(exitCode(for: error).rawValue) }
            exit(withError: error)
        }
    }

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var objectiveOptions: ObjectiveOptions

    @OptionGroup var processOptions: ProcessOptions

    @Option(name: .long, help: "Training steps.")
    var steps = 15_000

    @Option(name: .long, help: "Minibatch size.")
    var batch = 512

    @Option(name: .long, help: "Hidden width H of the score network.")
    var hidden = 128

    @Option(name: .long, help: "Hidden layers L of the score network.")
    var layers = 2

    @Option(name: .long, help: "Adam learning rate.")
    var lr: Float = 1e-3

    @Option(name: .long, help: "ve: smallest noise level (training and sampling).")
    var sigmaMin: Float = 0.01

    @Option(name: .long, help: "ve: largest noise level (training and sampling).")
    var sigmaMax: Float = 10

    @Option(name: .long, help: "ve: train on this many geometric noise levels (the NCSN ladder); 0 draws sigma log-uniformly.")
    var sigmaLevels = 0

    @Option(name: .long, help: "Decay of the weight average used for sampling; 0 samples with the last weights.")
    var emaDecay: Float = 0.999

    @Option(name: .long, help: "Random seed: data, initial weights, noise and sampling all derive from it.")
    var seed: UInt64 = 0

    @Option(name: .long, help: ThreadCount.help)
    var threads: ThreadCount = .automatic

    @Option(name: .long, help: ArgumentHelp(
        "Continue the run saved in this folder (or checkpoint file), exactly as if it had not stopped.",
        discussion: """
            The run keeps its data, network, objective, process, learning rate, batch, noise levels, EMA \
            decay and seed (giving another is refused); --steps, --checkpoint-every, --eval-every and \
            --divergence-factor keep the run's values unless given; --threads, --output (default: the \
            resumed folder), the number of MPI ranks and the sampling options may change.
            """, valueName: "folder-or-checkpoint"))
    var resume: String?

    @Option(name: .long, help: "Folder for the outputs (created if missing).")
    var output = "runs/train-dsm"

    @Option(name: .long, help: "Stop as diverged when a step's |loss| exceeds this many times the first step's (0: stop only on NaN or infinity).")
    var divergenceFactor = 1e4

    @Option(name: .long, help: "Save the checkpoint every this many steps (0: only at the end).")
    var checkpointEvery = 1_000

    @Option(name: .long, help: "Measure the score error (at 3 noise levels, EMA weights) every this many steps for score-error.svg; 0: never. Exact for built-in mixtures, else against a kernel-density proxy.")
    var evalEvery = 1_000

    @Option(name: .long, help: "Noise level at which score-field.svg shows the score (for the vp processes: the level of that sigma).")
    var fieldSigma: Float = 0.3

    @OptionGroup var samplerOptions: SamplerOptions

    func validate() throws {
        try Limits.check(steps, "--steps", in: 1...Limits.trainingSteps)
        try Limits.check(batch, "--batch", in: 1...Limits.batch)
        try Limits.check(hidden, "--hidden", in: 1...Limits.hiddenWidth)
        try Limits.check(layers, "--layers", in: 1...Limits.hiddenLayers)
        guard lr > 0 && lr.isFinite else { throw ValidationError("--lr must be positive, got \(lr)") }
        if let problem = SigmaDistribution.logUniform(min: sigmaMin, max: sigmaMax).problem {
            throw ValidationError(problem)
        }
        guard sigmaLevels >= 0 && sigmaLevels != 1 else { throw ValidationError("--sigma-levels must be 0 or at least 2, got \(sigmaLevels)") }
        guard emaDecay >= 0 && emaDecay < 1 else { throw ValidationError("--ema-decay must lie in [0, 1), got \(emaDecay)") }
        guard divergenceFactor >= 0 && divergenceFactor.isFinite else {
            throw ValidationError("--divergence-factor must be 0 or positive and finite, got \(divergenceFactor)")
        }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must not be negative") }
        guard evalEvery >= 0 else { throw ValidationError("--eval-every must not be negative") }
        guard fieldSigma > 0 && fieldSigma.isFinite else { throw ValidationError("--field-sigma must be positive, got \(fieldSigma)") }
    }

    /// The settings that define the run, as (option, value) pairs (nil: the option's default):
    /// what --resume keeps and refuses to change.
    var definingSettings: [(option: String, value: String?)] {
        [("--data", dataOptions.data), ("--data-points", String(dataOptions.dataPoints)),
         ("--objective", objectiveOptions.objective.rawValue), ("--projections", String(objectiveOptions.projections)),
         ("--projection", objectiveOptions.projection.rawValue), ("--process", processOptions.process.name),
         ("--schedule", processOptions.schedule.rawValue), ("--timesteps", String(processOptions.timesteps)),
         ("--parameterisation", processOptions.parameterisation?.rawValue), ("--time-embedding", String(processOptions.timeEmbedding)),
         ("--batch", String(batch)), ("--hidden", String(hidden)), ("--layers", String(layers)), ("--lr", String(lr)),
         ("--sigma-min", String(sigmaMin)), ("--sigma-max", String(sigmaMax)), ("--sigma-levels", String(sigmaLevels)),
         ("--ema-decay", String(emaDecay)), ("--seed", String(seed))]
    }

    /// The run as arguments, recorded in its checkpoints: the defining settings, then those a
    /// resumed run keeps unless told otherwise.
    var recordedArguments: [String] {
        (definingSettings + [("--steps", String(steps)), ("--checkpoint-every", String(checkpointEvery)),
                             ("--eval-every", String(evalEvery)), ("--divergence-factor", String(divergenceFactor))])
            .flatMap { setting in setting.value.map { [setting.option, $0] } ?? [] }
    }

    func execute() throws {
        guard let resume else { return try train(resuming: nil) }
        let file = resume.hasSuffix(".safetensors") ? resume : (resume as NSString).appendingPathComponent("checkpoint.safetensors")
        let saved = try Checkpoint.read(file)
        guard saved.training != nil, let text = saved.run["arguments"],
              let arguments = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw RunFailure("\(file): holds no state to resume from (written by another tool, or before --resume existed)")
        }
        let folder = (file as NSString).deletingLastPathComponent
        let original = try TrainDSM.parse(arguments)
        var continued = try TrainDSM.parse(arguments + ["--output", folder.isEmpty ? "." : folder] + Self.argumentsGivenBesidesResume())
        continued.resume = nil
        for (was, now) in zip(original.definingSettings, continued.definingSettings) where was.value != now.value {
            throw RunFailure("--resume keeps the run's \(was.option) \(was.value ?? "(default)"); this command gives \(now.value ?? "(default)")")
        }
        try continued.train(resuming: (saved, folder.isEmpty ? "." : folder))
    }

    /// This command's arguments without `--resume` and its value.
    static func argumentsGivenBesidesResume() -> [String] {
        var out: [String] = [], skipNext = false
        for argument in CommandLine.arguments.dropFirst() {
            if skipNext { skipNext = false; continue }
            if argument == "--resume" { skipNext = true; continue }
            if argument.hasPrefix("--resume=") { continue }
            out.append(argument)
        }
        return out
    }

    /// Trains from scratch, or from `resuming`'s checkpoint and the losses saved beside it.
    func train(resuming: (checkpoint: Checkpoint, folder: String)?) throws {
        let group = ProcessGroup.world
        guard batch >= group.size else { throw RunFailure("--batch \(batch) is less than the \(group.size) MPI ranks: every rank needs at least one row") }
        let threadLine = ThreadGovernor.shared.start(threads)
        var root = RandomSource(seed: seed)
        var dataRng = root.split(), modelRng = root.split(), trainRng = root.split()
        var sampleRng = root.split(), evalRng = root.split()
        let loaded = try dataOptions.loadData(seed: dataRng.next())
        let data = loaded.points
        let mixture = dataOptions.builtIn?.mixture
        let checksum = String(data.checksum, radix: 16)
        if let resuming, resuming.checkpoint.run["data_checksum"] != checksum {
            throw RunFailure("--resume: \(dataOptions.data) is not the data the run was trained on (its checksum differs)")
        }

        let sigmas: SigmaDistribution = sigmaLevels == 0
            ? .logUniform(min: sigmaMin, max: sigmaMax)
            : .geometricLadder(min: sigmaMin, max: sigmaMax, levels: sigmaLevels)
        let process = processOptions.make(sigmas: sigmas)
        let configuration = processOptions.configuration(for: process, dimension: data.columns, hiddenWidth: hidden, hiddenLayers: layers)
        try Limits.checkMemory(bytes: Limits.trainingBytes(configuration, batch: batch, tangents: objectiveOptions.tangents(dimension: data.columns)),
                               for: "training \(configuration) with --batch \(batch)")
        if hidden < data.columns {
            // Seen on Fashion-MNIST: H = 512 at d = 784 predicted the noise at t = 1 with relative
            // error 0.44, and DDPM samples grew to |x| ~ 100 (the missed components are divided
            // by sqrt(alpha_t) at every step).
            printNow("note: --hidden \(hidden) is below d = \(data.columns): the network's rank is at most \(hidden), so it cannot predict all \(data.columns) noise coordinates at high noise; samples may grow without bound (use --hidden \(data.columns) or more)")
        }
        let objective = try objectiveOptions.make(process: process, dimension: data.columns)
        let sampler = try samplerOptions.make(for: process)
        if group.isLeader { try OutputPath.prepareFolder(output) }
        func path(_ name: String) -> String { (output as NSString).appendingPathComponent(name) }
        let initial = ScoreMLP(configuration: configuration, rng: &modelRng)
        let trainer = ScoreTrainer(model: resuming.map { ScoreMLP(configuration: configuration, parameters: $0.checkpoint.parameters) } ?? initial,
                                   data: data, objective: objective, batchSize: batch, learningRate: lr,
                                   emaDecay: emaDecay > 0 ? emaDecay : nil, rng: trainRng, group: group)
        printNow("train-dsm: \(data.rows) points in \(data.columns)-D from \(dataOptions.data); \(configuration), \(configuration.parameterCount) parameters; \(objective.name), \(steps) steps of batch \(batch); \(process.summary)")
        printNow(threadLine + "; " + InstructionSet.summary)
        if group.size > 1 {
            printNow("data-parallel over \(group.size) MPI ranks: \(group.shard(of: batch).count) of the \(batch) rows a step on rank 0; rank 0 writes the outputs")
        }

        var losses: [Float] = []
        losses.reserveCapacity(steps)
        var curve = ScoreErrorCurve(data: data, mixture: mixture, levels: process.levels(count: 3),
                                    seed: evalRng.next())
        let arguments = String(decoding: try JSONEncoder().encode(recordedArguments), as: UTF8.self)
        func checkpoint() -> Checkpoint {
            var out = Checkpoint(configuration: configuration, parameters: trainer.model.parameters.array,
                                 emaParameters: trainer.ema?.shadow.array, process: process,
                                 dataset: dataOptions.data, seed: seed, step: trainer.step)
            out.training = trainer.state
            out.run = ["arguments": arguments, "data_checksum": checksum, "score_error_curve": curve.record]
            if let shape = loaded.imageShape { out.run["image_shape"] = "\(shape.height),\(shape.width)" }
            return out
        }
        if let (saved, folder) = resuming {
            guard saved.configuration == configuration else { throw RunFailure("--resume: the checkpoint's network is \(saved.configuration), this run's \(configuration)") }
            guard saved.step <= steps else { throw RunFailure("--resume: the run is at step \(saved.step), past --steps \(steps)") }
            let savedLosses = try NumpyArray.read((folder as NSString).appendingPathComponent("losses.npy")).values
            guard savedLosses.count >= saved.step else {
                throw RunFailure("--resume: \(folder)/losses.npy holds \(savedLosses.count) losses, the checkpoint is at step \(saved.step)")
            }
            losses = Array(savedLosses.prefix(saved.step))
            guard curve.restore(from: saved.run["score_error_curve"] ?? "") else { throw RunFailure("--resume: the checkpoint's score-error record does not parse") }
            do {
                try trainer.restore(saved.training!, ema: saved.emaParameters)
            } catch {
                throw RunFailure("--resume: \(error)")
            }
            printNow("resuming at step \(saved.step) of \(steps)")
        }
        func saveLosses() throws {
            guard group.isLeader else { return }
            try NumpyArray(shape: [losses.count], values: losses).write(to: path("losses.npy"))
            try AtomicFile.write("step,loss\n" + losses.enumerated().map { "\($0 + 1),\($1)" }.joined(separator: "\n") + "\n",
                                 to: path("loss.csv"))
        }
        trainer.divergenceFactor = divergenceFactor > 0 ? divergenceFactor : nil
        let progress = ProgressLine("training: step", total: steps)
        let started = Date(), firstStep = trainer.step
        var recent = Double(losses.last ?? 0), savedStep = resuming.map(\.checkpoint.step)
        do {
            for step in (trainer.step + 1)..<(steps + 1) {
                let loss = try trainer.trainStep()
                losses.append(Float(loss))
                recent = losses.count == 1 ? loss : 0.98 * recent + 0.02 * loss
                progress.update(step, detail: String(format: "loss %.4f", recent))
                if group.isLeader && evalEvery > 0 && (step % evalEvery == 0 || step == steps) { curve.measure(trainer.samplingModel, step: step) }
                if checkpointEvery > 0 && step % checkpointEvery == 0 {
                    try checkRanksAgree(trainer, step: step)
                    // Losses first: a checkpoint never runs ahead of the losses saved beside it.
                    try saveLosses()
                    if group.isLeader { try checkpoint().write(to: path("checkpoint.safetensors")) }
                    savedStep = step
                }
            }
        } catch let diverged as TrainingDiverged {
            try saveLosses()
            let kept = savedStep.map { "the last good checkpoint (step \($0)) is \(path("checkpoint.safetensors"))" }
                ?? "no checkpoint of this run had been saved yet"
            throw RunFailure("\(diverged); \(kept)")
        }
        let trainingSeconds = Date().timeIntervalSince(started), stepsTrained = steps - firstStep
        try checkRanksAgree(trainer, step: steps)
        // The other ranks' part ends with the training; rank 0 saves, samples and measures.
        guard group.isLeader else { return group.finish() }
        try saveLosses()
        try checkpoint().write(to: path("checkpoint.safetensors"))

        let score = NetworkScore(model: trainer.samplingModel)
        let sampleStart = Date()
        let run = try samplerOptions.draw(with: sampler, from: score, rng: &sampleRng)
        let samples = run.samples
        let samplingSeconds = Date().timeIntervalSince(sampleStart)
        try NumpyArray(samples).write(to: path("samples.npy"))
        if data.columns == 2 {
            try FigureFile.write(Figures.samples(samples, over: data, density: mixture,
                                                 title: "\(sampler.name) samples (\(dataOptions.data), \(process.name))"),
                                 to: path("samples.svg"))
            try FigureFile.write(Figures.scoreField(learned: score, exact: mixture, over: data, at: process.level(ofSigma: Double(fieldSigma)),
                                                    title: "Score field at sigma = \(fieldSigma)"),
                                 to: path("score-field.svg"))
        }
        try FigureFile.write(Figures.lossCurve(losses, title: "Training loss (\(objective.name))"), to: path("loss.svg"))
        if !curve.steps.isEmpty {
            try FigureFile.write(Figures.scoreErrorCurve(steps: curve.steps, sigmas: curve.sigmas, errors: curve.errors,
                                                         title: "Score error during training (\(curve.reference))"),
                                 to: path("score-error.svg"))
        }

        let evaluationStart = Date()
        let report = SampleReport(model: loaded.hasScoreProxy ? score : nil, samples: samples, data: data, dataset: dataOptions.builtIn,
                                  levels: process.levels(count: 5), rng: &evalRng)
        let evaluationSeconds = Date().timeIntervalSince(evaluationStart)
        if !report.scoreErrors.isEmpty {
            try FigureFile.write(Figures.fisherDivergence([("learned score", report.scoreErrors)], title: "Score error against noise level"),
                                 to: path("fisher-divergence.svg"))
        }
        let finalLoss = losses.suffix(200).reduce(0.0) { $0 + Double($1) } / Double(min(200, losses.count))
        var summary = report.json
        if let shape = loaded.imageShape {
            let images = try ImageReport(samples: samples, data: loaded, shape: shape, process: process, folder: output, seed: evalRng.next())
            summary["images"] = images.json
            images.lines.forEach(printNow)
        }
        summary["final_loss_mean_last_200"] = finalLoss
        summary["steps"] = steps
        summary["openblas"] = BLAS.kernels.fields
        summary["objective"] = objective.name
        summary["process"] = process.name
        summary["sampler"] = sampler.name
        summary["sampler_evaluations"] = run.evaluations
        summary["training_seconds"] = trainingSeconds
        summary["training_steps_per_second"] = Double(stepsTrained) / trainingSeconds
        summary["sampling_seconds"] = samplingSeconds
        summary["evaluation_seconds"] = evaluationSeconds
        if !curve.steps.isEmpty {
            summary["score_error_during_training"] = ["steps": curve.steps, "sigmas": curve.sigmas.map(Double.init),
                                                      "errors": curve.errors, "reference": curve.reference]
        }
        summary["samples"] = samples.rows
        summary["dataset"] = dataOptions.data
        summary["seed"] = seed
        summary["threads"] = ThreadGovernor.shared.summary
        summary["mpi_ranks"] = group.size
        try JSONReport.write(summary, to: path("summary.json"))
        printNow(String(format: "trained %d steps in %.1f s (%.0f steps/s, threads %@); final loss (mean of last 200) %.4f",
                     stepsTrained, trainingSeconds, Double(stepsTrained) / trainingSeconds, ThreadGovernor.shared.summary, finalLoss))
        printNow(String(format: "drew %d samples in %.1f s; measured them in %.1f s", samples.rows, samplingSeconds, evaluationSeconds))
        report.lines.forEach(printNow)
        printNow("outputs in \(output)/")
        group.finish()
    }

    /// Stops the run if the ranks' weights have drifted apart (they take identical steps, so
    /// this would mean the sums reached them with different bits).
    func checkRanksAgree(_ trainer: ScoreTrainer<ScoreMLP>, step: Int) throws {
        guard trainer.ranksAgree else {
            throw RunFailure("the \(trainer.group.size) MPI ranks hold different weights at step \(step): their gradient sums differed")
        }
    }
}
