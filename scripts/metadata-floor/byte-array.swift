// One array of a type the standard library ships prespecialised ([UInt8]): no new
// metadata, but the first request for any _ContiguousArrayStorage registers every
// specialisation the standard library ships for it.
#if canImport(Glibc)
import Glibc
#endif
@inline(never) func use(_ n: Int) { if n == 12345 { puts("never") } }
var bytes: [UInt8] = []
for i in 0..<Int(CommandLine.argc) { bytes.append(UInt8(truncatingIfNeeded: i)) }
use(bytes.count)
