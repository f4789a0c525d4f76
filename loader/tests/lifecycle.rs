//! The library API of a server that owns its sockets, against the real kernel, in this
//! process: a policy compiled from a string, a group of our own sockets, a named load, a
//! second generation joined, status, replace and detach by name; and the record's errors.

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsFd;
use std::time::Duration;

use rsteer_loader::{
    lifecycle::{self, Detached, Origin},
    state, ErrorKind, LoadError, LoadOptions,
};
use socket2::{Domain, Socket, Type};

#[macro_use]
#[path = "../../tests/common/skip.rs"]
mod skip;
use skip::kernel_ready;

const POLICY: &str = r#"
#[map]
static BY_COOKIE: SockHash<u64, 16>;

#[map]
static BY_INDEX: SockMap<2>;

#[map]
static HITS: Array<u64, 2>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let cookie = pkt.payload.le64(0)?;
    if !try_select(BY_COOKIE, cookie) {
        let i = pkt.payload.u8(8)? as u32 % 2;
        HITS.add(i, 1);
        try_select(BY_INDEX, i);
    }
    Verdict::Pass
}
"#;

fn compile(src: &str) -> Vec<u8> {
    let mut db = rsteer_lang::SourceDb::new();
    let main = db.add("embedded.rs", src);
    let (program, diags) = rsteer_lang::check(&mut db, main, &rsteer_lang::CheckOptions::default());
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:?}");
    rsteer_codegen::compile(&program.unwrap(), &db).expect("compiles").object
}

fn bind(n: usize, port: u16) -> Vec<UdpSocket> {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], port));
    (0..n)
        .map(|_| {
            let s = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
            s.set_reuse_port(true).unwrap();
            s.bind(&addr.into()).unwrap();
            addr = s.local_addr().unwrap().as_socket().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            UdpSocket::from(s)
        })
        .collect()
}

/// Which of `sockets` receives a datagram with this payload.
fn lands(sockets: &[UdpSocket], payload: &[u8]) -> Option<usize> {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.send_to(payload, sockets[0].local_addr().unwrap()).unwrap();
    for s in sockets {
        s.set_nonblocking(true).unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    let mut buf = [0u8; 64];
    while std::time::Instant::now() < deadline {
        for (i, s) in sockets.iter().enumerate() {
            if s.recv_from(&mut buf).is_ok() {
                return Some(i);
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

fn datagram(cookie: u64, index: u8) -> Vec<u8> {
    let mut p = cookie.to_le_bytes().to_vec();
    p.push(index);
    p
}

#[test]
fn a_server_steers_its_own_sockets_through_two_generations() {
    require_kernel!();
    let object = compile(POLICY);
    let old = bind(2, 0);
    let port = old[0].local_addr().unwrap().port();
    let name = format!("rsteer_t{}_own", std::process::id());
    let fds: Vec<_> = old.iter().map(|s| s.as_fd()).collect();
    let group = lifecycle::own_group(&fds).unwrap();
    let (loaded, record) =
        lifecycle::load_named(&object, &group, &LoadOptions::default(), &name, &Origin::default()).unwrap();
    assert_eq!(loaded.rows.len(), 2);
    assert_eq!(record.pids, vec![std::process::id() as i32]);
    let old_cookies: Vec<u64> = record.current().iter().map(|s| s.cookie).collect();

    // A taken name is refused before anything is loaded.
    let e = lifecycle::load_named(&object, &group, &LoadOptions::default(), &name, &Origin::default()).unwrap_err();
    assert!(matches!(e, LoadError::NameTaken { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Usage);

    let all: Vec<UdpSocket> = old.iter().map(|s| s.try_clone().unwrap()).collect();
    assert_eq!(lands(&all, &datagram(old_cookies[1], 0)), Some(1));
    assert_eq!(lands(&all, &datagram(7, 0)), Some(0));

    // Joining by our own pid would take all four sockets of the group, more than BY_INDEX
    // holds: refused before any map is written.
    let new = bind(2, port);
    let e = lifecycle::join(&name, &[std::process::id() as i32]).unwrap_err();
    assert!(matches!(e, LoadError::TooManySockets { .. }), "{e}");
    assert_eq!(lifecycle::status(&name).unwrap().record.generation, 0);

    // The second generation: the two new sockets, as a group of our own.
    let fds: Vec<_> = new.iter().map(|s| s.as_fd()).collect();
    let record = lifecycle::join_group(&name, &lifecycle::own_group(&fds).unwrap()).unwrap();
    assert_eq!(record.generation, 1);
    assert_eq!(record.current().len(), 2);
    let mut all: Vec<UdpSocket> = old.iter().map(|s| s.try_clone().unwrap()).collect();
    all.extend(new.iter().map(|s| s.try_clone().unwrap()));
    // Old flows keep their sockets by cookie; new flows go to the new generation.
    assert_eq!(lands(&all, &datagram(old_cookies[0], 1)), Some(0));
    assert_eq!(lands(&all, &datagram(old_cookies[1], 0)), Some(1));
    assert_eq!(lands(&all, &datagram(7, 0)), Some(2));
    assert_eq!(lands(&all, &datagram(7, 1)), Some(3));

    // Replace keeps every map of the same name and shape, HITS's counts with them.
    let r = lifecycle::replace(&name, &object, &[], None, &Origin::default()).unwrap();
    assert_eq!(r.kept, vec!["BY_COOKIE", "BY_INDEX", "HITS"]);
    let r = lifecycle::replace(&name, &object, &["HITS".to_string()], None, &Origin::default()).unwrap();
    assert_eq!((r.kept.len(), r.fresh.clone()), (2, vec!["HITS".to_string()]));
    assert_eq!(lands(&all, &datagram(7, 1)), Some(3));

    let s = lifecycle::status(&name).unwrap();
    assert!(!s.gone);
    assert!(s.sockets.iter().all(|x| x.alive));
    assert_eq!(lifecycle::detach_named(&name).unwrap(), Detached::Detached);
    assert!(!state::load_dir(&name).exists());
    drop(new);
}

#[test]
fn own_group_refuses_a_socket_without_reuseport() {
    let plain = UdpSocket::bind("127.0.0.1:0").unwrap();
    let e = lifecycle::own_group(&[plain.as_fd()]).unwrap_err();
    assert!(e.to_string().contains("not a bound UDP or listening TCP socket with SO_REUSEPORT"), "{e}");
    assert!(matches!(lifecycle::own_group(&[]), Err(LoadError::EmptyGroup)));
}

#[test]
fn a_missing_load_is_named() {
    let e = state::read_record("rsteer_no_such_load_here").unwrap_err();
    assert!(e.to_string().starts_with("no load named `rsteer_no_such_load_here`"), "{e}");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(state::check_name("a/b").is_err());
}
