/* quic_jump: jump consistent hash of the QUIC DCID (see quic_jump.md). */
#include "twin.h"

#define WORKERS 6

SOCKARRAY(SOCKETS, WORKERS);

static __always_inline __u32 jump_hash(__u64 key, __u32 buckets)
{
	__u64 b = 0, j = 0;

	for (int i = 0; i < 64 && j < buckets; i++) {
		b = j;
		key = key * 2862933555777941757ULL + 1;
		j = ((b + 1) << 31) / ((key >> 33) + 1);
	}
	return b;
}

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	const __u64 *p;
	__u64 buf;
	int first;

	first = l4_u8(ctx, UDP_HLEN);
	if (first < 0)
		return SK_PASS;
	if (first & 0x80) {
		select_index(ctx, &SOCKETS, ctx->hash % WORKERS);
		return SK_PASS;
	}
	p = l4_bytes(ctx, UDP_HLEN + 1, &buf, 8);
	if (!p)
		return SK_PASS;
	select_index(ctx, &SOCKETS, jump_hash(bpf_be64_to_cpu(*p), WORKERS));
	return SK_PASS;
}
