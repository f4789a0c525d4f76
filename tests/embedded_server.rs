//! The embedding library end to end: `examples/server/main.rs` compiles a policy held in a
//! string through `rsteer::build`, binds its own reuseport sockets, loads and attaches the
//! program through `rsteer_loader`, and answers each datagram with the index of the socket
//! that received it. Real datagrams must land where the policy (first byte % 4) says.

#[macro_use]
mod common;

use common::kernel_ready;
use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::Duration;

/// `cargo test` builds the examples beside the test binaries (target/debug/examples).
fn example_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent().and_then(|deps| deps.parent()).expect("target/debug").join("examples/steering_server")
}

#[test]
fn a_server_steers_its_own_sockets_with_an_embedded_policy() {
    require_kernel!();
    let bin = example_binary();
    assert!(bin.exists(), "{} was not built (cargo test builds examples)", bin.display());
    let mut child = Command::new(&bin)
        .args(["4", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port: u16 = match line.trim().strip_prefix("READY port=") {
        Some(p) => p.parse().unwrap(),
        None => {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("the server did not start: {line:?} {}", String::from_utf8_lossy(&out.stderr));
        }
    };
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    for first in 0u8..16 {
        client.send_to(&[first, 0xaa], ("127.0.0.1", port)).unwrap();
        let mut buf = [0u8; 64];
        let (n, _) = client.recv_from(&mut buf).expect("an answer from the server");
        assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), format!("sock={}", first % 4), "first byte {first}");
    }
    // Closing its standard input makes the server detach its program and exit.
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
