import Foundation

/// libFuzzer target: any bytes through the .npy reader and on to a data matrix. A thrown
/// `InputError` is the reader doing its job; a trap or a memory error is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumpy(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = try? DataFile.decode(Data(bytes: bytes, count: count), format: "npy", name: "fuzz.npy")
    return 0
}
