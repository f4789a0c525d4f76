/* quic_version: QUIC versions to a negotiation worker (see quic_version.md). */
#include "twin.h"

SOCKARRAY(SOCKETS, 4);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 index, buf, version;
	const __u32 *p;
	int first, b;

	first = l4_u8(ctx, UDP_HLEN);
	if (first < 0 || !(first & 0x40))
		return SK_DROP;
	if (first & 0x80) {
		p = l4_bytes(ctx, UDP_HLEN + 1, &buf, 4);
		if (!p)
			return SK_DROP;
		version = bpf_ntohl(*p);
		if (version == 0x00000001 || version == 0x6b3343cf)
			index = 1 + ctx->hash % 3;
		else
			index = 0;
	} else {
		b = l4_u8(ctx, UDP_HLEN + 1);
		if (b < 0)
			return SK_DROP;
		index = 1 + (__u32)b % 3;
	}
	return select_index(ctx, &SOCKETS, index) == 0 ? SK_PASS : SK_DROP;
}
