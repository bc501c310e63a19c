#ifndef CFS_CLINUX_H
#define CFS_CLINUX_H

// C shims for what Swift cannot do on Linux. Each function is prefixed `cfs_` and says
// why it cannot be written in Swift. Nothing here keeps state.

#include <stdint.h>
#include <sys/types.h>

// clone(2) flags. Swift's Glibc module does not export <linux/sched.h>.
#define CFS_CLONE_NEWNS     0x00020000ULL
#define CFS_CLONE_NEWCGROUP 0x02000000ULL
#define CFS_CLONE_NEWUTS    0x04000000ULL
#define CFS_CLONE_NEWIPC    0x08000000ULL
#define CFS_CLONE_NEWUSER   0x10000000ULL
#define CFS_CLONE_NEWPID    0x20000000ULL
#define CFS_CLONE_NEWNET    0x40000000ULL
#define CFS_CLONE_NEWTIME   0x00000080ULL
// How the child is made (cfs_clone3_exec): clone(2), clone3(2).
#define CFS_CLONE_VM             0x00000100ULL
#define CFS_CLONE_VFORK          0x00004000ULL
#define CFS_CLONE_CLEAR_SIGHAND  0x100000000ULL

// statvfs(3) f_flag bits. Glibc declares ST_NODEV and ST_NOEXEC only under _GNU_SOURCE.
#define CFS_ST_NODEV  4UL
#define CFS_ST_NOEXEC 8UL

/// clone3(2) with `flags` and SIGCHLD, then, in the new process, straight into
/// execve(path, argv, envp): no Swift runs between clone and exec.
///
/// Why C: clone3 has no glibc wrapper and Swift cannot call `syscall(2)` (variadic);
/// and the new process shares nothing with Swift's runtime state (locks held by other
/// threads), so only async-signal-safe C may run in it before execve.
///
/// Before cloning every signal is blocked so that no handler of the parent runs in the
/// child; the child restores `*child_mask` (the caller's mask) just before execve.
/// `inherit` lists fds opened O_CLOEXEC that the child keeps across execve (their
/// close-on-exec flag is cleared in the child only, so no concurrent fork elsewhere
/// in the parent can leak them). If execve fails, the child writes
/// "- ERRNO 125 reexec \n" on `error_fd` (the protocol's failure record) and exits 125.
///
/// `session_mode` 2 (a script, `-c`: no terminal handed over, but cfsh has a
/// controlling terminal): the child first calls setsid(2), a new session without a
/// controlling terminal, so TIOCSTI cannot push input into the caller's terminal
/// (bubblewrap CVE-2017-5226). 0: it stays in cfsh's session (there is no terminal
/// to take it away from).
///
/// Before execve the child arms PR_SET_PDEATHSIG(SIGKILL) (`bwrap --die-with-parent`)
/// and exits 125 if cfsh already died (getppid() no longer cfsh's pid).
///
/// `session_mode` 1 (interactive), the child first makes itself a process group leader
/// (setpgid(0, 0)), as a shell does for a job: the parent's own setpgid fails with EACCES
/// once the child has exec'd, so both sides call it and whichever runs first wins.
///
/// With `maps_fds` non-NULL (a new user namespace: a pipe, read end first), the child
/// closes its copy of the write end and reads one byte from the read end before
/// execve: the parent writes it once the uid/gid maps are written. execve computes the
/// new program's capabilities from its uid in the namespace (capabilities(7),
/// "Capabilities and execution of programs by root"): before the maps that uid is
/// unmapped and the re-executed child would start with no capabilities in its own
/// namespaces; after them it is 0 and keeps them all. EOF instead of the byte (the
/// parent failed to write the maps and reports it) makes the child _exit(125) silently.
///
/// "Its uid is 0" is only true if the maps give it one: root outside is unmapped by
/// `map uid 0 1000 1`, and execve by an unmapped (overflow) uid drops every capability.
/// So, once the byte is read, the child switches to the ids the maps make 0 inside, as
/// runc's and bwrap's children do: `become_root` CFS_BECOME_ROOT_GID does setresgid(0,
/// 0, 0) and CFS_BECOME_ROOT_UID setresuid(0, 0, 0), ids of the new namespace, where the
/// child holds CAP_SETUID and CAP_SETGID since clone (user_namespaces(7)). uid 0 is
/// then the namespace's root and execve keeps a full capability set (capabilities(7),
/// "Effect of user ID changes on capabilities"; the old uid was not the namespace's
/// root, so nothing is cleared). A failure is reported as "- ERRNO 125 setresuid \n".
///
/// With CLONE_VM in `flags` (with CLONE_VFORK and CLONE_CLEAR_SIGHAND: the parent
/// asks for that only without `maps_fds`, and only where cfs_clone3_shares_memory()),
/// the child is made as posix_spawn(3) makes one: it runs on a stack of its own inside
/// the caller's memory, the caller's thread suspended until the child's execve (or
/// exit), so the kernel neither copies the caller's page tables nor has the execve
/// throw the copy away, and the caller's later writes take no copy-on-write faults.
/// CLONE_CLEAR_SIGHAND (Linux 5.5) resets every caught signal to SIG_DFL in the child,
/// so no handler of the caller can run in its memory once the child restores the mask.
/// A user namespace cannot be made so: its child waits for the parent to write the
/// maps, and a vfork parent is suspended until the child's execve.
///
/// Returns the child's pid, or -errno if clone3 failed.
pid_t cfs_clone3_exec(uint64_t flags, const char *path, char *const argv[],
                      char *const envp[], const int *inherit, int inherit_count,
                      int error_fd, int session_mode, const int *maps_fds,
                      int become_root);

/// 1 where cfs_clone3_exec can make the child with CLONE_VM (it needs a few lines of
/// assembly per architecture; x86-64 has them), else 0.
int cfs_clone3_shares_memory(void);

#define CFS_BECOME_ROOT_GID 1
#define CFS_BECOME_ROOT_UID 2

/// pipe2(2) with O_CLOEXEC. Why C: glibc declares pipe2 only under _GNU_SOURCE, which
/// Swift's Glibc module is not built with. Returns 0 or -errno.
int cfs_pipe_cloexec(int fds[2]);

/// close_range(2). Why C: declared only under _GNU_SOURCE (see above). Returns 0 or -errno.
int cfs_close_range(unsigned int first, unsigned int last);

/// setresuid(2) / setresgid(2): all three ids. Why C: _GNU_SOURCE only. Return 0 or -errno.
int cfs_setresuid(uid_t uid);
int cfs_setresgid(gid_t gid);

/// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS and O_PATH: opens `path`
/// as if `root_fd` were `/`, so the rootfs's absolute symlinks (/bin/sh -> /bin/busybox)
/// resolve inside it, as they will after chroot. Why C: no glibc wrapper; `syscall` is
/// variadic. Returns an fd or -errno.
int cfs_open_in_root(int root_fd, const char *path);

/// Whether `path` (relative) resolves beneath `directory` with openat2(2)
/// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: a symlink or `..` leading out of it is EXDEV,
/// a magic link (/proc/PID/root) ELOOP. Opens O_PATH and closes at once. Why C: as
/// cfs_open_in_root. Returns 0 or -errno.
int cfs_check_beneath(const char *directory, const char *path);

/// prlimit(2) of this process: setrlimit with 64-bit values. Why C: glibc declares
/// prlimit only under _GNU_SOURCE, and setrlimit's resource parameter there is an enum
/// type Swift imports awkwardly. Returns 0 or -errno.
int cfs_setrlimit(int resource, uint64_t soft, uint64_t hard);

/// prctl(2) with two arguments (PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT).
/// Why C: prctl is variadic. Returns 0 or -errno.
int cfs_prctl(int option, unsigned long arg2, unsigned long arg3);

/// capget(2) / capset(2) of this process, version 3 (64-bit sets). Why C: no glibc
/// wrapper (libcap is not a dependency) and the header's structs are not in Swift's
/// Glibc module. Return 0 or -errno.
int cfs_capget(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);
int cfs_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);

#define CFS_PR_SET_NO_NEW_PRIVS 38
#define CFS_PR_CAPBSET_DROP 24
#define CFS_PR_SET_PDEATHSIG 1
#define CFS_PR_CAP_AMBIENT 47
#define CFS_PR_CAP_AMBIENT_CLEAR_ALL 4

/// Sets IFF_UP on the interface `name`: socket(AF_INET, SOCK_DGRAM), ioctl SIOCGIFFLAGS,
/// then SIOCSIFFLAGS with IFF_UP added (netdevice(7)), close. Why C: ioctl is variadic
/// and struct ifreq is a union Swift imports clumsily. Returns 0 or -errno.
int cfs_interface_up(const char *name);

/// open_tree(AT_FDCWD, path, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC): a detached bind mount
/// of `path`, held by the returned fd. move_mount(fd, "", AT_FDCWD, target,
/// MOVE_MOUNT_F_EMPTY_PATH) attaches it (mount(2)'s new API, Linux 5.2). Why C: glibc
/// declares them only under _GNU_SOURCE, in a header that clashes with <linux/mount.h>.
/// Return an fd / 0, or -errno.
int cfs_open_tree_clone(const char *path);
int cfs_move_mount(int fd, const char *target);

/// pivot_root(2). Why C: glibc has no wrapper; `syscall` is variadic. Returns 0 or -errno.
int cfs_pivot_root(const char *new_root, const char *put_old);

/// Where `path` is among the mounts: its mount's id (STATX_MNT_ID, the first field of
/// /proc/self/mountinfo) in `*mount_id`; returns 1 when `path` is the root of that mount
/// (STATX_ATTR_MOUNT_ROOT: a mount point), 0 when it is inside it, or -errno. Only a
/// failed step asks (KernelErrors.swift): pivot_root(2)'s EINVAL "not a mount point".
/// Why C: glibc declares statx(2) and its constants only under _GNU_SOURCE. Linux 5.8.
int cfs_mount_position(const char *path, uint64_t *mount_id);

/// The user namespace that owns the namespace at `path` (/proc/self/ns/pid): its
/// st_dev and st_ino, as stat(2) of /proc/self/ns/user gives them for one's own; 0 or
/// -errno. ioctl(NS_GET_USERNS), ioctl_ns(2), Linux 4.9. Only a failed mount asks
/// (KernelErrors.swift). Why C: ioctl(2) is variadic.
int cfs_namespace_owner(const char *path, uint64_t *dev, uint64_t *ino);

/* verify: "NODENAME\nDOMAINNAME\n" of pid's UTS namespace, read by a forked helper
 * that setns(2)es into it; bytes read or -errno. */
int cfs_uts_names(pid_t pid, char *out, int size);

/// The init, once its command runs: gives back the stack pages below the caller's frame
/// that start-up touched (madvise(2) MADV_DONTNEED), so each sandbox's PID 1 keeps only
/// what it uses while it waits (28 -> 12 KiB of stack). Why C: the address of the
/// caller's frame. (malloc_trim(3) was measured too: the heap stayed at 20 KiB.)
void cfs_release_startup_memory(void);

#endif
