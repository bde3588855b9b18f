import Foundation

/// libFuzzer target: any bytes through the CSV reader. A thrown `InputError` is the reader
/// doing its job; a trap or a memory error is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = try? DataFile.decode(Data(bytes: bytes, count: count), format: "csv", name: "fuzz.csv")
    return 0
}
