import Foundation

/// An advisory lock on an output folder for the life of this process, so that two runs never
/// write the same files at once: the second refuses, naming the first's process id. The lock is
/// flock(2)'s, which the kernel drops when its process ends however it ends, so the lock file a
/// killed run leaves behind blocks nothing. The lock file lives in the temporary folder, named by
/// the folder's device and inode: every spelling of the folder's path meets the same lock, and
/// the outputs hold nothing but the run's files.
public enum OutputLock {
    /// Lock files this process holds, by path, with their open descriptors (never closed: the
    /// lock lasts until the process exits).
    nonisolated(unsafe) static var held: [String: Int32] = [:]
    /// The locked folders, open (never closed either).
    nonisolated(unsafe) static var pinned: [Int32] = []

    /// The lock file of existing folder `folder`.
    public static func file(for folder: String) throws -> String {
        var info = stat()
        guard stat(folder, &info) == 0 else { throw RunFailure("\(folder): \(String(cString: strerror(errno)))") }
        return (NSTemporaryDirectory() as NSString).appendingPathComponent("scorekit-output-\(info.st_dev)-\(info.st_ino).lock")
    }

    /// Takes the lock of existing folder `output`, or throws naming the process that holds it.
    static func acquire(_ output: String, option: String) throws {
        let file = try file(for: output)
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
        // The folder itself stays open as long as the lock: were it deleted, its inode could not
        // be reused by a new folder, which would then meet this lock file while it is still held.
        pinned.append(open(output, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
    }
}
