/* dns_label: DNS by the first label of the query name (see dns_label.md). */
#include "twin.h"

#define WORKERS 4

SOCKARRAY(SOCKETS, WORKERS);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 h = 2166136261u, len;
	int b;

	b = l4_u8(ctx, UDP_HLEN + 12);
	if (b < 0)
		return SK_PASS;
	len = b;
	if (len == 0 || len > 63) {
		select_index(ctx, &SOCKETS, ctx->hash % WORKERS);
		return SK_PASS;
	}
	for (__u32 i = 0; i < 16 && i < len; i++) {
		b = l4_u8(ctx, UDP_HLEN + 13 + i);
		if (b < 0)
			return SK_PASS;
		if (b >= 'A' && b <= 'Z')
			b |= 0x20;
		h = (h ^ (__u32)b) * 16777619u;
	}
	select_index(ctx, &SOCKETS, h % WORKERS);
	return SK_PASS;
}
