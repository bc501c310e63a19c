#if canImport(Glibc)
import Glibc
#endif
import Sandbox

// The re-executed child (`/proc/self/exe <child verb> ...`) is dispatched before anything
// else runs: it starts twice per sandbox, so nothing here may do work the child does not need.
if CommandLine.argc > 1, CommandLine.arguments[1] == Sandbox.childVerb {
    Sandbox.childMain()
}
exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
