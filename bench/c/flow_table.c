/* C baseline for lang/tests/ok/flow_table.rs (a migrate-mode entry with fallback Drop):
 * a flow table keyed by {source IPv4, source port}; a new flow is hashed from its QUIC
 * DCID (FNV-1a over 8 bytes, murmur3 finaliser, jump consistent hash) and remembered.
 * Helper functions are std::hash::{fnv1a_32_8, mix32} and std::balance::jump. */
#include "common.h"

#define WORKERS (4 * 2)
#define MASK 0x80

struct flow {
	__u32 addr;
	__u16 port;
};

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} SOCKETS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct flow);
	__type(value, __u32);
} FLOWS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} STATS SEC(".maps");

static __always_inline __u32 fnv1a_32_8(const __u8 d[8])
{
	__u32 h = 0x811c9dc5;
	for (int i = 0; i < 8; i++)
		h = (h ^ d[i]) * 0x01000193;
	return h;
}

static __always_inline __u32 mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static __always_inline __u32 jump(__u64 key, __u32 buckets)
{
	__u64 n = buckets, k = key, b = 0, j = 0;
	for (int round = 0; round < 64; round++) {
		if (j >= n)
			break;
		b = j;
		k = k * 2862933555777941757ULL + 1;
		j = ((b + 1) << 31) / ((k >> 33) + 1);
	}
	return (__u32)b;
}

static __always_inline __u32 class(__u8 b)
{
	if (b == 0)
		return 0;
	if (b <= 2)
		return 1;
	if (b <= 9)
		return 2;
	return 3;
}

/* worker_of: None (a payload shorter than 9 bytes) is returned as -1. */
static __always_inline long worker_of(struct sk_reuseport_md *ctx, __u32 salt)
{
	__u8 dcid[8];
	if (payload_load(ctx, 1, dcid, 8) < 0)
		return -1;
	return jump((__u64)mix32(fnv1a_32_8(dcid) ^ salt), WORKERS);
}

SEC("sk_reuseport/migrate")
int route(struct sk_reuseport_md *ctx)
{
	struct flow key;
	__u32 raddr, *found, w, sum = 0;
	__u16 rport;
	__u8 first;
	long wl;

	if (ctx->migrating_sk)
		return SK_PASS;

	/* pkt.src_ip4: IPv4 only (eth_protocol is network order), from the IP header. */
	if (ctx->eth_protocol != __builtin_bswap16(0x0800))
		return SK_DROP;
	if (bpf_skb_load_bytes_relative(ctx, 12, &raddr, 4, BPF_HDR_START_NET) < 0)
		return SK_DROP;
	if (bpf_skb_load_bytes(ctx, 0, &rport, 2) < 0)
		return SK_DROP;
	__builtin_memset(&key, 0, sizeof(key));
	key.addr = __builtin_bswap32(raddr);
	key.port = __builtin_bswap16(rport);

	found = bpf_map_lookup_elem(&FLOWS, &key);
	if (found) {
		w = *found;
		if (bpf_sk_select_reuseport(ctx, &SOCKETS, &w, 0) == 0)
			return SK_PASS;
		return SK_DROP;
	}

	if (payload_load(ctx, 0, &first, 1) < 0)
		return SK_PASS;

	for (__u32 i = 0; i < 4; i++) {
		__u8 b;
		if (i == 3)
			break;
		if (payload_load(ctx, i, &b, 1) < 0)
			b = 0; /* unwrap_or(0) */
		if (b & MASK)
			continue;
		sum += b;
	}
	sum <<= 1;

	{
		__u32 c = class(first);
		__u64 *v = bpf_map_lookup_elem(&STATS, &c);
		if (v)
			__sync_fetch_and_add(v, 1);
	}

	wl = worker_of(ctx, sum);
	if (wl < 0)
		return SK_DROP; /* `?` in the entry: fallback Drop */
	w = (__u32)wl;
	bpf_map_update_elem(&FLOWS, &key, &w, BPF_ANY);

	{
		/* `b"ab" == [b'a', 0x62]` is true, so level = -1; delta = -128i8. */
		__s32 level = -1;
		__s8 delta = -128;
		__u32 x = (__u32)level + (__u32)(__s32)delta + (__u32)bpf_ktime_get_ns() +
			  bpf_get_prandom_u32();
		(void)x; /* unused, as `_x`; the two helper calls stay */
	}

	if (bpf_sk_select_reuseport(ctx, &SOCKETS, &w, 0) == 0)
		return SK_PASS;
	return SK_DROP;
}
