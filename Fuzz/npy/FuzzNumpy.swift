import Foundation

/// Any bytes through the .npy reader and on to a data matrix. A thrown `InputError` is the reader
/// doing its job; a trap or a memory error is a finding.
func fuzzNumpy(_ bytes: Data) {
    _ = try? DataFile.decode(bytes, format: "npy", name: "fuzz.npy")
}
