import Foundation

// SwiftPM generates `Bundle.module` for the library's resources; a fuzzer build compiles the
// sources with swiftc alone, so it stands in here. No fuzz target reads a resource.
extension Foundation.Bundle {
    static let module = Bundle.main
}
