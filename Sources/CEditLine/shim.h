// libedit (BSD editline and history), from Debian's libedit-dev.
//
// el_set(3) and history(3) are variadic C functions, which Swift cannot call; each
// static inline wrapper below fixes one use to a typed signature. Only the interactive
// shell touches these: scripts and `cfsh -c` never initialise libedit.
#include <stdio.h>
#include <histedit.h>

typedef char *(*cfs_prompt_fn)(EditLine *);
typedef unsigned char (*cfs_editor_fn)(EditLine *, int);

static inline int cfs_el_set_prompt(EditLine *el, cfs_prompt_fn fn) {
    return el_set(el, EL_PROMPT, fn);
}
static inline int cfs_el_set_editor(EditLine *el, const char *mode) {
    return el_set(el, EL_EDITOR, mode);
}
// EL_SIGNAL: libedit restores the terminal when a signal arrives while it reads.
static inline int cfs_el_set_signal(EditLine *el, int on) {
    return el_set(el, EL_SIGNAL, on);
}
static inline int cfs_el_set_history(EditLine *el, History *h) {
    return el_set(el, EL_HIST, history, h);
}
static inline int cfs_el_add_function(EditLine *el, const char *name, const char *help,
                                      cfs_editor_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}
static inline int cfs_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, (const char *)NULL);
}
static inline int cfs_history_set_size(History *h, int size) {
    HistEvent event;
    return history(h, &event, H_SETSIZE, size);
}
static inline int cfs_history_set_unique(History *h, int unique) {
    HistEvent event;
    return history(h, &event, H_SETUNIQUE, unique);
}
static inline int cfs_history_enter(History *h, const char *line) {
    HistEvent event;
    return history(h, &event, H_ENTER, line);
}
typedef int (*cfs_read_fn)(EditLine *, wchar_t *);
// EL_GETCFN: cfsh reads keys itself so that Ctrl-C (SIGINT, the terminal's ISIG) can end
// el_gets(); libedit's own reader retries a read(2) interrupted by a signal.
static inline int cfs_el_set_getc(EditLine *el, cfs_read_fn fn) {
    return el_set(el, EL_GETCFN, fn);
}
