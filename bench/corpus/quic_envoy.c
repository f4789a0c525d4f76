/* quic_envoy: Envoy-style QUIC DCID bytes modulo workers (see quic_envoy.md). */
#include "twin.h"

#define WORKERS 6

SOCKARRAY(SOCKETS, WORKERS);

static __always_inline __u32 be32_at(struct sk_reuseport_md *ctx, __u32 off, __u32 dflt)
{
	__u32 buf;
	const __u32 *p = l4_bytes(ctx, off, &buf, 4);

	return p ? bpf_ntohl(*p) : dflt;
}

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 n = ctx->len - UDP_HLEN, key = ctx->hash;
	int first;

	if (n >= 9) {
		first = l4_u8(ctx, UDP_HLEN);
		if (first < 0)
			first = 0;
		if (!(first & 0x80))
			key = be32_at(ctx, UDP_HLEN + 1, ctx->hash);
		else if (n >= 14)
			key = be32_at(ctx, UDP_HLEN + 6, ctx->hash);
	}
	select_index(ctx, &SOCKETS, key % WORKERS);
	return SK_PASS;
}
