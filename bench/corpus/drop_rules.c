/* drop_rules: drop rules in front of a UDP service (see drop_rules.md). */
#include "twin.h"

SOCKARRAY(SOCKETS, 4);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	const __u16 *p;
	__u16 buf;
	__u32 a;

	if (ctx->len < 16)
		return SK_DROP;
	p = l4_bytes(ctx, 0, &buf, 2);
	if (!p)
		return SK_DROP;
	switch (bpf_ntohs(*p)) {
	case 0:
	case 19:
	case 53:
	case 123:
	case 1900:
	case 11211:
		return SK_DROP;
	}
	if (ctx->eth_protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes_relative(ctx, 12, &a, 4, BPF_HDR_START_NET))
			return SK_DROP;
		a = bpf_ntohl(a) >> 24;
		if (a == 0 || a >= 240)
			return SK_DROP;
	}
	if (l4_u8(ctx, UDP_HLEN) <= 0)
		return SK_DROP;
	return select_index(ctx, &SOCKETS, ctx->hash % 4) == 0 ? SK_PASS : SK_DROP;
}
