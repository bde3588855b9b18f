import CLaunch
import Foundation
import ScoreKit

/// Gives every tool OpenBLAS's best kernels for the CPU before it does any work.
///
/// OpenBLAS picks its kernels once, when it loads, and on a CPU newer than itself it falls back
/// to SSE3 ("Prescott") at a third of the speed. When `OPENBLAS_CORETYPE` is unset and the
/// detected kernels are below the CPU (`KernelChoice.plan`), the tool starts itself again (same
/// process id, arguments and environment) with the variable naming the best candidate. The new
/// process checks that OpenBLAS really runs that core and that its products are right
/// (`ProductCheck`); a core that is missing, wrong or crashes is dropped for the next, and with
/// none left OpenBLAS's own choice runs. A value the user set is never replaced.
public enum KernelLaunch {
    /// Called first in `ScoreKitCommand.run()`; returns once this process's kernels are final.
    public static func settle() {
        guard var choice = KernelChoice.inherited, choice.trying == OpenBLASKernels.userCoreType else {
            let kernels = OpenBLASKernels.current
            if let plan = KernelChoice.plan(cpu: kernels.cpu, detected: kernels.core, userSet: OpenBLASKernels.userCoreType) {
                relaunch(plan)
            }
            return
        }
        guard let trying = choice.trying else { return }
        let running = OpenBLASKernels.current
        guard trying.lowercased() == running.core.lowercased() else {
            choice.dropTrying(because: "is not in OpenBLAS \(running.version)")
            return relaunch(choice)
        }
        var onFault = choice
        onFault.dropTrying(because: "crashed in the product check")
        let fallback = Launch(onFault)
        let armed = sk_relaunch_on_fault(fallback.path, fallback.arguments, fallback.environment) == 0
        let failure = ProductCheck.run()
        if armed { sk_relaunch_on_fault_cancel() }
        if let failure {
            choice.dropTrying(because: "failed the product check: it \(failure)")
            relaunch(choice)
        }
    }

    /// What a child process started by a tool gets in place of this launch's choice: the user's
    /// environment as it was, so that another program's OpenBLAS detects for itself.
    static var childEnvironment: [String: String?] {
        guard case .chosen = OpenBLASKernels.current.source else { return [:] }
        return ["OPENBLAS_CORETYPE": nil, KernelChoice.environmentKey: nil]
    }

    /// Replaces the process by the same command under `choice`; returns only if that fails.
    static func relaunch(_ choice: KernelChoice) {
        let launch = Launch(choice)
        execve(launch.path, launch.arguments, launch.environment)
        let reason = String(cString: strerror(errno))
        FileHandle.standardError.write(Data("kernels: could not start again with OPENBLAS_CORETYPE=\(choice.trying ?? "(unset)") (\(reason)); keeping \(OpenBLASKernels.current.core)\n".utf8))
    }

    /// The C arrays for execve: this executable, its arguments, and the environment with
    /// `OPENBLAS_CORETYPE` and the record set for `choice`. They are never freed: the process is
    /// replaced, or they must outlive the fault handler that may use them.
    struct Launch {
        let path = "/proc/self/exe"
        let arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
        let environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

        init(_ choice: KernelChoice) {
            var variables = ProcessInfo.processInfo.environment
            variables["OPENBLAS_CORETYPE"] = choice.trying
            variables[KernelChoice.environmentKey] = choice.encoded
            arguments = Self.cArray(CommandLine.arguments)
            environment = Self.cArray(variables.map { "\($0.key)=\($0.value)" })
        }

        static func cArray(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
            let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
            for (index, string) in strings.enumerated() { array[index] = strdup(string) }
            array[strings.count] = nil
            return array
        }
    }
}
