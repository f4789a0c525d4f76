//! Addresses and prefix tests. IPv4 addresses are `u32` in host order, as `pkt.src_ip4`
//! gives them; IPv6 addresses are `[u8; 16]` in network order, as `pkt.src_ip6` gives them.

/// The IPv4 address `a.b.c.d` in host order: `ip4(127, 1, 0, 0) == 0x7f01_0000`. With
/// constant arguments it is computed at compile time, so it may initialise a `const`.
pub fn ip4(a: u8, b: u8, c: u8, d: u8) -> u32 {
    ((a as u32) << 24) | ((b as u32) << 16) | ((c as u32) << 8) | (d as u32)
}

/// The IPv6 address of eight 16-bit groups, in network order:
/// `ip6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)` is `2001:db8::1`. With constant arguments it is
/// computed at compile time, so it may initialise a `const`.
pub fn ip6(a: u16, b: u16, c: u16, d: u16, e: u16, f: u16, g: u16, h: u16) -> [u8; 16] {
    [
        (a >> 8) as u8, a as u8, (b >> 8) as u8, b as u8, (c >> 8) as u8, c as u8, (d >> 8) as u8, d as u8,
        (e >> 8) as u8, e as u8, (f >> 8) as u8, f as u8, (g >> 8) as u8, g as u8, (h >> 8) as u8, h as u8,
    ]
}

/// The netmask of an IPv4 prefix length: `prefix_mask4(24) == 0xffff_ff00`.
pub fn prefix_mask4(len: u32) -> u32 {
    if len == 0 {
        0
    } else if len >= 32 {
        0xffff_ffff
    } else {
        0xffff_ffff << (32 - len)
    }
}

/// Whether `addr` is in `net/len`: `in_prefix4(a, 0x0a00_0000, 8)` tests 10.0.0.0/8.
pub fn in_prefix4(addr: u32, net: u32, len: u32) -> bool {
    let mask = prefix_mask4(len);
    addr & mask == net & mask
}

/// Whether `addr` is in `net/len` for IPv6.
pub fn in_prefix6(addr: [u8; 16], net: [u8; 16], len: u32) -> bool {
    let mut inside = true;
    for i in 0..16 {
        let bit = i * 8;
        if bit >= len {
            break;
        }
        let left = len - bit;
        let mask: u8 = if left >= 8 { 0xff } else { 0xff << (8 - left) };
        if addr[i] & mask != net[i] & mask {
            inside = false;
            break;
        }
    }
    inside
}

/// 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16 (RFC 1918).
pub fn is_private4(addr: u32) -> bool {
    in_prefix4(addr, 0x0a00_0000, 8) || in_prefix4(addr, 0xac10_0000, 12) || in_prefix4(addr, 0xc0a8_0000, 16)
}

/// 127.0.0.0/8.
pub fn is_loopback4(addr: u32) -> bool {
    in_prefix4(addr, 0x7f00_0000, 8)
}

#[test]
fn address_constants() {
    assert_eq!(ip4(127, 1, 0, 0), 0x7f01_0000);
    assert_eq!(ip4(255, 255, 255, 255), 0xffff_ffff);
    let doc = ip6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
    assert_eq!(doc, [0x20u8, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(ip6(0xffff, 0, 0, 0, 0, 0, 0, 0xfe80)[15], 0x80);
}

#[test]
fn ipv4_prefixes() {
    assert_eq!(prefix_mask4(0), 0);
    assert_eq!(prefix_mask4(24), 0xffff_ff00);
    assert_eq!(prefix_mask4(32), 0xffff_ffff);
    assert_eq!(prefix_mask4(40), 0xffff_ffff);
    assert!(in_prefix4(0x0a01_0203, 0x0a00_0000, 8));
    assert!(!in_prefix4(0x0b01_0203, 0x0a00_0000, 8));
    assert!(in_prefix4(0x0b01_0203, 0x0a00_0000, 0));
    assert!(is_private4(0xac1f_0001));
    assert!(!is_private4(0xac20_0001));
    assert!(is_private4(0xc0a8_0101));
    assert!(is_loopback4(0x7f00_0001));
    assert!(!is_loopback4(0x0800_0008));
}

#[test]
fn ipv6_prefixes() {
    let doc = [0x20u8, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let net = [0x20u8, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let other = [0x20u8, 0x01, 0x0d, 0xb9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    assert!(in_prefix6(doc, net, 32));
    assert!(!in_prefix6(other, net, 32));
    assert!(in_prefix6(other, net, 31));
    assert!(in_prefix6(doc, net, 127));
    assert!(!in_prefix6(doc, net, 128));
    assert!(in_prefix6(other, net, 0));
}
