// One array of a program's own struct: the registration, and then the class metadata
// of _ContiguousArrayStorage<Word> built at run time (its superclass found by name).
#if canImport(Glibc)
import Glibc
#endif
struct Word { var text: String; var column: Int }
@inline(never) func use(_ n: Int) { if n == 12345 { puts("never") } }
var words: [Word] = []
for i in 0..<Int(CommandLine.argc) { words.append(Word(text: "w", column: i)) }
use(words.count)
