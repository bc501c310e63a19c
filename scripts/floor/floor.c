// The floor of cfsh's design (issue 13, item 3): cfsh's process model in C and nothing
// more, so that `cfsh / floor` in scripts/bench measures what cfsh's own code costs.
//
//   floor -c PLAN            PLAN: plan text, one command a line (';' also separates)
//   floor FILE               the plan text from FILE
//
// It does what cfsh does for a run, in the same order, with the same system calls
// (Sources/Sandbox: Protocol.swift draws the protocol; Parent.swift, Child.swift,
// Init.swift, Signals.swift; the clone3 shim is Sources/CLinux/shims.c):
//
//   parent: read the plan; check it (root; the chroot and chdir directories, a bind
//           source and the command in the planned root, as cfsh's checker does with
//           openat2 RESOLVE_IN_ROOT and readlink of /proc/self/fd/N); the
//           chroot warning; pipe2 x3 (plan, sync, error); SIGCHLD to SIG_DFL if it was
//           ignored; /dev/tty open to see if there is a controlling terminal (setsid in
//           the child if so); all signals blocked around clone3(CLONE_NEW* | SIGCHLD),
//           with CLONE_VM|CLONE_VFORK|CLONE_CLEAR_SIGHAND and a stack of the child's
//           own unless the plan makes a user namespace (as cfsh: Parent.swift);
//   clone:  PR_SET_PDEATHSIG SIGKILL, getppid() check, the three inherited fds made
//           inheritable, the mask restored, execve("/proc/self/exe", "__floor_child P S E");
//   parent: close its copies; SIGPIPE ignored; SIGINT/TERM/HUP/QUIT forwarded to the
//           child; write the plan text, close; write "go", close; read the error pipe to
//           EOF; wait4; signals restored; exit with the child's status or report its
//           failure record ("INDEX ERRNO STATUS STEP MESSAGE\n") as FILE:LINE: error: ...
//   child:  read the plan to EOF, read "go" to EOF, error fd close-on-exec; `/` made
//           MS_REC|MS_PRIVATE when the plan mounts; each step in order (sethostname,
//           chroot + chdir("/"), readlink before mounting proc/sysfs, mount, chdir,
//           set/unset env, prctl NO_NEW_PRIVS, cap drop: PR_CAPBSET_DROP + capget +
//           capset + ambient clear); close_range around the error fd; with a new PID
//           namespace it stays PID 1: posix_spawn(3) with the command's signals reset,
//           close the error fd, forward signals, reap until the command exits.
//
// Only the plan commands the benchmark uses are understood: unshare, set hostname,
// set env, unset env, clear env, set trace off, chroot, chdir/cd, mount proc|sysfs|tmpfs
// TARGET, mount bind SOURCE TARGET, umount, net up IF, no_new_privs, cap drop NAME...,
// exec. Words are plain (no quotes, no variables).
//
// Its strace is cfsh's but for these (scripts/floor/compare strace-s both for one plan
// and diffs them, per process):
// - no Swift runtime start-up: cfsh's images each call readlink(/proc/self/exe) again,
//   gettid, and
//   getrandom three times (hashing seeds), ioctl(TCGETS) of stdout twice; static glibc's own start (brk, arch_prctl,
//   set_tid_address, set_robust_list, rseq, prlimit64, mprotect) is in both.
// - cfsh calls geteuid() twice (the checker's root test, and the test for sudo's home
//   in `~`'s expansion); floor once.
// - floor looks the command up in the planned root only when it has a '/' (cfsh also
//   searches PATH there), and has no check of a mount target inside the directory a
//   later chroot enters (cfsh's openat2 RESOLVE_BENEATH, Mounts.swift): the benchmark's
//   plans mount after their chroot.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum kind { UNSHARE, HOSTNAME, SETENV, UNSETENV, CLEARENV, TRACEOFF, CHROOT, CHDIR, MOUNT, BIND, UMOUNT,
             NETUP, NNP, CAPDROP, EXEC };

struct step {
    enum kind kind;
    char **words;  // the command's words (argv of exec; mount: TYPE TARGET)
    int count;
    int line;
};

struct plan {
    struct step *steps;
    int count, capacity;
    uint64_t namespaces;
    int mounts;       // some step changes the mount table
};

// capabilities(7) in kernel number order: the same list as CFSLanguage's
// Capability.names (the floor is C on its own; FloorTableTests keeps the two equal).
static const char *cap_names[] = {
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
    "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
    "net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio",
    "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
    "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
    "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
    "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

static int error_fd = -1;  // the child's error pipe

// A plan error: in the parent, a message and status 2 (nothing ran); in the child (the
// parent checked the same text, so only a broken handover gets here), a failure record.
static void fail(const char *message, int line) {
    if (error_fd >= 0) {
        dprintf(error_fd, "- %d 125 plan plan: the child could not read it: line %d: %s\n", EINVAL, line, message);
        _exit(125);
    }
    fprintf(stderr, "floor: <plan>:%d: error: %s\n", line, message);
    exit(2);
}

// Splits TEXT (modified in place) into steps; ';' and '\n' end a command.
static void parse(char *text, struct plan *plan) {
    memset(plan, 0, sizeof *plan);
    int line = 1;
    char *p = text;
    while (*p) {
        char *words[64];
        int n = 0;
        int here = line;
        while (*p && *p != '\n' && *p != ';') {
            while (*p == ' ' || *p == '\t') *p++ = 0;
            if (!*p || *p == '\n' || *p == ';') break;
            if (*p == '#') { while (*p && *p != '\n') *p++ = 0; break; }
            if (*p == '\'' || *p == '"' || *p == '$' || *p == '\\') fail("floor takes plain words only", line);
            if (n == 64) fail("too many words", line);
            words[n++] = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != ';') p++;
        }
        if (*p == '\n') line++;
        if (*p) *p++ = 0;
        if (n == 0) continue;
        struct step s = { .count = n, .line = here };
        const char *w = words[0];
        if (!strcmp(w, "unshare")) {
            s.kind = UNSHARE;
            for (int i = 1; i < n; i++) {
                if (!strcmp(words[i], "uts")) plan->namespaces |= CLONE_NEWUTS;
                else if (!strcmp(words[i], "pid")) plan->namespaces |= CLONE_NEWPID;
                else if (!strcmp(words[i], "mount")) plan->namespaces |= CLONE_NEWNS;
                else if (!strcmp(words[i], "ipc")) plan->namespaces |= CLONE_NEWIPC;
                else if (!strcmp(words[i], "net")) plan->namespaces |= CLONE_NEWNET;
                else if (!strcmp(words[i], "cgroup")) plan->namespaces |= CLONE_NEWCGROUP;
                else fail("unsupported namespace", here);
            }
        } else if (!strcmp(w, "set") && n == 3 && !strcmp(words[1], "hostname")) {
            s.kind = HOSTNAME;
            if (!(plan->namespaces & CLONE_NEWUTS)) fail("set hostname needs unshare uts", here);
        } else if (!strcmp(w, "set") && n == 3 && !strcmp(words[1], "env") && strchr(words[2], '=')) {
            s.kind = SETENV;
        } else if (!strcmp(w, "unset") && n == 3 && !strcmp(words[1], "env")) {
            s.kind = UNSETENV;
        } else if (!strcmp(w, "clear") && n == 2 && !strcmp(words[1], "env")) {
            s.kind = CLEARENV;
        } else if (!strcmp(w, "set") && n == 3 && !strcmp(words[1], "trace") && !strcmp(words[2], "off")) {
            s.kind = TRACEOFF;
        } else if (!strcmp(w, "chroot") && n == 2) {
            s.kind = CHROOT;
        } else if ((!strcmp(w, "chdir") || !strcmp(w, "cd")) && n == 2) {
            s.kind = CHDIR;
        } else if (!strcmp(w, "mount") && n == 3 && (!strcmp(words[1], "proc") ||
                   !strcmp(words[1], "sysfs") || !strcmp(words[1], "tmpfs"))) {
            s.kind = MOUNT;
            if (!(plan->namespaces & CLONE_NEWNS)) fail("mount needs unshare mount", here);
            plan->mounts = 1;
        } else if (!strcmp(w, "mount") && n == 4 && !strcmp(words[1], "bind")) {
            s.kind = BIND;
            if (!(plan->namespaces & CLONE_NEWNS)) fail("mount needs unshare mount", here);
            plan->mounts = 1;
        } else if (!strcmp(w, "umount") && n == 2) {
            s.kind = UMOUNT;
            if (!(plan->namespaces & CLONE_NEWNS)) fail("umount needs unshare mount", here);
            plan->mounts = 1;
        } else if (!strcmp(w, "net") && n == 3 && !strcmp(words[1], "up")) {
            s.kind = NETUP;
            if (!(plan->namespaces & CLONE_NEWNET)) fail("net up needs unshare net", here);
        } else if (!strcmp(w, "no_new_privs") && n == 1) {
            s.kind = NNP;
        } else if (!strcmp(w, "cap") && n >= 3 && !strcmp(words[1], "drop")) {
            s.kind = CAPDROP;
            for (int i = 2; i < n; i++) {
                int known = 0;
                for (size_t c = 0; c < sizeof cap_names / sizeof *cap_names; c++)
                    known |= !strcmp(words[i], cap_names[c]);
                if (!known) fail("unknown capability", here);
            }
        } else if (!strcmp(w, "exec") && n >= 2) {
            s.kind = EXEC;
        } else {
            fail("not a command floor knows", here);
        }
        s.words = malloc(sizeof(char *) * (size_t)(n + 1));
        memcpy(s.words, words, sizeof(char *) * (size_t)n);
        s.words[n] = NULL;
        if (plan->count == plan->capacity) {
            plan->capacity = plan->capacity ? plan->capacity * 2 : 64;
            plan->steps = realloc(plan->steps, sizeof *plan->steps * (size_t)plan->capacity);
        }
        plan->steps[plan->count++] = s;
    }
    if (plan->count == 0 || plan->steps[plan->count - 1].kind != EXEC) fail("the plan does not end with exec", line);
    for (int i = 0; i < plan->count - 1; i++)
        if (plan->steps[i].kind == EXEC) fail("only one exec, last", plan->steps[i].line);
}

// The plan text as the child reads it: one command a line (cfsh sends its canonical text).
static char *encode(const struct plan *plan, size_t *length) {
    size_t size = 1;
    for (int i = 0; i < plan->count; i++)
        for (int w = 0; w < plan->steps[i].count; w++) size += strlen(plan->steps[i].words[w]) + 1;
    char *text = malloc(size), *q = text;
    for (int i = 0; i < plan->count; i++)
        for (int w = 0; w < plan->steps[i].count; w++) {
            size_t n = strlen(plan->steps[i].words[w]);
            memcpy(q, plan->steps[i].words[w], n);
            q += n;
            *q++ = w + 1 < plan->steps[i].count ? ' ' : '\n';
        }
    *length = (size_t)(q - text);
    return text;
}

// The planned root, followed through the plan as cfsh's checker follows it
// (CFSLanguage/PlannedRoot.swift, Sandbox/HostView.swift): each chroot, pivot_root and
// chdir directory is looked up in it with openat2(2) RESOLVE_IN_ROOT from its working
// directory, and a directory's host path read back from /proc/self/fd/N. After a mount
// that can change the tree (anything but proc and sysfs) or a umount, it is unknown and
// nothing later is checked. The command is looked up last, when the root is known.
struct view {
    char root[4097], cwd[4097];
    int known;
};

enum lookup { FAILED, DIRECTORY, EXECUTABLE, OTHER };

// What PATH is in the view; a directory's path inside the root goes to INSIDE.
static enum lookup lookup(const struct view *view, const char *path, char *inside) {
    char full[8200];
    if (path[0] == '/') snprintf(full, sizeof full, "%s", path);
    else snprintf(full, sizeof full, "%s%s%s", view->cwd, strcmp(view->cwd, "/") ? "/" : "", path);
    int dir = open(view->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return FAILED;
    struct open_how how = { .flags = O_PATH | O_CLOEXEC,
                            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    int fd = (int)syscall(SYS_openat2, dir, full, &how, sizeof how);
    enum lookup result = FAILED;
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            char proc[64], host[4097];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(proc, host, sizeof host - 1);
            if (n > 0) {
                host[n] = 0;
                size_t r = strlen(view->root);
                if (!strcmp(view->root, "/")) snprintf(inside, 4097, "%s", host);
                else if (!strcmp(host, view->root)) snprintf(inside, 4097, "/");
                else snprintf(inside, 4097, "%s", host + r);
                result = DIRECTORY;
            }
        } else {
            result = S_ISREG(st.st_mode) && (st.st_mode & 0111) ? EXECUTABLE : OTHER;
        }
    }
    if (fd >= 0) close(fd);
    close(dir);
    return result;
}

static void check(const struct plan *plan) {
    if (geteuid() != 0) fail("needs root", 1);
    struct view view = { .root = "/", .known = 1 };
    if (!getcwd(view.cwd, sizeof view.cwd)) fail("getcwd", 1);
    int chroots = 0;
    for (int i = 0; i < plan->count && view.known; i++) {
        const struct step *s = &plan->steps[i];
        char inside[4097];
        switch (s->kind) {
        case CHROOT:
            if (lookup(&view, s->words[1], inside) != DIRECTORY) fail("chroot: no such directory", s->line);
            if (strcmp(view.root, "/")) {
                char host[4097];
                snprintf(host, sizeof host, "%s%s", view.root, strcmp(inside, "/") ? inside : "");
                snprintf(view.root, sizeof view.root, "%s", host);
            } else {
                snprintf(view.root, sizeof view.root, "%s", inside);
            }
            strcpy(view.cwd, "/");
            break;
        case CHDIR:
            if (lookup(&view, s->words[1], inside) != DIRECTORY) fail("chdir: no such directory", s->line);
            snprintf(view.cwd, sizeof view.cwd, "%s", inside);
            break;
        case BIND:
            if (lookup(&view, s->words[2], inside) == FAILED) fail("mount: no bind source", s->line);
            view.known = 0;
            break;
        case MOUNT:
            if (!strcmp(s->words[1], "tmpfs")) view.known = 0;
            break;
        case UMOUNT:
            view.known = 0;
            break;
        default:
            break;
        }
    }
    for (int i = 0; i < plan->count && !chroots; i++) chroots = plan->steps[i].kind == CHROOT;  // warned after the checks, as cfsh
    const struct step *exec = &plan->steps[plan->count - 1];
    if (view.known && strchr(exec->words[1], '/')) {  // floor looks up no PATH
        char inside[4097];
        if (lookup(&view, exec->words[1], inside) != EXECUTABLE) fail("exec: cannot run the command", exec->line);
    }
    if (chroots) {
        static const char warning[] = "<plan>: warning: chroot can be left by root in the sandbox "
            "(chroot(2)); use 'pivot_root DIR' to isolate the root\n";
        ssize_t unused = write(2, warning, sizeof warning - 1);
        (void)unused;
    }
}

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static volatile pid_t forward_to;

static void forward(int signal, siginfo_t *info, void *context) {
    (void)context;
    if (forward_to > 0 && info->si_code != SI_KERNEL) kill(forward_to, signal);
}

static void install_forwarding(pid_t pid, struct sigaction old[4], sigset_t *old_mask) {
    forward_to = pid;
    struct sigaction action = { .sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART };
    sigemptyset(&action.sa_mask);
    sigset_t unblock;
    sigemptyset(&unblock);
    for (int i = 0; i < 4; i++) {
        sigaction(forwarded[i], &action, &old[i]);
        sigaddset(&unblock, forwarded[i]);
    }
    sigprocmask(SIG_UNBLOCK, &unblock, old_mask);
}

// "- ERRNO 125 STEP \n", async-signal-safe, as shims.c's cfs_report_clone_failure.
static void report_raw(int fd, int err, const char *step) {
    char buf[64];
    int len = snprintf(buf, sizeof buf, "- %d 125 %s \n", err, step);
    ssize_t unused = write(fd, buf, (size_t)len);
    (void)unused;
}

// Between clone3 and execve (cfsh: cfs_reexec_child in Sources/CLinux/shims.c).
struct reexec {
    int new_session;
    pid_t parent;
    const int *inherit;
    const sigset_t *mask;
    char **argv;
    int error_fd;
};

static int reexec_child(void *argument) {
    const struct reexec *a = argument;
    if (a->new_session) setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0UL, 0UL, 0UL);
    pid_t now = getppid();
    if (now != 0 && now != a->parent) _exit(125);
    for (int i = 0; i < 3; i++) fcntl(a->inherit[i], F_SETFD, 0);
    sigprocmask(SIG_SETMASK, a->mask, NULL);
    execve("/proc/self/exe", a->argv, environ);
    report_raw(a->error_fd, errno, "reexec");
    _exit(125);
}

#if defined(__x86_64__)
// clone3 with the child on its own stack calling fn(arg): the same few instructions as
// cfs_clone3_call in Sources/CLinux/shims.c (the floor is one C file; see there why).
long floor_clone3_call(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
__asm__(
    ".text\n"
    ".globl floor_clone3_call\n"
    ".type floor_clone3_call, @function\n"
    "floor_clone3_call:\n"
    "    mov %rdx, %r8\n"
    "    mov %rcx, %r9\n"
    "    mov $435, %eax\n"
    "    syscall\n"
    "    test %rax, %rax\n"
    "    jz 1f\n"
    "    ret\n"
    "1:  xor %ebp, %ebp\n"
    "    mov %r9, %rdi\n"
    "    call *%r8\n"
    "    mov %eax, %edi\n"
    "    mov $60, %eax\n"
    "    syscall\n"
    "    hlt\n"
    ".size floor_clone3_call, .-floor_clone3_call\n"
    ".section .note.GNU-stack,\"\",@progbits\n"
    ".text\n");
#endif

static int parent(char *text) {
    struct plan plan;
    parse(text, &plan);
    check(&plan);
    size_t length;
    char *encoded = encode(&plan, &length);

    int planp[2], syncp[2], errorp[2];
    if (pipe2(planp, O_CLOEXEC) || pipe2(syncp, O_CLOEXEC) || pipe2(errorp, O_CLOEXEC)) {
        perror("floor: pipe2");
        return 125;
    }
    struct sigaction chld;
    sigaction(SIGCHLD, NULL, &chld);
    if (chld.sa_handler == SIG_IGN) {
        chld.sa_handler = SIG_DFL;
        sigaction(SIGCHLD, &chld, NULL);
    }
    int tty = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    int new_session = tty >= 0;
    if (tty >= 0) close(tty);

    char fds[3][12];
    snprintf(fds[0], sizeof fds[0], "%d", planp[0]);
    snprintf(fds[1], sizeof fds[1], "%d", syncp[0]);
    snprintf(fds[2], sizeof fds[2], "%d", errorp[1]);
    char *argv[] = { "floor", "__floor_child", fds[0], fds[1], fds[2], NULL };
    int inherit[] = { planp[0], syncp[0], errorp[1] };

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    struct clone_args args = { .flags = plan.namespaces, .exit_signal = SIGCHLD };
    struct reexec reexec = { new_session, getpid(), inherit, &old, argv, errorp[1] };
    long pid;
    int clone_errno = 0;
#if defined(__x86_64__)
    if (!(plan.namespaces & CLONE_NEWUSER)) {
        char stack[16384] __attribute__((aligned(16)));
        args.flags |= CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND;
        args.stack = (uint64_t)(uintptr_t)stack;
        args.stack_size = sizeof stack;
        pid = floor_clone3_call(&args, sizeof args, reexec_child, &reexec);
        if (pid < 0) { clone_errno = (int)-pid; pid = -1; }
    } else
#endif
    {
        pid = syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0) reexec_child(&reexec);
        clone_errno = errno;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        fprintf(stderr, "floor: clone3: %s\n", strerror(clone_errno));
        return 125;
    }
    for (int i = 0; i < 3; i++) close(inherit[i]);

    struct sigaction ignore = { .sa_handler = SIG_IGN }, old_pipe, old_forwarded[4];
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_pipe);
    sigset_t pipe_mask, old_mask;
    sigprocmask(SIG_SETMASK, NULL, &pipe_mask);
    install_forwarding((pid_t)pid, old_forwarded, &old_mask);

    int handed_over = 0;
    if (write(planp[1], encoded, length) == (ssize_t)length) {
        close(planp[1]);
        planp[1] = -1;
        handed_over = write(syncp[1], "go", 2) == 2;
    }
    if (planp[1] >= 0) close(planp[1]);
    close(syncp[1]);

    char record[4096];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(errorp[0], record + got, sizeof record - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
        if (got == sizeof record - 1) break;
    }
    record[got] = 0;
    close(errorp[0]);
    int status;
    while (wait4((pid_t)pid, &status, 0, NULL) < 0 && errno == EINTR) {}
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    for (int i = 0; i < 4; i++) sigaction(forwarded[i], &old_forwarded[i], NULL);
    forward_to = 0;
    sigprocmask(SIG_SETMASK, &pipe_mask, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);

    if (got) {  // INDEX ERRNO STATUS STEP MESSAGE
        char index[16] = "-", step[64] = "?";
        int err = 0, code = 125, used = 0;
        sscanf(record, "%15s %d %d %63s %n", index, &err, &code, step, &used);
        int line = strcmp(index, "-") ? plan.steps[atoi(index)].line : plan.steps[plan.count - 1].line;
        char *end = strchr(record + used, '\n');
        if (end) *end = 0;
        fprintf(stderr, "floor: <plan>:%d: error: %s\n", line, record + used);
        return code;
    }
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    if (!handed_over && WEXITSTATUS(status) == 125) {
        fprintf(stderr, "floor: plan: the child exited before it was read\n");
    }
    return WEXITSTATUS(status);
}

// ---- the child ----

static int report(int index, int err, int status, const char *step, const char *subject) {
    char buf[4200], number[16] = "-";
    if (index >= 0) snprintf(number, sizeof number, "%d", index);
    int len = snprintf(buf, sizeof buf, "%s %d %d %s %s: %s: %s\n", number, err, status, step,
                       step, subject, strerror(err));
    ssize_t unused = write(error_fd, buf, (size_t)len);
    (void)unused;
    return status;
}

static char *read_all(int fd, size_t *length) {
    size_t size = 8192, got = 0;
    char *text = malloc(size + 1);
    for (;;) {
        if (size - got < 4096) text = realloc(text, (size *= 2) + 1);
        ssize_t n = read(fd, text + got, 4096);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return NULL;
        if (n == 0) break;
        got += (size_t)n;
    }
    text[got] = 0;
    *length = got;
    return text;
}

// The command's environment: environ until a step changes it, then a copy with a hash
// index by name, so that N env steps cost N (as cfsh's CommandEnvironment).
struct environment {
    char **entries;  // NULL where unset
    int count, capacity;
    int *slots;      // open addressing: entry index + 1, 0 empty
    int nslots;
};

static unsigned hash_name(const char *s) {
    unsigned h = 2166136261u;
    for (; *s && *s != '='; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int same_name(const char *a, const char *b) {
    while (*a && *a != '=' && *a == *b) a++, b++;
    return (*a == 0 || *a == '=') && (*b == 0 || *b == '=');
}

static void env_rehash(struct environment *e) {
    free(e->slots);
    e->nslots = 64;
    while (e->nslots < 2 * e->count + 64) e->nslots *= 2;
    e->slots = calloc((size_t)e->nslots, sizeof(int));
    for (int i = 0; i < e->count; i++) {
        if (!e->entries[i]) continue;
        unsigned h = hash_name(e->entries[i]) & (unsigned)(e->nslots - 1);
        while (e->slots[h]) h = (h + 1) & (unsigned)(e->nslots - 1);
        e->slots[h] = i + 1;
    }
}

static void env_start(struct environment *e) {
    if (e->entries) return;
    for (char **p = environ; *p; p++) e->count++;
    e->capacity = e->count + 64;
    e->entries = malloc(sizeof(char *) * (size_t)e->capacity);
    memcpy(e->entries, environ, sizeof(char *) * (size_t)e->count);
    env_rehash(e);
}

// Removes every entry named like NAME (environ(7) may repeat a name): all sit in the
// probe chain of the name's hash.
static void env_unset(struct environment *e, const char *name) {
    env_start(e);
    unsigned mask = (unsigned)(e->nslots - 1);
    for (unsigned h = hash_name(name) & mask; e->slots[h]; h = (h + 1) & mask) {
        int i = e->slots[h] - 1;
        if (e->entries[i] && same_name(e->entries[i], name)) e->entries[i] = NULL;
    }
}

static void env_set(struct environment *e, char *entry) {
    env_unset(e, entry);
    if (e->count == e->capacity)
        e->entries = realloc(e->entries, sizeof(char *) * (size_t)(e->capacity *= 2));
    e->entries[e->count++] = entry;
    if (2 * e->count + 64 > e->nslots) {
        env_rehash(e);
        return;
    }
    unsigned mask = (unsigned)(e->nslots - 1);
    unsigned h = hash_name(entry) & mask;
    while (e->slots[h]) h = (h + 1) & mask;
    e->slots[h] = e->count;
}

static void env_clear(struct environment *e) {
    if (!e->entries) {
        e->capacity = 64;
        e->entries = malloc(sizeof(char *) * (size_t)e->capacity);
    }
    e->count = 0;
    env_rehash(e);
}

static char **env_final(struct environment *e) {
    if (!e->entries) return environ;
    char **out = malloc(sizeof(char *) * (size_t)(e->count + 1));
    int n = 0;
    for (int i = 0; i < e->count; i++)
        if (e->entries[i]) out[n++] = e->entries[i];
    out[n] = NULL;
    return out;
}

static int child(int plan_fd, int sync_fd) {
    size_t length;
    char *text = read_all(plan_fd, &length);
    if (!text) return report(-1, errno, 125, "plan", "reading it");
    close(plan_fd);
    struct plan plan;
    parse(text, &plan);
    char *go = read_all(sync_fd, &length);
    if (!go || strcmp(go, "go")) return 125;
    close(sync_fd);
    if (fcntl(error_fd, F_SETFD, FD_CLOEXEC) != 0) return report(-1, errno, 125, "fcntl", "error pipe");

    if ((plan.namespaces & CLONE_NEWNS) && plan.mounts &&
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return report(0, errno, 125, "mount", "making / private");
    struct environment env = { 0 };
    const struct step *exec = NULL;
    for (int i = 0; i < plan.count; i++) {
        struct step *s = &plan.steps[i];
        char **w = s->words;
        switch (s->kind) {
        case UNSHARE: break;
        case HOSTNAME:
            if (sethostname(w[2], strlen(w[2])) != 0) return report(i, errno, 125, "sethostname", w[2]);
            break;
        case SETENV: env_set(&env, w[2]); break;
        case UNSETENV: env_unset(&env, w[2]); break;
        case CLEARENV: env_clear(&env); break;
        case TRACEOFF: break;
        case CHROOT:
            if (chroot(w[1]) != 0) return report(i, errno, 125, "chroot", w[1]);
            if (chdir("/") != 0) return report(i, errno, 125, "chdir", "/");
            break;
        case CHDIR:
            if (chdir(w[1]) != 0) return report(i, errno, 125, "chdir", w[1]);
            break;
        case MOUNT: {
            // proc and sysfs never onto a symlink (Mounts.swift, childRefuseTargetLeavingRoot).
            char link[4096];
            if (strcmp(w[1], "tmpfs") && readlink(w[2], link, sizeof link) >= 0)
                return report(i, ELOOP, 125, "mount", w[2]);
            if (mount(w[1], w[2], w[1], 0, NULL) != 0) return report(i, errno, 125, "mount", w[2]);
            break;
        }
        case BIND:
            if (mount(w[2], w[3], NULL, MS_BIND, NULL) != 0) return report(i, errno, 125, "mount", w[3]);
            break;
        case UMOUNT:
            if (umount2(w[1], 0) != 0) return report(i, errno, 125, "umount", w[1]);
            break;
        case NETUP: {
            // netdevice(7): SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP (shims.c, cfs_interface_up).
            struct ifreq request;
            memset(&request, 0, sizeof request);
            if (strlen(w[2]) >= sizeof request.ifr_name) return report(i, EINVAL, 125, "net", w[2]);
            strcpy(request.ifr_name, w[2]);
            int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) return report(i, errno, 125, "net", w[2]);
            int failed = ioctl(fd, SIOCGIFFLAGS, &request) != 0;
            if (!failed) {
                request.ifr_flags |= IFF_UP;
                failed = ioctl(fd, SIOCSIFFLAGS, &request) != 0;
            }
            int saved = errno;
            close(fd);
            if (failed) return report(i, saved, 125, "net", w[2]);
            break;
        }
        case NNP:
            if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0) return report(i, errno, 125, "no_new_privs", "prctl");
            break;
        case CAPDROP: {
            uint64_t mask = 0;
            for (int k = 2; k < s->count; k++) {
                int number = 0;
                while (strcmp(cap_names[number], w[k])) number++;
                mask |= 1ULL << number;
                if (prctl(PR_CAPBSET_DROP, (unsigned long)number, 0UL, 0UL, 0UL) != 0)
                    return report(i, errno, 125, "cap", w[k]);
            }
            struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
            struct __user_cap_data_struct data[2];
            if (syscall(SYS_capget, &header, data) != 0) return report(i, errno, 125, "cap", "capget");
            for (int k = 0; k < 2; k++) {
                uint32_t part = (uint32_t)(mask >> (32 * k));
                data[k].effective &= ~part;
                data[k].permitted &= ~part;
                data[k].inheritable &= ~part;
            }
            if (syscall(SYS_capset, &header, data) != 0) return report(i, errno, 125, "cap", "capset");
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) != 0)
                return report(i, errno, 125, "cap", "ambient");
            break;
        }
        case EXEC: exec = s; break;
        }
    }
    if (error_fd > 3 && syscall(SYS_close_range, 3U, (unsigned)error_fd - 1, 0U) != 0)
        return report(-1, errno, 125, "close_range", "fds");
    if (syscall(SYS_close_range, (unsigned)error_fd + 1, ~0U, 0U) != 0)
        return report(-1, errno, 125, "close_range", "fds");

    char **argv = exec->words + 1;
    char **envp = env_final(&env);
    static const int reset[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTTOU, SIGTTIN, SIGTSTP, SIGCHLD };
    if (!(plan.namespaces & CLONE_NEWPID) || !strchr(argv[0], '/')) {
        // No init (or a PATH search, which cfsh forks for): the command is this process.
        for (size_t k = 0; k < sizeof reset / sizeof *reset; k++) signal(reset[k], SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (!(plan.namespaces & CLONE_NEWPID)) {
            execvpe(argv[0], argv, envp);
            return report(-1, errno, errno == ENOENT ? 127 : 126, "exec", argv[0]);
        }
        return report(-1, ENOSYS, 125, "exec", "floor's init needs a command with a /");
    }
    // PID 1: posix_spawn the command (Init.swift, childSpawnInit), then supervise.
    sigset_t all, none, defaults;
    sigfillset(&all);
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (size_t k = 0; k < sizeof reset / sizeof *reset; k++) sigaddset(&defaults, reset[k]);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t command;
    int error = posix_spawn(&command, argv[0], NULL, &attributes, argv, envp);
    posix_spawnattr_destroy(&attributes);
    if (error) return report(-1, error, error == ENOENT ? 127 : 126, "exec", argv[0]);
    close(error_fd);
    struct sigaction old[4];
    sigset_t old_mask;
    install_forwarding(command, old, &old_mask);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int status = 0;
    for (;;) {
        int child_status;
        pid_t reaped = waitpid(-1, &child_status, 0);
        if (reaped == command) { status = child_status; break; }
        if (reaped < 0 && errno == ECHILD) break;
    }
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static int digits(const char *s) {
    if (!*s) return -1;
    int v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc == 5 && !strcmp(argv[1], "__floor_child")) {
        int plan_fd = digits(argv[2]), sync_fd = digits(argv[3]);
        error_fd = digits(argv[4]);
        if (plan_fd < 0 || sync_fd < 0 || error_fd < 0) return 2;
        return child(plan_fd, sync_fd);
    }
    if (argc == 3 && !strcmp(argv[1], "-c")) return parent(argv[2]);
    if (argc == 2 && argv[1][0] != '-') {
        int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (fd < 0) { perror(argv[1]); return 2; }
        size_t length;
        char *text = read_all(fd, &length);
        close(fd);
        if (!text) { perror(argv[1]); return 2; }
        return parent(text);
    }
    fprintf(stderr, "usage: floor -c PLAN | floor FILE\n");
    return 2;
}
