/* override_src: an override table by client address (see override_src.md). */
#include "twin.h"

#define WORKERS 4

SOCKARRAY(SOCKETS, WORKERS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} OVERRIDES SEC(".maps");

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 a, *v;

	if (ctx->eth_protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes_relative(ctx, 12, &a, 4, BPF_HDR_START_NET))
			return SK_PASS;
		a = bpf_ntohl(a);
		v = bpf_map_lookup_elem(&OVERRIDES, &a);
		if (v && *v < WORKERS)
			return select_index(ctx, &SOCKETS, *v) == 0 ? SK_PASS : SK_DROP;
	}
	select_index(ctx, &SOCKETS, ctx->hash % WORKERS);
	return SK_PASS;
}
