import ArgumentParser
@testable import bench
@testable import compare_objectives
@testable import compare_samplers
@testable import eval_score
@testable import evaluate
@testable import image_study
@testable import likelihood
@testable import noise_study
@testable import sample
import ScoreKit
@testable import train_dsm
@testable import tutorial
import Testing

/// Every tool's command line, parsed and validated in-process from generated options and values,
/// is refused with a message or accepted: never a trap.
@Suite struct OptionProperties {
    /// Each tool with the arguments it cannot run without, which every generated line starts with
    /// (the options drawn after them may repeat one, and the last wins).
    static let tools: [(command: any ParsableCommand.Type, required: [String])] = [
        (TrainDSM.self, []), (EvalScore.self, ["--checkpoint", "c.safetensors", "--points", "p.npy", "--sigma", "0.1"]),
        (Sample.self, ["--checkpoint", "c.safetensors"]), (Evaluate.self, ["--checkpoint", "c.safetensors"]),
        (CompareObjectives.self, []), (NoiseStudy.self, []), (ImageStudy.self, []), (Likelihood.self, ["--checkpoint", "c.safetensors"]),
        (CompareSamplers.self, []), (Bench.self, []), (Tutorial.self, []),
    ]

    /// The long options a command's help lists.
    static func options(of tool: any ParsableCommand.Type) -> [String] {
        let help = tool.helpMessage(columns: 200)
        var names = Set<String>()
        for word in help.split(whereSeparator: { " ,.;:\n()[]<>|/=".contains($0) }) where word.hasPrefix("--") && word.count > 2 {
            names.insert(String(word))
        }
        return names.sorted()
    }

    /// Values a user could type: hostile numbers, lists, names, paths and nothing at all.
    static let values = ByteEdit.hostileNumbers + ["0.5", "-0.5", "1e-3", "3", "10", "1,2", "32,64", "0,0", "a,b", "", " ", "auto", "true", "false",
                                                   "ve", "vp", "ddim", "dsm", "digits", "8gaussians", "fashion-mnist", "/nonexistent/x.npy",
                                                   "/dev/null", "-", "--", "8,8", "28,28"]

    struct CommandLine: CustomStringConvertible {
        let arguments: [String]
        var description: String { arguments.map { $0.isEmpty ? "''" : $0 }.joined(separator: " ") }
    }

    static func commandLines(_ names: [String], after required: [String]) -> Generated<CommandLine> {
        Generated(draw: { rng in
            CommandLine(arguments: required + (0..<rng.int(in: 1...5)).flatMap { _ -> [String] in
                let name = rng.pick(names)
                return rng.int(in: 0...5) == 0 ? [name] : [name, rng.int(in: 0...1) == 0 ? rng.pick(values) : rng.awkwardString(length: 4)]
            })
        }, shrink: { line in
            (required.count..<line.arguments.count).map { k in CommandLine(arguments: Array(line.arguments[..<k] + line.arguments[(k + 1)...])) }
        })
    }

    @Test func everyToolRefusesOrAcceptsWhatItIsGiven() {
        for (tool, required) in Self.tools {
            let names = Self.options(of: tool).filter { $0 != "--help" && $0 != "--version" }
            #expect(names.count >= 3, "\(tool) lists its options in its help")
            var accepted = 0
            PropertyCheck.check("\(tool._commandName) options", cases: 150, Self.commandLines(names, after: required)) { line in
                do {
                    let command = try tool.parse(line.arguments)
                    accepted += 1
                    // train-dsm's run as it would start: its settings, and the process they make.
                    guard let train = command as? TrainDSM else { return nil }
                    let process = try train.configuration(over: train.standard).makeProcess()
                    return ProcessProperties.problem(with: process).map { "accepted a process that is not sound: \($0)" }
                } catch {
                    return String(describing: error).isEmpty ? "refused without a reason: \(error)" : nil
                }
            }
            #expect(accepted > 0, "\(tool._commandName) accepted none of the generated command lines")
        }
    }

    /// A `sample` command line and the process of the model it samples.
    struct SamplingCase: CustomStringConvertible {
        let line: CommandLine
        let process: any ForwardProcess
        var description: String { "sample \(line) on \(process.summary)" }
    }

    @Test func everySamplerTheOptionsAcceptIsBuiltOrRefusedOnEveryProcess() {
        let lines = Self.commandLines(Self.options(of: Sample.self).filter { $0 != "--help" }, after: ["--checkpoint", "c.safetensors"])
        let cases = Generated<SamplingCase>(draw: { rng in
            let settings = ProcessProperties.settings.draw(&rng)
            let type = rng.pick(ProcessRegistry.processes.filter { settings.sigmas.problem == nil || ObjectIdentifier($0) != ObjectIdentifier(VarianceExploding.self) })
            return SamplingCase(line: lines.draw(&rng), process: type.init(settings: settings))
        }, shrink: { c in lines.shrink(c.line).map { SamplingCase(line: $0, process: c.process) } })
        var built = 0
        PropertyCheck.check("sampler from sample's options", cases: 400, cases) { c in
            guard let command = try? Sample.parse(c.line.arguments) else { return nil }
            do {
                let (process, _) = try command.sampling(c.process)
                built += 1
                return ProcessProperties.problem(with: process).map { "samples a process that is not sound: \($0)" }
            } catch {
                return String(describing: error).isEmpty ? "refused without a reason" : nil
            }
        }
        #expect(built > 0, "no generated case built a sampler")
    }

    /// What the properties found, kept as plain cases.
    @Test func findingsStayFixed() throws {
        // A ladder of 2^63 levels hung train-dsm while it filled the ladder.
        #expect(throws: (any Error).self) { try TrainDSM.parse(["--sigma-levels", "9223372036854775807"]) }
        // T = 2 made the linear schedule's second beta 10, abar negative and alpha NaN.
        let train = try TrainDSM.parse(["--process", "vp", "--timesteps", "2"])
        #expect(ProcessProperties.problem(with: try train.configuration(over: train.standard).makeProcess()) == nil)
        // sigma-max 3.4e38 drew infinite training levels; sigma-min 1e-40 made 1 / sigma infinite.
        for (low, high) in [("1", "3.4e38"), ("1e-40", "1")] {
            let command = try TrainDSM.parse(["--sigma-min", low, "--sigma-max", high])
            #expect(throws: (any Error).self) { try command.configuration(over: command.standard) }
        }
    }
}
