//! Spreading keys over `n` workers.

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
