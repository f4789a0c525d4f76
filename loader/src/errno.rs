//! Every errno the loader can meet, in words: a sentence for the message and a hint for what
//! to do, so that no error ends in a bare "os error N".

use std::io;

/// (errno, its name, what it means here, what to do).
pub const ERRNOS: &[(i32, &str, &str, &str)] = &[
    (libc::EPERM, "EPERM", "the kernel refused: this process lacks a capability", "loading programs and reading maps needs CAP_BPF (or CAP_SYS_ADMIN), attaching needs CAP_NET_ADMIN, and taking another process's sockets CAP_SYS_PTRACE; run as root, and `rsteer doctor` shows what is missing"),
    (libc::EACCES, "EACCES", "permission denied", "taking another process's sockets follows ptrace rules: run as the same user or with CAP_SYS_PTRACE, and check kernel.yama.ptrace_scope; files under /sys/fs/bpf need root"),
    (libc::ENOENT, "ENOENT", "it does not exist (any more)", "the process, map or pin may have gone: `rsteer status` shows what is alive"),
    (libc::ESRCH, "ESRCH", "the process has exited", "check the pid: the process may have exited"),
    (libc::EBADF, "EBADF", "the descriptor is not open (the process closed it)", "the server closed the socket meanwhile; run the command again"),
    (libc::EBUSY, "EBUSY", "it is in use (a socket can be in one socket map at a time)", "detach the program that holds the sockets first (`rsteer detach`)"),
    (libc::EINVAL, "EINVAL", "the kernel refused the request as invalid", "the map or program may not be what rsteer expects; `-v` and RUST_LOG=debug show more"),
    (libc::E2BIG, "E2BIG", "it is bigger than the kernel allows", "the map is full or the index is past its end: check `rsteer map NAME list`"),
    (libc::ENOMEM, "ENOMEM", "the kernel is out of memory for BPF", "free memory, or raise the locked-memory limit (`ulimit -l`) on kernels before 5.11"),
    (libc::ENOSPC, "ENOSPC", "the kernel has no room left for it", "the map is full or the id space is used up: delete entries or unused maps"),
    (libc::EEXIST, "EEXIST", "it exists already", "choose another name, or remove the old one first"),
    (libc::EFAULT, "EFAULT", "the kernel could not read the request", "this is a bug in rsteer: please report it"),
    (libc::EMFILE, "EMFILE", "this process has too many open files", "raise the limit (`ulimit -n`)"),
    (libc::ENFILE, "ENFILE", "the system has too many open files", "close some, or raise fs.file-max"),
    (libc::EOPNOTSUPP, "EOPNOTSUPP", "this kernel does not support it", "`rsteer doctor` lists the kernel's features; a newer kernel may be needed"),
    (libc::ENOSYS, "ENOSYS", "this kernel lacks the system call", "rsteer needs Linux 5.14 or later (pidfd_getfd, SK_REUSEPORT programs)"),
    (libc::ENOTSOCK, "ENOTSOCK", "the descriptor is not a socket", "the process reused the descriptor meanwhile; run the command again"),
    (libc::EAGAIN, "EAGAIN", "the kernel says to try again", "run the command again"),
    (libc::EINTR, "EINTR", "the call was interrupted", "run the command again"),
    (libc::ENOTDIR, "ENOTDIR", "a part of the path is not a directory", "check the path under /sys/fs/bpf"),
    (libc::EROFS, "EROFS", "the file system is read-only", "mount bpffs read-write at /sys/fs/bpf"),
    (libc::ENODEV, "ENODEV", "there is no such device", "check that bpffs is mounted at /sys/fs/bpf (`rsteer doctor`)"),
    (libc::EXDEV, "EXDEV", "the paths are on different file systems", "keep pins under /sys/fs/bpf"),
];

/// The name, sentence and hint for `errno`, when the table has it.
pub fn describe(errno: i32) -> Option<(&'static str, &'static str, &'static str)> {
    ERRNOS.iter().find(|(n, _, _, _)| *n == errno).map(|(_, name, s, h)| (*name, *s, *h))
}

/// An I/O error in words: the table's sentence for its errno (with the errno's name), else the
/// error's own text.
pub fn words(e: &io::Error) -> String {
    match e.raw_os_error().and_then(describe) {
        Some((name, sentence, _)) => format!("{sentence} ({name})"),
        None => e.to_string(),
    }
}

/// The table's hint for an I/O error, when it has one.
pub fn hint(e: &io::Error) -> Option<String> {
    e.raw_os_error().and_then(describe).map(|(_, _, h)| h.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_errno_has_a_sentence_and_a_hint() {
        for (n, name, sentence, hint) in ERRNOS {
            assert!(!sentence.is_empty() && !hint.is_empty(), "errno {n}");
            let w = words(&io::Error::from_raw_os_error(*n));
            assert_eq!(w, format!("{sentence} ({name})"));
        }
        // Each errno the loader's calls document: bpf(2), pidfd_getfd(2), setsockopt(2), the pins.
        for n in [
            libc::EPERM,
            libc::EACCES,
            libc::ENOENT,
            libc::ESRCH,
            libc::EBADF,
            libc::EBUSY,
            libc::EINVAL,
            libc::E2BIG,
            libc::ENOMEM,
            libc::ENOSPC,
            libc::EEXIST,
            libc::EFAULT,
            libc::EMFILE,
            libc::EOPNOTSUPP,
            libc::ENOSYS,
            libc::ENOTSOCK,
            libc::EAGAIN,
            libc::EINTR,
        ] {
            assert!(describe(n).is_some(), "errno {n} has no words");
        }
        assert_eq!(words(&io::Error::other("plain")), "plain");
    }
}
