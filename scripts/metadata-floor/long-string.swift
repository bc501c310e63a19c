// One String of 64 bytes or more, freed: the standard library's __StringStorage deinit
// destroys its breadcrumbs slot (_StringBreadcrumbs?) through the runtime, which
// demangles the type's name and registers Optional's specialisations on first use.
#if canImport(Glibc)
import Glibc
#endif
@inline(never) func use(_ n: Int) { if n == 12345 { puts("never") } }
@inline(never) func line() -> String { String(repeating: "x", count: Int(CommandLine.argc) + 99) }
do { let text = line(); use(text.utf8.count) }
