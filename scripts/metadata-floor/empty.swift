// The floor of the floor: a static Swift program that uses no generic type at all.
#if canImport(Glibc)
import Glibc
#endif
@inline(never) func use(_ n: Int) { if n == 12345 { puts("never") } }
use(Int(CommandLine.argc))
