import Foundation

/// The targets by the name of their folder in Fuzz/. One instrumented build holds them all (the
/// library's build is what takes time); `SCOREKIT_FUZZ_TARGET` says which one a run feeds.
let fuzzTargets: [String: (Data) -> Void] = ["npy": fuzzNumpy, "csv": fuzzCSV, "safetensors": fuzzSafeTensors]

/// The target this run feeds, read once.
let fuzzTarget: (Data) -> Void = {
    let name = ProcessInfo.processInfo.environment["SCOREKIT_FUZZ_TARGET"] ?? ""
    guard let target = fuzzTargets[name] else {
        FileHandle.standardError.write(Data("fuzz: set SCOREKIT_FUZZ_TARGET to one of \(fuzzTargets.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    fuzzTarget(Data(bytes: bytes, count: count))
    return 0
}
