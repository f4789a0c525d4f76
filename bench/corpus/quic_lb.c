/* quic_lb: QUIC-LB plaintext server id (see quic_lb.md). */
#include "twin.h"

#define WORKERS 4
#define CONFIG_ID 0

SOCKARRAY(SOCKETS, WORKERS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u32);
} SERVERS SEC(".maps");

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 cid = UDP_HLEN + 1, *index;
	__u16 buf, sid;
	const __u16 *p;
	int first, b;

	first = l4_u8(ctx, UDP_HLEN);
	if (first < 0)
		return SK_PASS;
	if (first & 0x80) {
		b = l4_u8(ctx, UDP_HLEN + 5);
		if (b < 0)
			return SK_PASS;
		if (b < 3)
			goto hash;
		cid = UDP_HLEN + 6;
	}
	b = l4_u8(ctx, cid);
	if (b < 0)
		return SK_PASS;
	if ((b >> 5) != CONFIG_ID)
		goto hash;
	p = l4_bytes(ctx, cid + 1, &buf, 2);
	if (!p)
		return SK_PASS;
	sid = bpf_ntohs(*p);
	index = bpf_map_lookup_elem(&SERVERS, &sid);
	if (index && select_index(ctx, &SOCKETS, *index) == 0)
		return SK_PASS;
hash:
	select_index(ctx, &SOCKETS, ctx->hash % WORKERS);
	return SK_PASS;
}
