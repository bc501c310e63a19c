// libedit's editline/readline-free API (el_*, history_*), from Debian's libedit-dev.
#include <histedit.h>
