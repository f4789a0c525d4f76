/* flow_lru: an LRU flow table with random placement (see flow_lru.md). */
#include "twin.h"

#define WORKERS 4

SOCKARRAY(SOCKETS, WORKERS);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
} CLIENTS SEC(".maps");

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 a, i, *known;

	if (ctx->eth_protocol != bpf_htons(ETH_P_IP))
		return SK_PASS;
	if (bpf_skb_load_bytes_relative(ctx, 12, &a, 4, BPF_HDR_START_NET))
		return SK_PASS;
	a = bpf_ntohl(a);
	known = bpf_map_lookup_elem(&CLIENTS, &a);
	if (known) {
		i = *known;
	} else {
		i = bpf_get_prandom_u32() % WORKERS;
		bpf_map_update_elem(&CLIENTS, &a, &i, BPF_ANY);
	}
	select_index(ctx, &SOCKETS, i);
	return SK_PASS;
}
