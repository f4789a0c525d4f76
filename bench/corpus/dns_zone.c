/* dns_zone: one zone to its own workers (see dns_zone.md). */
#include "twin.h"

SOCKARRAY(SOCKETS, 4);

static const char zone[13] = "\x07" "example" "\x03" "com";

static __always_inline int is_zone(const __u8 *p)
{
#pragma unroll
	for (int i = 0; i < 13; i++)
		if (p[i] != (__u8)zone[i])
			return 0;
	return 1;
}

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u8 buf[13];
	const __u8 *p;
	__u32 index = 2 + ctx->hash % 2, len;

	p = l4_bytes(ctx, UDP_HLEN + 12, buf, 13);
	if (p) {
		len = p[0];
		if (is_zone(p)) {
			index = 0;
		} else if (len >= 1 && len <= 63) {
			p = l4_bytes(ctx, UDP_HLEN + 13 + len, buf, 13);
			if (p && is_zone(p))
				index = 1;
		}
	}
	select_index(ctx, &SOCKETS, index);
	return SK_PASS;
}
