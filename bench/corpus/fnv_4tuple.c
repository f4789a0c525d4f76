/* fnv_4tuple: FNV-1a of the IPv4 4-tuple (see fnv_4tuple.md). */
#include "twin.h"

#define WORKERS 8

SOCKARRAY(SOCKETS, WORKERS);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u8 tuple[12];
	const __u8 *ports;
	__u32 h = 2166136261u;

	if (ctx->eth_protocol != bpf_htons(ETH_P_IP)) {
		select_index(ctx, &SOCKETS, ctx->hash % WORKERS);
		return SK_PASS;
	}
	if (bpf_skb_load_bytes_relative(ctx, 12, tuple, 8, BPF_HDR_START_NET))
		return SK_PASS;
	ports = l4_bytes(ctx, 0, tuple + 8, 4);
	if (!ports)
		return SK_PASS;
	if (ports != tuple + 8)
		__builtin_memcpy(tuple + 8, ports, 4);
#pragma unroll
	for (int i = 0; i < 12; i++)
		h = (h ^ tuple[i]) * 16777619u;
	select_index(ctx, &SOCKETS, h % WORKERS);
	return SK_PASS;
}
