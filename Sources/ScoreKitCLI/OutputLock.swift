import Foundation

/// An advisory lock on an output for the life of this process, so that two runs never write the
/// same files at once: the second refuses, naming the first's process id. The lock is flock(2)'s,
/// which the kernel drops when its process ends however it ends, so the lock file a killed run
/// leaves behind blocks nothing.
enum OutputLock {
    /// Lock files this process holds, by path, with their open descriptors (never closed: the
    /// lock lasts until the process exits).
    nonisolated(unsafe) static var held: [String: Int32] = [:]

    /// Takes the lock `file` (created if missing) for `output`, or throws naming the process
    /// that holds it.
    static func acquire(_ file: String, for output: String, option: String) throws {
        guard held[file] == nil else { return }
        let descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunFailure("\(option) \(output): cannot open the lock file \(file): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let owner = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw RunFailure("\(option) \(output) is in use by process \(owner.flatMap { $0.isEmpty ? nil : $0 } ?? "(unknown)"), another run writing there; wait for it to end or choose another \(option)")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        held[file] = descriptor
    }
}
