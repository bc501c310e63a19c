#define _GNU_SOURCE
#include "CLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// Async-signal-safe: formats the failure record "- ERRNO 125 STEP \n" without stdio.
static void cfs_report_clone_failure(int fd, int err, const char *step) {
    char buf[48];
    char digits[12];
    int n = 0, len = 0;
    unsigned int v = (unsigned int)err;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v && n < 11);
    buf[len++] = '-'; buf[len++] = ' ';
    while (n) buf[len++] = digits[--n];
    const char *status = " 125 ";
    for (const char *p = status; *p; p++) buf[len++] = *p;
    for (const char *p = step; *p && len < 40; p++) buf[len++] = *p;
    buf[len++] = ' '; buf[len++] = '\n';
    ssize_t unused = write(fd, buf, (size_t)len);
    (void)unused;
}

// The header's clone flags are the kernel's (it cannot include <linux/sched.h>, which
// Swift's Glibc module does not export, so it spells them out): checked at build time.
_Static_assert(CFS_CLONE_NEWNS == CLONE_NEWNS && CFS_CLONE_NEWCGROUP == CLONE_NEWCGROUP
               && CFS_CLONE_NEWUTS == CLONE_NEWUTS && CFS_CLONE_NEWIPC == CLONE_NEWIPC
               && CFS_CLONE_NEWUSER == CLONE_NEWUSER && CFS_CLONE_NEWPID == CLONE_NEWPID
               && CFS_CLONE_NEWNET == CLONE_NEWNET && CFS_CLONE_NEWTIME == CLONE_NEWTIME
               && CFS_CLONE_VM == CLONE_VM && CFS_CLONE_VFORK == CLONE_VFORK
               && CFS_CLONE_CLEAR_SIGHAND == CLONE_CLEAR_SIGHAND,
               "CLinux.h's clone flags differ from <linux/sched.h>");

// What the new process does between clone3 and execve, in either way of cloning below.
struct cfs_reexec {
    const char *path;
    char *const *argv;
    char *const *envp;
    const int *inherit;
    int inherit_count;
    int error_fd;
    int session_mode;
    const int *maps_fds;
    int become_root;
    pid_t parent;            // taken before clone: what getppid() must still say
    const sigset_t *mask;    // the caller's signal mask, restored just before execve
};

static int cfs_reexec_child(void *argument) {
    const struct cfs_reexec *a = argument;
    // Interactive: a process group of its own, handed the terminal (Terminal.swift).
    // Otherwise a new session, with no controlling terminal: TIOCSTI on an inherited
    // terminal fd then fails (EPERM: tty_ioctl(4), "Faking input" needs the
    // caller's own controlling terminal), so the sandbox cannot push keystrokes into
    // the caller's shell (bubblewrap CVE-2017-5226, `bwrap --new-session`).
    if (a->session_mode == 1) setpgid(0, 0);
    else if (a->session_mode == 2) setsid();
    if (a->maps_fds) {
        // Our copy of the write end would keep the pipe open: no EOF, ever.
        close(a->maps_fds[1]);
        char mapped;
        ssize_t n;
        do { n = read(a->maps_fds[0], &mapped, 1); } while (n < 0 && errno == EINTR);
        if (n != 1) _exit(125);
        // Become the namespace's root before execve, gid first (setresuid would
        // take CAP_SETGID away): see the header.
        if ((a->become_root & CFS_BECOME_ROOT_GID) && setresgid(0, 0, 0) != 0) {
            cfs_report_clone_failure(a->error_fd, errno, "setresgid");
            _exit(125);
        }
        if ((a->become_root & CFS_BECOME_ROOT_UID) && setresuid(0, 0, 0) != 0) {
            cfs_report_clone_failure(a->error_fd, errno, "setresuid");
            _exit(125);
        }
    }
    // Die with cfsh (`bwrap --die-with-parent`): SIGKILL when the thread that cloned
    // us ends, so a `kill -9` of cfsh takes the sandbox down (in a new PID
    // namespace the init's death kills the rest: pid_namespaces(7)). Armed after the
    // setres*id above, which clear it (prctl(2), PR_SET_PDEATHSIG); kept across the
    // execve of cfsh (not set-user-ID, no file capabilities). If cfsh died before
    // this line no signal will come: getppid() then names another process. In a
    // new PID namespace getppid() is 0 either way (the parent is outside it); there
    // the child finds EOF on the plan pipe instead and exits (Child.swift).
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0UL, 0UL, 0UL);
    pid_t now = getppid();
    if (now != 0 && now != a->parent) _exit(125);
    for (int i = 0; i < a->inherit_count; i++) fcntl(a->inherit[i], F_SETFD, 0);
    sigprocmask(SIG_SETMASK, a->mask, NULL);
    execve(a->path, a->argv, a->envp);
    cfs_report_clone_failure(a->error_fd, errno, "reexec");
    _exit(125);
}

#if defined(__x86_64__)
// clone3(2) with the new process on a stack of its own, where it calls fn(arg) and exits
// with its result: the one thing a C function cannot do around a raw `syscall`, because
// the new process starts on the new stack with no frame to return to. glibc has the
// same helper (sysdeps/unix/sysv/linux/x86_64/clone3.S) but does not export it.
// fn and arg are kept in r8/r9, which the syscall instruction preserves (only rax, rcx
// and r11 change); the stack top clone3 gives the child is 16-byte aligned, so after
// `call` fn sees the ABI's alignment.
long cfs_clone3_call(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
__asm__(
    ".text\n"
    ".globl cfs_clone3_call\n"
    ".type cfs_clone3_call, @function\n"
    "cfs_clone3_call:\n"
    "    mov %rdx, %r8\n"
    "    mov %rcx, %r9\n"
    "    mov $435, %eax\n"          // SYS_clone3
    "    syscall\n"
    "    test %rax, %rax\n"
    "    jz 1f\n"
    "    ret\n"                     // the parent: the pid, or -errno
    "1:  xor %ebp, %ebp\n"          // the child, on its own stack: no frames above
    "    mov %r9, %rdi\n"
    "    call *%r8\n"
    "    mov %eax, %edi\n"
    "    mov $60, %eax\n"           // SYS_exit
    "    syscall\n"
    "    hlt\n"
    ".size cfs_clone3_call, .-cfs_clone3_call\n"
    ".section .note.GNU-stack,\"\",@progbits\n"
    ".text\n");
#endif

pid_t cfs_clone3_exec(uint64_t flags, const char *path, char *const argv[],
                      char *const envp[], const int *inherit, int inherit_count,
                      int error_fd, int session_mode, const int *maps_fds,
                      int become_root) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);

    struct cfs_reexec reexec = {
        path, argv, envp, inherit, inherit_count, error_fd, session_mode,
        maps_fds, become_root, getpid(), &old
    };
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    args.exit_signal = SIGCHLD;
    long pid;
#if defined(__x86_64__)
    if (flags & CLONE_VM) {
        // CLONE_VM|CLONE_VFORK (see the header): the child runs on this stack array,
        // in this process's memory, while this thread is suspended until its execve.
        char stack[16384] __attribute__((aligned(16)));
        args.stack = (uint64_t)(uintptr_t)stack;
        args.stack_size = sizeof stack;
        pid = cfs_clone3_call(&args, sizeof args, cfs_reexec_child, &reexec);
        if (pid < 0) { errno = (int)-pid; pid = -1; }
    } else
#endif
    {
        pid = syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0) cfs_reexec_child(&reexec);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return pid < 0 ? -saved : (pid_t)pid;
}

int cfs_clone3_shares_memory(void) {
#if defined(__x86_64__)
    return 1;
#else
    return 0;
#endif
}

int cfs_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno;
}

int cfs_close_range(unsigned int first, unsigned int last) {
    return close_range(first, last, 0) == 0 ? 0 : -errno;
}

int cfs_setresuid(uid_t uid) { return setresuid(uid, uid, uid) == 0 ? 0 : -errno; }
int cfs_setresgid(gid_t gid) { return setresgid(gid, gid, gid) == 0 ? 0 : -errno; }

int cfs_setrlimit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit64 limit = { .rlim_cur = soft, .rlim_max = hard };
    return prlimit64(0, (enum __rlimit_resource)resource, &limit, NULL) == 0 ? 0 : -errno;
}

int cfs_prctl(int option, unsigned long arg2, unsigned long arg3) {
    return prctl(option, arg2, arg3, 0UL, 0UL) == 0 ? 0 : -errno;
}

int cfs_capget(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &header, data) != 0) return -errno;
    *effective = data[0].effective | ((uint64_t)data[1].effective << 32);
    *permitted = data[0].permitted | ((uint64_t)data[1].permitted << 32);
    *inheritable = data[0].inheritable | ((uint64_t)data[1].inheritable << 32);
    return 0;
}

int cfs_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = {
        { (uint32_t)effective, (uint32_t)permitted, (uint32_t)inheritable },
        { (uint32_t)(effective >> 32), (uint32_t)(permitted >> 32), (uint32_t)(inheritable >> 32) },
    };
    return syscall(SYS_capset, &header, data) == 0 ? 0 : -errno;
}

int cfs_interface_up(const char *name) {
    struct ifreq request;
    memset(&request, 0, sizeof request);
    if (strlen(name) >= sizeof request.ifr_name) return -EINVAL;
    strcpy(request.ifr_name, name);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int result = 0;
    if (ioctl(fd, SIOCGIFFLAGS, &request) != 0) {
        result = -errno;
    } else {
        request.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &request) != 0) result = -errno;
    }
    close(fd);
    return result;
}

int cfs_open_tree_clone(const char *path) {
    long fd = syscall(SYS_open_tree, AT_FDCWD, path, 1U /* OPEN_TREE_CLONE */ | O_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

int cfs_move_mount(int fd, const char *target) {
    return syscall(SYS_move_mount, fd, "", AT_FDCWD, target,
                   0x4U /* MOVE_MOUNT_F_EMPTY_PATH */) == 0 ? 0 : -errno;
}

int cfs_pivot_root(const char *new_root, const char *put_old) {
    return syscall(SYS_pivot_root, new_root, put_old) == 0 ? 0 : -errno;
}

int cfs_mount_position(const char *path, uint64_t *mount_id) {
    struct statx stx;
    memset(&stx, 0, sizeof stx);
    if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) != 0) return -errno;
    if (!(stx.stx_mask & STATX_MNT_ID) || !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        return -EOPNOTSUPP;
    *mount_id = stx.stx_mnt_id;
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
}

int cfs_namespace_owner(const char *path, uint64_t *dev, uint64_t *ino) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int owner = ioctl(fd, _IO(0xb7, 0x1) /* NS_GET_USERNS, linux/nsfs.h */);
    int saved = errno;
    close(fd);
    if (owner < 0) return -saved;
    struct stat st;
    int r = fstat(owner, &st);
    saved = errno;
    close(owner);
    if (r != 0) return -saved;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
}

int cfs_open_in_root(int root_fd, const char *path) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    return fd < 0 ? -errno : (int)fd;
}

int cfs_check_beneath(const char *directory, const char *path) {
    int dir = open(directory, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return -errno;
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, dir, path, &how, sizeof how);
    int result = fd < 0 ? -errno : 0;
    if (fd >= 0) close((int)fd);
    close(dir);
    return result;
}

// argv for Swift's `CommandLine`, without the runtime's search for it.
//
// Swift's runtime (stdlib/public/CommandLineSupport/CommandLine.cpp) finds argv on
// Linux with a static constructor that fopen()s /proc/self/maps and sscanf()s every
// line to locate the stack, then walks back from `environ`. cfsh starts twice per
// sandbox and that is pure start-up cost (an open, reads, stdio and scanf code paged
// in). glibc passes (argc, argv, envp) to every ELF constructor, so argv is known for
// free. That file defines exactly these two functions; with them defined here, a
// static link never pulls it in, so its constructor does not run. (In a dynamic link
// the runtime's own, hidden, copy is used and these are not.) If a future runtime
// needed anything else from that file, the static link would fail with duplicate
// symbols rather than silently change.
static char **cfs_saved_argv;
static int cfs_saved_argc;
static char **cfs_override_argv;
static int cfs_override_argc;

__attribute__((constructor))
static void cfs_save_argv(int argc, char **argv, char **envp) {
    (void)envp;
    cfs_saved_argc = argc;
    cfs_saved_argv = argv;
}

__attribute__((swiftcall))
void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc) {
    cfs_override_argv = argv;
    cfs_override_argc = argc;
}

__attribute__((swiftcall))
char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
    static char *empty[] = { 0 };
    if (cfs_override_argv) {
        *outArgLen = cfs_override_argc;
        return cfs_override_argv;
    }
    if (cfs_saved_argv) {
        *outArgLen = cfs_saved_argc;
        return cfs_saved_argv;
    }
    *outArgLen = 0;
    return empty;
}

// Swift's crash backtracer, left out of the static link.
//
// The runtime's Backtrace.cpp has a static constructor that, in every process, reads
// SWIFT_BACKTRACE and looks for the `swift-backtrace` helper beside the binary
// (libexec/swift/linux, bin, …: eight stat(2) calls and a readlink(2), 0.04 ms per start
// in scripts/profile, and cfsh starts twice per sandbox). scripts/install puts the
// static cfsh in PREFIX/bin alone: unless a Swift toolchain shares that prefix, the
// helper is not found and the backtracer turns itself off anyway.
// Two references pull that file into a static link: this settings record, read by
// Errors.cpp (swift_reportError asks whether the backtracer is on), and the thunk test
// that swiftrt.o keeps alive for the helper to call in a crashed process. Defined here
// (settings all zero: off; no symbol is a thunk to a helper that is never started), the
// linker never pulls Backtrace.cpp, its constructor does not run, and a fatal error
// prints the runtime's own message, as it does when the helper is missing. (In a
// dynamic link the runtime's own copies are used: these are hidden, so the program's
// do not take the place of libswiftCore.so's exported thunk test.) If a
// future runtime needed anything else from that file, the static link would fail with
// a duplicate symbol rather than silently change. BuildShapeTests checks that a start
// makes none of those calls.
__attribute__((visibility("hidden"), aligned(16))) char _swift_backtraceSettings[0x58];

__attribute__((visibility("hidden")))
bool _swift_backtrace_isThunkFunction(const char *mangledName) {
    (void)mangledName;
    return false;
}

#include <stdio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

/* verify (Verify.swift): the hostname and domain name of another process, read inside
 * its UTS namespace. setns(2) changes the calling thread's namespace, and cfsh (or the
 * test runner) may have other threads: so a forked helper enters it, calls uname(2) and
 * writes "NODENAME\nDOMAINNAME\n" on a pipe, using only async-signal-safe calls between
 * fork and _exit. Returns the bytes read, or -errno.
 * Joining a UTS namespace takes CAP_SYS_ADMIN in the user namespace that owns it
 * (setns(2)): root has it over the namespaces its children made; a user without root
 * has it only inside the user namespace it made (user_namespaces(7)), so when the
 * direct setns is refused (EPERM) the helper joins the process's user namespace first
 * (a single-threaded process may, setns(2)) and tries again. */
int cfs_uts_names(pid_t pid, char *out, int size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)pid);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) return -errno;
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
    int userns = open(path, O_RDONLY | O_CLOEXEC);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        int e = errno; close(ns); if (userns >= 0) close(userns); return -e;
    }
    pid_t helper = fork();
    if (helper < 0) {
        int e = errno; close(ns); if (userns >= 0) close(userns); close(fds[0]); close(fds[1]); return -e;
    }
    if (helper == 0) {
        struct utsname names;
        if (syscall(SYS_setns, ns, CLONE_NEWUTS) != 0) {
            if (errno != EPERM || userns < 0 || syscall(SYS_setns, userns, CLONE_NEWUSER) != 0
                || syscall(SYS_setns, ns, CLONE_NEWUTS) != 0) _exit(1);
        }
        if (uname(&names) != 0) _exit(1);
        size_t n = strlen(names.nodename);
        if (write(fds[1], names.nodename, n) != (ssize_t)n || write(fds[1], "\n", 1) != 1) _exit(1);
        n = strlen(names.domainname);
        if (write(fds[1], names.domainname, n) != (ssize_t)n || write(fds[1], "\n", 1) != 1) _exit(1);
        _exit(0);
    }
    close(ns);
    if (userns >= 0) close(userns);
    close(fds[1]);
    int total = 0;
    while (total < size - 1) {
        ssize_t n = read(fds[0], out + total, size - 1 - total);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        total += n;
    }
    out[total] = 0;
    close(fds[0]);
    int status = 0;
    while (waitpid(helper, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -EPERM;
    return total;
}

// The range below the frame is dead stack (the x86-64 red zone is 128 bytes: one page
// is kept). It is at most 256 KiB: the kernel keeps a 1 MiB gap below a stack mapping
// (stack_guard_gap), so nothing but the stack can be there; where the stack mapping
// does not reach that low, madvise skips the hole and says ENOMEM, which is ignored.
void cfs_release_startup_memory(void) {
    char here;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t top = ((uintptr_t)&here & ~(page - 1)) - page;
    uintptr_t size = 256 * 1024;
    madvise((void *)(top - size), size, MADV_DONTNEED);
}
