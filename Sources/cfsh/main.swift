#if canImport(Glibc)
import Glibc
#endif
import Sandbox

// The re-executed child (`/proc/self/exe <child verb> ...`) is dispatched before anything
// else runs: it starts twice per sandbox, so nothing here may do work the child does not
// need — it looks at argv[1] as a C string, without building `CommandLine.arguments`.
if CommandLine.argc > 1, let verb = CommandLine.unsafeArgv[1],
   Sandbox.childVerb.withCString({ strcmp(verb, $0) }) == 0 {
    Sandbox.childMain()
}
exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
