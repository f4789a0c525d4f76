/* tcp_source: TCP SYNs by client network (see tcp_source.md). */
#include "twin.h"

SOCKARRAY(SOCKETS, 4);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 h, a;
	__u8 net[8];

	if (ctx->ip_protocol != IPPROTO_TCP)
		return SK_PASS;
	if (ctx->eth_protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes_relative(ctx, 12, &a, 4, BPF_HDR_START_NET))
			return SK_PASS;
		h = bpf_ntohl(a) >> 8;
		h ^= h >> 16;
		h *= 0x85ebca6b;
		h ^= h >> 13;
		h *= 0xc2b2ae35;
		h ^= h >> 16;
	} else if (ctx->eth_protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes_relative(ctx, 8, net, 8, BPF_HDR_START_NET))
			return SK_PASS;
		h = 2166136261u;
#pragma unroll
		for (int i = 0; i < 8; i++)
			h = (h ^ net[i]) * 16777619u;
	} else {
		return SK_PASS;
	}
	select_index(ctx, &SOCKETS, h % 4);
	return SK_PASS;
}
