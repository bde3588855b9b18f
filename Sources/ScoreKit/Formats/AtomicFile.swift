import Foundation

/// Whole-file writes that either fully happen or leave the old file in place.
public enum AtomicFile {
    /// Writes `data` to a temporary file in the destination's folder, flushes it, then renames
    /// it over `path` (rename(2) is atomic within a file system), so a reader or an interrupted
    /// run never sees a half-written file.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: temporary)
            if let handle = FileHandle(forUpdatingAtPath: temporary.path) {
                try? handle.synchronize()
                try? handle.close()
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw InputError("cannot write \(path): \(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw InputError("cannot move the new \(url.lastPathComponent) into place: \(reason)")
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// The bytes of a file, or an `InputError` naming the file.
    public static func read(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError("\(path): no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("\(path): cannot be read") }
        return data
    }
}
