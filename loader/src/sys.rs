//! Thin wrappers over the few system calls the loader makes itself. Every
//! `unsafe` block of the crate lives here.

use std::{
    io,
    os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd},
};

const SYS_PIDFD_OPEN: libc::c_long = 434;
const SYS_PIDFD_GETFD: libc::c_long = 438;

pub(crate) const SO_ATTACH_REUSEPORT_EBPF: libc::c_int = 52;
pub(crate) const SO_DETACH_REUSEPORT_BPF: libc::c_int = 68;

const BPF_MAP_LOOKUP_ELEM: libc::c_long = 1;
const BPF_MAP_UPDATE_ELEM: libc::c_long = 2;
const BPF_MAP_GET_NEXT_KEY: libc::c_long = 4;
const BPF_MAP_DELETE_ELEM: libc::c_long = 3;

/// `BPF_ANY`: create or replace.
pub(crate) use rsteer_bpf::map::BPF_ANY;

/// `bpf(cmd, attr, sizeof attr)`: its return value, a descriptor, 0 or -1 (then `errno`).
///
/// # Safety
///
/// `attr` must be a valid, initialised `bpf_attr` prefix for `cmd`, and every pointer in it
/// valid, for the duration of the call, for what `cmd` makes the kernel read or write.
unsafe fn bpf<A>(cmd: libc::c_long, attr: &A) -> libc::c_long {
    // SAFETY: the caller's contract; the size passed is `attr`'s own.
    unsafe { libc::syscall(libc::SYS_bpf, cmd, attr as *const A, std::mem::size_of::<A>() as libc::c_long) }
}

/// A system call's return value that says only success (0 or more) or failure (`errno`).
fn check_ret(ret: impl Into<libc::c_long>) -> io::Result<()> {
    if ret.into() < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn fd_from_ret(ret: libc::c_long) -> io::Result<OwnedFd> {
    check_ret(ret)?;
    // SAFETY: the kernel just returned this descriptor to us and nothing else
    // owns it, so wrapping it in an OwnedFd (which closes it once) is sound.
    Ok(unsafe { OwnedFd::from_raw_fd(ret as RawFd) })
}

/// `pidfd_open(pid, 0)`.
pub(crate) fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes two integers and touches no memory of ours.
    let ret = unsafe { libc::syscall(SYS_PIDFD_OPEN, pid as libc::c_long, 0 as libc::c_long) };
    fd_from_ret(ret)
}

/// `pidfd_getfd(pidfd, target_fd, 0)`: a close-on-exec copy of another
/// process's descriptor.
pub(crate) fn pidfd_getfd(pidfd: BorrowedFd<'_>, target_fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_getfd takes three integers and touches no memory of ours;
    // `pidfd` is a live descriptor for the duration of the call.
    let ret = unsafe {
        libc::syscall(SYS_PIDFD_GETFD, pidfd.as_raw_fd() as libc::c_long, target_fd as libc::c_long, 0 as libc::c_long)
    };
    fd_from_ret(ret)
}

/// The part of `union bpf_attr` used by the map element commands.
#[repr(C)]
#[derive(Default)]
struct MapElemAttr {
    map_fd: u32,
    _pad: u32,
    key: u64,
    value_or_next_key: u64,
    flags: u64,
}

fn bpf_map_elem(cmd: libc::c_long, attr: &MapElemAttr) -> io::Result<()> {
    // SAFETY: `attr` is a valid, initialised bpf_attr prefix of the size we
    // pass; the pointers inside it were set by our callers from live slices
    // whose lengths they checked against the map's key and value sizes.
    let ret = unsafe { bpf(cmd, attr) };
    check_ret(ret)
}

/// `BPF_MAP_UPDATE_ELEM`. `key` and `value` must have the map's key and value
/// sizes (the kernel reads exactly that many bytes).
pub(crate) fn map_update(map: BorrowedFd<'_>, key: &[u8], value: &[u8], flags: u64) -> io::Result<()> {
    let attr = MapElemAttr {
        map_fd: map.as_raw_fd() as u32,
        key: key.as_ptr() as u64,
        value_or_next_key: value.as_ptr() as u64,
        flags,
        ..Default::default()
    };
    bpf_map_elem(BPF_MAP_UPDATE_ELEM, &attr)
}

/// `BPF_MAP_LOOKUP_ELEM`. `value` must have the map's value size (the kernel
/// writes exactly that many bytes).
pub(crate) fn map_lookup(map: BorrowedFd<'_>, key: &[u8], value: &mut [u8]) -> io::Result<()> {
    let attr = MapElemAttr {
        map_fd: map.as_raw_fd() as u32,
        key: key.as_ptr() as u64,
        value_or_next_key: value.as_mut_ptr() as u64,
        ..Default::default()
    };
    bpf_map_elem(BPF_MAP_LOOKUP_ELEM, &attr)
}

/// `BPF_MAP_DELETE_ELEM`. `key` must have the map's key size.
pub(crate) fn map_delete(map: BorrowedFd<'_>, key: &[u8]) -> io::Result<()> {
    let attr = MapElemAttr { map_fd: map.as_raw_fd() as u32, key: key.as_ptr() as u64, ..Default::default() };
    bpf_map_elem(BPF_MAP_DELETE_ELEM, &attr)
}

/// `BPF_MAP_GET_NEXT_KEY`; `key` None asks for the first key. Both buffers
/// must have the map's key size.
pub(crate) fn map_next_key(map: BorrowedFd<'_>, key: Option<&[u8]>, next: &mut [u8]) -> io::Result<()> {
    let attr = MapElemAttr {
        map_fd: map.as_raw_fd() as u32,
        key: key.map_or(0, |k| k.as_ptr() as u64),
        value_or_next_key: next.as_mut_ptr() as u64,
        ..Default::default()
    };
    bpf_map_elem(BPF_MAP_GET_NEXT_KEY, &attr)
}

fn setsockopt_int(sock: BorrowedFd<'_>, option: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: we pass a pointer to a live c_int and its exact size; the kernel
    // only reads it.
    let ret = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            option,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    check_ret(ret)
}

/// `SO_ATTACH_REUSEPORT_EBPF`: attaches (or atomically replaces) the group's
/// program.
pub(crate) fn attach_reuseport_prog(sock: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> io::Result<()> {
    setsockopt_int(sock, SO_ATTACH_REUSEPORT_EBPF, prog.as_raw_fd())
}

/// `SO_DETACH_REUSEPORT_BPF`: ENOENT when the group has no program. The
/// value is unused, but the generic SOL_SOCKET path wants an int.
pub(crate) fn detach_reuseport_prog(sock: BorrowedFd<'_>) -> io::Result<()> {
    setsockopt_int(sock, SO_DETACH_REUSEPORT_BPF, 0)
}

const BPF_MAP_CREATE: libc::c_long = 0;
const BPF_OBJ_PIN: libc::c_long = 6;
const BPF_OBJ_GET: libc::c_long = 7;

/// The part of `union bpf_attr` used by `BPF_OBJ_PIN` and `BPF_OBJ_GET`.
#[repr(C)]
#[derive(Default)]
struct ObjAttr {
    pathname: u64,
    bpf_fd: u32,
    file_flags: u32,
}

/// The part of `union bpf_attr` used by `BPF_MAP_CREATE` (up to the name).
#[repr(C)]
#[derive(Default)]
struct MapCreateAttr {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    inner_map_fd: u32,
    numa_node: u32,
    map_name: [u8; 16],
}

fn path_cstring(path: &std::path::Path) -> io::Result<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt as _;
    std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// `BPF_OBJ_PIN`: pins a program or map descriptor at `path` in bpffs.
pub(crate) fn obj_pin(fd: BorrowedFd<'_>, path: &std::path::Path) -> io::Result<()> {
    let c = path_cstring(path)?;
    let attr = ObjAttr { pathname: c.as_ptr() as u64, bpf_fd: fd.as_raw_fd() as u32, file_flags: 0 };
    // SAFETY: `attr` is a valid bpf_attr prefix of the size we pass, and its pathname points
    // at a NUL-terminated string (`c`) that outlives the call; the kernel only reads it.
    let ret = unsafe { bpf(BPF_OBJ_PIN, &attr) };
    check_ret(ret)
}

/// `BPF_OBJ_GET`: a descriptor of the program or map pinned at `path`.
pub(crate) fn obj_get(path: &std::path::Path) -> io::Result<OwnedFd> {
    let c = path_cstring(path)?;
    let attr = ObjAttr { pathname: c.as_ptr() as u64, ..Default::default() };
    // SAFETY: as in `obj_pin`: a valid attr whose string outlives the call.
    let ret = unsafe { bpf(BPF_OBJ_GET, &attr) };
    fd_from_ret(ret)
}

/// `BPF_MAP_CREATE` of a map without BTF; `name` is cut to 15 bytes.
pub(crate) fn map_create(
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    name: &str,
) -> io::Result<OwnedFd> {
    let mut attr = MapCreateAttr { map_type, key_size, value_size, max_entries, ..Default::default() };
    for (d, s) in attr.map_name.iter_mut().zip(name.bytes().take(15)) {
        *d = s;
    }
    // SAFETY: `attr` is a valid, initialised bpf_attr prefix of the size we pass; the
    // kernel only reads it.
    let ret = unsafe { bpf(BPF_MAP_CREATE, &attr) };
    fd_from_ret(ret)
}

/// `mount("bpf", path, "bpf", 0, NULL)`.
pub(crate) fn mount_bpffs(path: &std::path::Path) -> io::Result<()> {
    let target = path_cstring(path)?;
    let fstype = c"bpf";
    // SAFETY: every pointer is a NUL-terminated string that outlives the call, and the data
    // pointer is NULL, which mount(2) accepts; the kernel only reads them.
    let ret = unsafe { libc::mount(fstype.as_ptr(), target.as_ptr(), fstype.as_ptr(), 0, std::ptr::null()) };
    check_ret(ret)
}

/// `flock(fd, LOCK_EX)`: waits for an exclusive lock, released when the file closes.
pub(crate) fn flock_exclusive(fd: BorrowedFd<'_>) -> io::Result<()> {
    loop {
        // SAFETY: flock takes a live descriptor and an integer and touches no memory of ours.
        let ret = unsafe { libc::flock(fd.as_raw_fd(), libc::LOCK_EX) };
        if ret == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

const BPF_OBJ_GET_INFO_BY_FD: libc::c_long = 15;
const BPF_BTF_GET_FD_BY_ID: libc::c_long = 19;

/// The part of `union bpf_attr` used by `BPF_OBJ_GET_INFO_BY_FD`.
#[repr(C)]
#[derive(Default)]
struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// `BPF_OBJ_GET_INFO_BY_FD` into `buf` (a `bpf_*_info` struct as bytes); the kernel fills at
/// most `buf.len()` bytes.
fn obj_info(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<()> {
    let attr = InfoAttr { bpf_fd: fd.as_raw_fd() as u32, info_len: buf.len() as u32, info: buf.as_mut_ptr() as u64 };
    // SAFETY: `attr` is a valid bpf_attr prefix of the size we pass; `info` points at `buf`,
    // live for the call, and `info_len` is its length, which the kernel never writes past.
    let ret = unsafe { bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) };
    check_ret(ret)
}

/// What `struct bpf_map_info` says of a map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MapInfoRaw {
    pub map_type: u32,
    pub id: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub name: String,
    pub btf_id: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
}

/// `struct bpf_map_info` of a map descriptor (88 bytes on Linux 5.x and 6.x).
pub(crate) fn map_info(fd: BorrowedFd<'_>) -> io::Result<MapInfoRaw> {
    let mut buf = [0u8; 88];
    obj_info(fd, &mut buf)?;
    let word = |off: usize| u32::from_ne_bytes([buf[off], buf[off + 1], buf[off + 2], buf[off + 3]]);
    let name = &buf[24..40];
    let name = String::from_utf8_lossy(&name[..name.iter().position(|&b| b == 0).unwrap_or(16)]).into_owned();
    Ok(MapInfoRaw {
        map_type: word(0),
        id: word(4),
        key_size: word(8),
        value_size: word(12),
        max_entries: word(16),
        name,
        btf_id: word(64),
        btf_key_type_id: word(68),
        btf_value_type_id: word(72),
    })
}

/// The raw BTF blob the kernel holds under `btf_id`.
pub(crate) fn btf_by_id(btf_id: u32) -> io::Result<Vec<u8>> {
    let attr = InfoAttr { bpf_fd: btf_id, ..Default::default() };
    // SAFETY: `attr` is a valid bpf_attr prefix (btf_id, next_id, open_flags) of the size we
    // pass; the kernel only reads it.
    let ret = unsafe { bpf(BPF_BTF_GET_FD_BY_ID, &attr) };
    let fd = fd_from_ret(ret)?;
    // struct bpf_btf_info: u64 btf, u32 btf_size, u32 id, u64 name, u32 name_len, u32 kernel_btf.
    let mut info = [0u8; 32];
    obj_info(fd.as_fd(), &mut info)?;
    let size = u32::from_ne_bytes([info[8], info[9], info[10], info[11]]) as usize;
    let mut blob = vec![0u8; size];
    let mut info = [0u8; 32];
    info[0..8].copy_from_slice(&(blob.as_mut_ptr() as u64).to_ne_bytes());
    info[8..12].copy_from_slice(&(size as u32).to_ne_bytes());
    obj_info(fd.as_fd(), &mut info)?;
    Ok(blob)
}
