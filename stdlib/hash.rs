//! Hash functions: FNV-1a over byte arrays, the murmur3 finalisers, the kernel's jhash, and
//! SipHash, a keyed hash for input a client controls. All arithmetic wraps, as these
//! algorithms expect.

/// The FNV-1a 32-bit offset basis.
pub const FNV32_OFFSET: u32 = 0x811c_9dc5;
/// The FNV-1a 32-bit prime.
pub const FNV32_PRIME: u32 = 0x0100_0193;
/// The FNV-1a 64-bit offset basis.
pub const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// The FNV-1a 64-bit prime.
pub const FNV64_PRIME: u64 = 0x0000_0100_0000_01b3;

/// One FNV-1a 32-bit round: folds `byte` into `hash`.
pub fn fnv1a_32_step(hash: u32, byte: u8) -> u32 {
    (hash ^ byte as u32) * FNV32_PRIME
}

/// One FNV-1a 64-bit round.
pub fn fnv1a_64_step(hash: u64, byte: u8) -> u64 {
    (hash ^ byte as u64) * FNV64_PRIME
}

/// FNV-1a 32-bit of the first `len` bytes of `data` (all 16 when `len` is larger), e.g. an
/// IPv6 address or a connection ID copied with `bytes::<16>`.
pub fn fnv1a_32(data: [u8; 16], len: u32) -> u32 {
    let mut h = FNV32_OFFSET;
    for i in 0..16 {
        if i >= len {
            break;
        }
        h = fnv1a_32_step(h, data[i]);
    }
    h
}

/// FNV-1a 32-bit of four bytes.
pub fn fnv1a_32_4(data: [u8; 4]) -> u32 {
    let mut h = FNV32_OFFSET;
    for i in 0..4 {
        h = fnv1a_32_step(h, data[i]);
    }
    h
}

/// FNV-1a 32-bit of eight bytes (a typical QUIC connection ID).
pub fn fnv1a_32_8(data: [u8; 8]) -> u32 {
    let mut h = FNV32_OFFSET;
    for i in 0..8 {
        h = fnv1a_32_step(h, data[i]);
    }
    h
}

/// FNV-1a 64-bit of the first `len` bytes of `data` (all 16 when `len` is larger).
pub fn fnv1a_64(data: [u8; 16], len: u32) -> u64 {
    let mut h = FNV64_OFFSET;
    for i in 0..16 {
        if i >= len {
            break;
        }
        h = fnv1a_64_step(h, data[i]);
    }
    h
}

/// FNV-1a 64-bit of eight bytes.
pub fn fnv1a_64_8(data: [u8; 8]) -> u64 {
    let mut h = FNV64_OFFSET;
    for i in 0..8 {
        h = fnv1a_64_step(h, data[i]);
    }
    h
}

/// murmur3's 32-bit finaliser: spreads every input bit over the whole word.
pub fn mix32(x: u32) -> u32 {
    let mut h = x;
    h ^= h >> 16;
    h *= 0x85eb_ca6b;
    h ^= h >> 13;
    h *= 0xc2b2_ae35;
    h ^= h >> 16;
    h
}

/// murmur3's 64-bit finaliser.
pub fn mix64(x: u64) -> u64 {
    let mut h = x;
    h ^= h >> 33;
    h *= 0xff51_afd7_ed55_8ccd;
    h ^= h >> 33;
    h *= 0xc4ce_b9fe_1a85_ec53;
    h ^= h >> 33;
    h
}

/// Rotate left by `s` bits, `s` in `1..32`.
pub fn rol32(w: u32, s: u32) -> u32 {
    (w << s) | (w >> (32 - s))
}

/// The kernel's `__jhash_final(a, b, c)`: the last mix of jhash, returning `c`.
pub fn jhash_final(a0: u32, b0: u32, c0: u32) -> u32 {
    let mut a = a0;
    let mut b = b0;
    let mut c = c0;
    c ^= b;
    c -= rol32(b, 14);
    a ^= c;
    a -= rol32(c, 11);
    b ^= a;
    b -= rol32(a, 25);
    c ^= b;
    c -= rol32(b, 16);
    a ^= c;
    a -= rol32(c, 4);
    b ^= a;
    b -= rol32(a, 14);
    c ^= b;
    c -= rol32(b, 24);
    c
}

/// The Linux kernel's `jhash_3words(a, b, c, initval)`.
pub fn jhash_3words(a0: u32, b0: u32, c0: u32, initval: u32) -> u32 {
    // JHASH_INITVAL plus the length in bytes (3 words), as `__jhash_nwords` adds them.
    let init = initval + 0xdead_beef + (3 << 2);
    jhash_final(a0 + init, b0 + init, c0 + init)
}

/// The Linux kernel's `jhash(key, length, initval)` over the first `len` bytes of `data`
/// (at most 16: an IPv6 address, a connection ID copied with `bytes::<16>`).
pub fn jhash(data: [u8; 16], len: u32, initval: u32) -> u32 {
    let n = if len > 16 { 16 } else { len };
    let mut a = 0xdead_beef + n + initval;
    let mut b = a;
    let mut c = a;
    let mut rest = n;
    let mut base: u32 = 0;
    if rest > 12 {
        // One whole 12-byte block, then `__jhash_mix`.
        a += (data[0] as u32) | (data[1] as u32) << 8 | (data[2] as u32) << 16 | (data[3] as u32) << 24;
        b += (data[4] as u32) | (data[5] as u32) << 8 | (data[6] as u32) << 16 | (data[7] as u32) << 24;
        c += (data[8] as u32) | (data[9] as u32) << 8 | (data[10] as u32) << 16 | (data[11] as u32) << 24;
        a -= c;
        a ^= rol32(c, 4);
        c += b;
        b -= a;
        b ^= rol32(a, 6);
        a += c;
        c -= b;
        c ^= rol32(b, 8);
        b += a;
        a -= c;
        a ^= rol32(c, 16);
        c += b;
        b -= a;
        b ^= rol32(a, 19);
        a += c;
        c -= b;
        c ^= rol32(b, 4);
        b += a;
        rest -= 12;
        base = 12;
    }
    if rest == 0 {
        return c;
    }
    // The tail: byte i goes into a, b or c at bit 8 * (i % 4), then `__jhash_final`.
    for i in 0..12 {
        if i < rest {
            let v = (data[base + i] as u32) << ((i % 4) * 8);
            if i < 4 {
                a += v;
            } else if i < 8 {
                b += v;
            } else {
                c += v;
            }
        }
    }
    jhash_final(a, b, c)
}

/// Rotate a 64-bit word left by `s` bits, `s` in `1..64`.
pub fn rol64(w: u64, s: u32) -> u64 {
    (w << s) | (w >> (64 - s))
}

/// The four words of SipHash's state.
pub struct SipState {
    v0: u64,
    v1: u64,
    v2: u64,
    v3: u64,
}

/// One SipRound.
pub fn sip_round(s: SipState) -> SipState {
    let mut v0 = s.v0;
    let mut v1 = s.v1;
    let mut v2 = s.v2;
    let mut v3 = s.v3;
    v0 += v1;
    v1 = rol64(v1, 13);
    v1 ^= v0;
    v0 = rol64(v0, 32);
    v2 += v3;
    v3 = rol64(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rol64(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rol64(v1, 17);
    v1 ^= v2;
    v2 = rol64(v2, 32);
    SipState { v0: v0, v1: v1, v2: v2, v3: v3 }
}

/// SipHash-c-d with the key `(k0, k1)` over the first `len` bytes of `data` (at most 16),
/// `c` compression and `d` finalisation rounds (each at most 4).
pub fn siphash(k0: u64, k1: u64, data: [u8; 16], len: u32, c: u32, d: u32) -> u64 {
    let n = if len > 16 { 16 } else { len };
    let mut s = SipState {
        v0: k0 ^ 0x736f_6d65_7073_6575,
        v1: k1 ^ 0x646f_7261_6e64_6f6d,
        v2: k0 ^ 0x6c79_6765_6e65_7261,
        v3: k1 ^ 0x7465_6462_7974_6573,
    };
    // The rounds are written out at each use: a helper taking and returning the state,
    // inlined three times, needs a frame each (712 bytes of stack in `dcid_modulo.rs`).
    // Whole 8-byte words, little-endian.
    let words = n / 8;
    for w in 0..2 {
        if w < words {
            let mut m: u64 = 0;
            for i in 0..8 {
                m |= (data[w * 8 + i] as u64) << (8 * i);
            }
            s.v3 ^= m;
            for r in 0..4 {
                if r < c {
                    s = sip_round(s);
                }
            }
            s.v0 ^= m;
        }
    }
    // The last word: the remaining bytes and the length in the top byte.
    let mut b: u64 = (n as u64) << 56;
    for i in 0..7 {
        if i < n - words * 8 {
            b |= (data[words * 8 + i] as u64) << (8 * i);
        }
    }
    s.v3 ^= b;
    for r in 0..4 {
        if r < c {
            s = sip_round(s);
        }
    }
    s.v0 ^= b;
    s.v2 ^= 0xff;
    for r in 0..4 {
        if r < d {
            s = sip_round(s);
        }
    }
    s.v0 ^ s.v1 ^ s.v2 ^ s.v3
}

/// SipHash-1-3 (the variant Rust's `HashMap` uses): a keyed hash for keys a client
/// controls. Without the key, a sender cannot choose inputs that collide, so it cannot
/// aim many flows at one worker. Keep `(k0, k1)` secret: put it in an `Array` at load time.
pub fn siphash13(k0: u64, k1: u64, data: [u8; 16], len: u32) -> u64 {
    siphash(k0, k1, data, len, 1, 3)
}

/// SipHash-2-4, the reference variant (the SipHash paper's test vectors).
pub fn siphash24(k0: u64, k1: u64, data: [u8; 16], len: u32) -> u64 {
    siphash(k0, k1, data, len, 2, 4)
}

#[test]
fn fnv1a_matches_the_reference() {
    // FNV-1a of "a" and "foobar", 32 and 64 bits (the FNV reference test values).
    let a = [b'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(fnv1a_32(a, 1), 0xe40c_292c);
    assert_eq!(fnv1a_64(a, 1), 0xaf63_dc4c_8601_ec8c);
    let foobar = [b'f', b'o', b'o', b'b', b'a', b'r', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(fnv1a_32(foobar, 6), 0xbf9c_f968);
    assert_eq!(fnv1a_64(foobar, 6), 0x8594_4171_f739_67e8);
    assert_eq!(fnv1a_32(foobar, 0), FNV32_OFFSET);
    assert_eq!(fnv1a_32_step(FNV32_OFFSET, b'a'), 0xe40c_292c);
    assert_eq!(fnv1a_64_step(FNV64_OFFSET, b'a'), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a_32_4([b'f', b'o', b'o', b'b']), fnv1a_32(foobar, 4));
    let eight = [b'f', b'o', b'o', b'b', b'a', b'r', b'!', b'?'];
    let sixteen = [b'f', b'o', b'o', b'b', b'a', b'r', b'!', b'?', 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(fnv1a_32_8(eight), fnv1a_32(sixteen, 8));
    assert_eq!(fnv1a_64_8(eight), fnv1a_64(sixteen, 8));
}

#[test]
fn the_finalisers_match_murmur3() {
    // fmix32 and fmix64 of 1 and of a 64-bit pattern, from the reference implementation.
    assert_eq!(mix32(0), 0);
    assert_eq!(mix32(1), 0x514e_28b7);
    assert_eq!(mix64(0), 0);
    assert_eq!(mix64(1), 0xb456_bcfc_34c2_cb2c);
    assert_eq!(rol32(0x8000_0001, 1), 3);
    assert_eq!(rol64(0x8000_0000_0000_0001, 4), 0x18);
}

#[test]
fn jhash_matches_the_kernel() {
    // jhash_3words and jhash of 0 to 16 bytes, as the kernel's lib/jhash.h computes them.
    assert_eq!(jhash_3words(1, 2, 3, 0), 0xa461_58f5);
    // jhash_3words is its final mix over the words plus JHASH_INITVAL and the length (12).
    let init: u32 = 0xdead_beef + 12;
    assert_eq!(jhash_final(1 + init, 2 + init, 3 + init), 0xa461_58f5);
    let data = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    assert_eq!(jhash(data, 0, 0x1234), 3735933219);
    assert_eq!(jhash(data, 1, 0x1234), 1027859104);
    assert_eq!(jhash(data, 5, 0x1234), 1195158187);
    assert_eq!(jhash(data, 13, 0x1234), 131106990);
    assert_eq!(jhash(data, 16, 0x1234), 4136663738);
}

#[test]
fn siphash_matches_the_reference_vectors() {
    // The SipHash reference vectors: key 00 01 .. 0f, message 00 01 .. (len - 1).
    let k0: u64 = 0x0706_0504_0302_0100;
    let k1: u64 = 0x0f0e_0d0c_0b0a_0908;
    let msg = [0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    let sip13: [u64; 17] = [
        0xabac0158050fc4dc, 0xc9f49bf37d57ca93, 0x82cb9b024dc7d44d, 0x8bf80ab8e7ddf7fb,
        0xcf75576088d38328, 0xdef9d52f49533b67, 0xc50d2b50c59f22a7, 0xd3927d989bb11140,
        0x369095118d299a8e, 0x25a48eb36c063de4, 0x79de85ee92ff097f, 0x70c118c1f94dc352,
        0x78a384b157b4d9a2, 0x306f760c1229ffa7, 0x605aa111c0f95d34, 0xd320d86d2a519956,
        0xcc4fdd1a7d908b66,
    ];
    let sip24: [u64; 17] = [
        0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
        0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
        0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
        0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
        0x3f2acc7f57c29bdb,
    ];
    for len in 0..17 {
        assert_eq!(siphash13(k0, k1, msg, len), sip13[len]);
        assert_eq!(siphash24(k0, k1, msg, len), sip24[len]);
    }
    // Another key, another hash: the key is what an attacker lacks.
    assert_ne!(siphash13(k0, k1 + 1, msg, 8), sip13[8]);
    let s = sip_round(SipState { v0: 0, v1: 0, v2: 0, v3: 0 });
    assert_eq!(s.v0 ^ s.v1 ^ s.v2 ^ s.v3, 0);
    assert_eq!(siphash(k0, k1, msg, 15, 2, 4), 0xa129ca6149be45e5);
}
