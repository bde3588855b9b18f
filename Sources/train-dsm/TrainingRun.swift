import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitMPI
import ScoreKitStudies

/// One train-dsm run of a `RunConfiguration`, in four parts: `init` prepares it (data, process,
/// network, objective, sampler, trainer, the output folder), `restore` continues a checkpoint,
/// `loop` trains with checkpoints and progress, and `report` samples, measures and writes.
final class TrainingRun {
    let run: RunConfiguration
    let command: TrainDSM
    let output: String
    let group = ProcessGroup.world
    let threadLine: String
    var sampleRng: RandomSource, evalRng: RandomSource
    let dataOptions: DataOptions
    let loaded: LoadedData
    let checksum: String
    let process: any ForwardProcess
    let configuration: any NetworkConfiguration
    let objective: any ScoreObjective
    let sampling: SamplerOptions
    let sampler: any ScoreSampler
    let trainer: any ScoreTraining
    var losses: [Float] = []
    var curve: ScoreErrorCurve
    /// The last step saved in a checkpoint, named when the run diverges.
    var savedStep: Int?

    var data: Matrix { loaded.points }

    /// Prepares the run; `resuming` supplies the weights and is checked against the data.
    init(run: RunConfiguration, command: TrainDSM, output: String, resuming: Checkpoint?) throws {
        self.run = run
        self.command = command
        self.output = output
        guard run.batch >= group.size else {
            throw RunFailure("--batch \(run.batch) is less than the \(group.size) MPI ranks: every rank needs at least one row")
        }
        threadLine = ThreadGovernor.shared.start(command.runOptions.threads)
        var root = RandomSource(seed: run.seed)
        var dataRng = root.split(), modelRng = root.split()
        let trainRng = root.split()
        sampleRng = root.split()
        evalRng = root.split()
        var dataOptions = command.dataOptions
        (dataOptions.data, dataOptions.dataPoints) = (run.data.name, run.data.points)
        self.dataOptions = dataOptions
        loaded = try dataOptions.loadData(seed: dataRng.next())
        let data = loaded.points
        checksum = String(data.checksum, radix: 16)
        if let resuming, resuming.run["data_checksum"] != checksum {
            throw RunFailure("--resume: \(run.data.name) is not the data the run was trained on (its checksum differs)")
        }

        process = try run.makeProcess()
        configuration = try run.networkConfiguration(for: process, dimension: data.columns, image: loaded.imageShape)
        try Limits.checkMemory(bytes: Limits.trainingBytes(configuration, batch: run.batch, tangents: run.tangents(dimension: data.columns)),
                               for: "training \(configuration) with --batch \(run.batch)")
        let hidden = run.network.hiddenWidth
        if configuration is MLPConfiguration && hidden < data.columns {
            // Seen on Fashion-MNIST: H = 512 at d = 784 predicted the noise at t = 1 with relative
            // error 0.44, and DDPM samples grew to |x| ~ 100 (the missed components are divided
            // by sqrt(alpha_t) at every step).
            printNow("note: --hidden \(hidden) is below d = \(data.columns): the network's rank is at most \(hidden), so it cannot predict all \(data.columns) noise coordinates at high noise; samples may grow without bound (use --hidden \(data.columns) or more)")
        }
        objective = try run.makeObjective(process: process, dimension: data.columns, network: configuration)
        // The run's sample count and clipping already hold the options given (or a resumed run's).
        sampling = command.samplerOptions.filling(from: run.sampling)
        sampler = try sampling.make(for: process)
        if group.isLeader { try OutputPath.prepareFolder(output) }
        let shape = configuration, initial = shape.makeNetwork(rng: &modelRng)
        let network = resuming.map { shape.network(parameters: $0.parameters) } ?? initial
        trainer = Self.trainer(for: network, data: data, objective: objective, run: run, rng: trainRng, group: group)
        printNow("train-dsm: \(data.rows) points in \(data.columns)-D from \(run.data.name); \(configuration), \(configuration.parameterCount) parameters; \(objective.name), \(run.length.trainSteps) steps of batch \(run.batch); \(process.summary)")
        printNow(threadLine + "; " + InstructionSet.summary)
        if group.size > 1 {
            printNow("data-parallel over \(group.size) MPI ranks: \(group.shard(of: run.batch).count) of the \(run.batch) rows a step on rank 0; rank 0 writes the outputs")
        }
        losses.reserveCapacity(run.length.trainSteps)
        curve = ScoreErrorCurve(data: data, mixture: dataOptions.builtIn?.mixture, levels: process.levels(count: 3), seed: evalRng.next())
    }

    /// A trainer for `network`, whichever kind it is.
    static func trainer<Network: ScoreNetwork>(for network: Network, data: Matrix, objective: any ScoreObjective, run: RunConfiguration,
                                               rng: RandomSource, group: any GradientReducer) -> any ScoreTraining {
        ScoreTrainer(model: network, data: data, objective: objective, batchSize: run.batch, learningRate: run.optimiser.learningRate,
                     emaDecay: run.emaDecay > 0 ? run.emaDecay : nil, rng: rng, group: group)
    }

    func path(_ name: String) -> String { (output as NSString).appendingPathComponent(name) }

    /// The run as a checkpoint: weights, their average, the state to continue from and the
    /// run's configuration and measurements so far.
    var checkpoint: Checkpoint {
        var out = Checkpoint(configuration: configuration, parameters: trainer.parameters.array,
                             emaParameters: trainer.averagedParameters?.array, process: process,
                             dataset: run.data.name, seed: run.seed, step: trainer.step)
        out.training = trainer.state
        out.run = ["configuration": run.json, "data_checksum": checksum, "score_error_curve": curve.record]
        if let shape = loaded.imageShape { out.run["image_shape"] = "\(shape.height),\(shape.width)" }
        return out
    }

    /// Continues `saved`: its optimiser state, random state, weight average, and the losses and
    /// score-error record saved in `folder`.
    func restore(_ saved: Checkpoint, folder: String) throws {
        guard configuration.isSame(as: saved.configuration) else {
            throw RunFailure("--resume: the checkpoint's network is \(saved.configuration), this run's \(configuration)")
        }
        guard saved.step <= run.length.trainSteps else {
            throw RunFailure("--resume: the run is at step \(saved.step), past --train-steps \(run.length.trainSteps)")
        }
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
        savedStep = saved.step
        printNow("resuming at step \(saved.step) of \(run.length.trainSteps)")
    }

    func saveLosses() throws {
        guard group.isLeader else { return }
        try NumpyArray(shape: [losses.count], values: losses).write(to: path("losses.npy"))
        try AtomicFile.write("step,loss\n" + losses.enumerated().map { "\($0 + 1),\($1)" }.joined(separator: "\n") + "\n",
                             to: path("loss.csv"))
    }

    /// Trains to the last step, saving checkpoints as it goes; returns the steps trained here and
    /// their seconds. A diverged run stops with the last good checkpoint named.
    func loop() throws -> (steps: Int, seconds: Double) {
        let steps = run.length.trainSteps, length = run.length
        trainer.divergenceFactor = length.divergenceFactor > 0 ? length.divergenceFactor : nil
        let progress = ProgressLine("training: step", total: steps, from: trainer.step)
        let started = Date(), firstStep = trainer.step
        var recent = Double(losses.last ?? 0)
        do {
            for step in (trainer.step + 1)..<(steps + 1) {
                let loss = try trainer.trainStep()
                losses.append(Float(loss))
                recent = losses.count == 1 ? loss : 0.98 * recent + 0.02 * loss
                progress.update(step, detail: String(format: "loss %.4f", recent))
                if group.isLeader && length.evalEvery > 0 && (step % length.evalEvery == 0 || step == steps) {
                    curve.measure(trainer.samplingNetwork, step: step)
                }
                if length.checkpointEvery > 0 && step % length.checkpointEvery == 0 {
                    try checkRanksAgree(step: step)
                    do {
                        // Losses first: a checkpoint never runs ahead of the losses saved beside it.
                        try saveLosses()
                        if group.isLeader { try checkpoint.write(to: path("checkpoint.safetensors")) }
                    } catch {
                        // A full disk, say: the files are written atomically, so the last one stands.
                        let reason = "\(error)"
                        throw RunFailure("step \(step): \(reason.hasSuffix(".") ? String(reason.dropLast()) : reason); \(lastGood)")
                    }
                    savedStep = step
                }
            }
        } catch let diverged as TrainingDiverged {
            try saveLosses()
            throw RunFailure("\(diverged); \(lastGood)")
        }
        let seconds = Date().timeIntervalSince(started)
        try checkRanksAgree(step: steps)
        return (steps - firstStep, seconds)
    }

    /// Where the run can continue from when it stops early.
    var lastGood: String {
        savedStep.map { "the last good checkpoint (step \($0)) is \(path("checkpoint.safetensors"))" } ?? "no checkpoint of this run had been saved yet"
    }

    /// Stops the run if the ranks' weights have drifted apart (they take identical steps, so
    /// this would mean the sums reached them with different bits).
    func checkRanksAgree(step: Int) throws {
        guard trainer.ranksAgree else {
            throw RunFailure("the \(trainer.group.size) MPI ranks hold different weights at step \(step): their gradient sums differed")
        }
    }

    /// Rank 0 saves the last checkpoint, samples, draws the figures and writes summary.json;
    /// the other ranks' part ends with the training.
    func report(trained: (steps: Int, seconds: Double)) throws {
        guard group.isLeader else { return group.finish() }
        try saveLosses()
        try checkpoint.write(to: path("checkpoint.safetensors"))
        let mixture = dataOptions.builtIn?.mixture, fieldSigma = command.fieldSigma

        let score = NetworkScore(model: trainer.samplingNetwork)
        let sampleStart = Date()
        let drawn = try sampling.draw(with: sampler, from: score, rng: &sampleRng)
        let samples = drawn.samples
        let samplingSeconds = Date().timeIntervalSince(sampleStart)
        try NumpyArray(samples).write(to: path("samples.npy"))
        if data.columns == 2 {
            try FigureFile.write(Figures.samples(samples, over: data, density: mixture,
                                                 title: "\(sampler.name) samples (\(run.data.name), \(process.name))"),
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
        summary["steps"] = run.length.trainSteps
        summary["openblas"] = BLAS.kernels.fields
        summary["objective"] = objective.name
        summary["process"] = process.name
        summary["sampler"] = sampler.name
        summary["sampler_evaluations"] = drawn.evaluations
        summary["training_seconds"] = trained.seconds
        summary["training_steps_per_second"] = Double(trained.steps) / trained.seconds
        summary["sampling_seconds"] = samplingSeconds
        summary["evaluation_seconds"] = evaluationSeconds
        if !curve.steps.isEmpty {
            summary["score_error_during_training"] = ["steps": curve.steps, "sigmas": curve.sigmas.map(Double.init),
                                                      "errors": curve.errors, "reference": curve.reference]
        }
        summary["samples"] = samples.rows
        summary["dataset"] = run.data.name
        summary["seed"] = run.seed
        summary["threads"] = ThreadGovernor.shared.summary
        summary["mpi_ranks"] = group.size
        try JSONReport.write(summary, to: path("summary.json"))
        printNow(String(format: "trained %d steps in %.1f s (%@ steps/s, threads %@); final loss (mean of last 200) %.4f",
                     trained.steps, trained.seconds, ProgressLine.rate(Double(trained.steps) / trained.seconds), ThreadGovernor.shared.summary, finalLoss))
        printNow(String(format: "drew %d samples in %.1f s; measured them in %.1f s", samples.rows, samplingSeconds, evaluationSeconds))
        report.lines.forEach(printNow)
        printNow("outputs in \(output)/")
        group.finish()
    }
}
