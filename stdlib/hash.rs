//! Hash functions: FNV-1a over byte arrays, the murmur3 finalisers, and the kernel's jhash
//! of three words. All arithmetic wraps, as these algorithms expect.

/// FNV-1a 32-bit offset basis and prime.
pub const FNV32_OFFSET: u32 = 0x811c_9dc5;
pub const FNV32_PRIME: u32 = 0x0100_0193;
/// FNV-1a 64-bit offset basis and prime.
pub const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
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
