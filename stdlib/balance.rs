//! Spreading keys over `n` workers.
use std::hash;

/// `hash % n`, and 0 when there are no workers (BPF defines `x % 0 == x`, which would pick a
/// worker that does not exist).
pub fn modulo(hash: u32, n: u32) -> u32 {
    if n == 0 {
        0
    } else {
        hash % n
    }
}

/// Lemire's multiply-shift reduction of a 32-bit hash to `0..n`: as even as `modulo`
/// without a division.
pub fn reduce(hash: u32, n: u32) -> u32 {
    ((hash as u64 * n as u64) >> 32) as u32
}

/// Jump consistent hash (Lamping and Veach, 2014): maps `key` to a bucket in `0..buckets`
/// so that growing from n to n+1 buckets moves only 1/(n+1) of the keys. Returns 0 when
/// `buckets` is 0.
///
/// The original loops until the next jump passes `buckets`; each jump at least doubles the
/// expected position, so 64 rounds cover any `u32` bucket count except with negligible
/// probability, and the bucket found so far is always in range.
pub fn jump(key: u64, buckets: u32) -> u32 {
    let n = buckets as u64;
    let mut k = key;
    let mut b: u64 = 0;
    let mut j: u64 = 0;
    for _round in 0..64 {
        if j >= n {
            break;
        }
        b = j;
        k = k * 2862933555777941757 + 1;
        // (b + 1) * 2^31 / ((k >> 33) + 1), the original's floating-point step in integers.
        j = ((b + 1) << 31) / ((k >> 33) + 1);
    }
    b as u32
}

/// A weighted pick: index `i` of `0..n` is chosen for a share `weights[i] / sum` of the
/// hash space (`n` at most 16; weights beyond `n` are ignored). Fill `weights` from an
/// `Array` the operator keeps (`rsteer map set`), one `get` per index. Returns 0 when every
/// weight is 0.
pub fn weighted(weights: [u32; 16], n: u32, hash: u32) -> u32 {
    let mut total: u64 = 0;
    for i in 0..16 {
        if i < n {
            total += weights[i] as u64;
        }
    }
    if total == 0 {
        return 0;
    }
    // The hash scaled into 0..total, then the first index whose running sum passes it.
    let point = (hash as u64 * total) >> 32;
    let mut sum: u64 = 0;
    let mut pick: u32 = 0;
    let mut found = false;
    for i in 0..16 {
        if i < n && !found {
            sum += weights[i] as u64;
            if point < sum {
                pick = i;
                found = true;
            }
        }
    }
    pick
}

/// Rendezvous (highest-random-weight) hashing: the worker `i` of `0..n` (`n` at most 16)
/// whose score `mix32(key ^ mix32(i + 1))` is highest. Like `jump`, removing a worker moves
/// only the keys it had; unlike `jump`, any worker may leave, not just the last. Returns 0
/// when `n` is 0.
pub fn rendezvous(key: u32, n: u32) -> u32 {
    let mut best: u32 = 0;
    let mut pick: u32 = 0;
    for i in 0..16 {
        if i < n {
            let score = hash::mix32(key ^ hash::mix32(i + 1));
            if i == 0 || score > best {
                best = score;
                pick = i;
            }
        }
    }
    pick
}

/// `rendezvous` over the workers whose bit is set in `alive` (bit `i` for worker `i`, up to
/// 32): a worker that leaves clears its bit and only its keys move. Returns 32 when no bit
/// is set, which names no socket.
pub fn rendezvous_alive(key: u32, alive: u32) -> u32 {
    let mut best: u32 = 0;
    let mut pick: u32 = 32;
    for i in 0..32 {
        if (alive >> i) & 1 == 1 {
            let score = hash::mix32(key ^ hash::mix32(i + 1));
            if pick == 32 || score > best {
                best = score;
                pick = i;
            }
        }
    }
    pick
}

#[test]
fn modulo_and_reduce_stay_in_range() {
    assert_eq!(modulo(10, 4), 2);
    assert_eq!(modulo(10, 0), 0);
    assert_eq!(reduce(0, 4), 0);
    assert_eq!(reduce(0xffff_ffff, 4), 3);
    assert_eq!(reduce(0x8000_0000, 4), 2);
    assert_eq!(reduce(7, 0), 0);
}

#[test]
fn jump_matches_the_paper() {
    // Values of the paper's C code (Lamping and Veach, Figure 1), floating point and all.
    assert_eq!(jump(0, 1), 0);
    assert_eq!(jump(1, 0), 0);
    assert_eq!(jump(0xdead_beef, 1), 0);
    assert_eq!(jump(1, 2), 0);
    assert_eq!(jump(0xdead_beef, 100), 87);
    assert_eq!(jump(0x0123_4567_89ab_cdef, 1000), 194);
    // Growing from 10 to 11 buckets moves a key only to the new bucket.
    for k in 0..64 {
        let before = jump(k as u64 * 0x9e37_79b9, 10);
        let after = jump(k as u64 * 0x9e37_79b9, 11);
        assert!(after == before || after == 10);
    }
}

#[test]
fn weighted_follows_the_weights() {
    let w = [1u32, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    // A quarter of the hash space for index 0, none for 1, three quarters for 2.
    assert_eq!(weighted(w, 3, 0), 0);
    assert_eq!(weighted(w, 3, 0x3fff_ffff), 0);
    assert_eq!(weighted(w, 3, 0x4000_0000), 2);
    assert_eq!(weighted(w, 3, 0xffff_ffff), 2);
    assert_eq!(weighted(w, 2, 0xffff_ffff), 0);
    assert_eq!(weighted([0u32; 16], 16, 5), 0);
}

#[test]
fn rendezvous_moves_only_the_leavers_keys() {
    for k in 0..64 {
        let key = k * 0x9e37_79b9;
        let all = rendezvous(key, 8);
        assert!(all < 8);
        assert_eq!(rendezvous_alive(key, 0xff), all);
        // Worker 3 leaves: keys it did not have stay where they were.
        let without = rendezvous_alive(key, 0xff & !(1 << 3));
        assert!(without != 3);
        if all != 3 {
            assert_eq!(without, all);
        }
    }
    assert_eq!(rendezvous(5, 0), 0);
    assert_eq!(rendezvous(5, 1), 0);
    assert_eq!(rendezvous_alive(5, 0), 32);
    assert_eq!(rendezvous_alive(5, 1 << 9), 9);
}
