/* flow_pin: a flow table pins each client to its first worker (see flow_pin.md). */
#include "twin.h"

#define WORKERS 8

struct flow {
	__u32 addr;
	__u16 port;
};

SOCKARRAY(SOCKETS, WORKERS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow);
	__type(value, __u32);
} FLOWS SEC(".maps");

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	struct flow key;
	const __u16 *port;
	__u16 pbuf;
	__u32 *known, i;

	if (ctx->eth_protocol != bpf_htons(ETH_P_IP))
		return SK_PASS;
	__builtin_memset(&key, 0, sizeof(key));
	if (bpf_skb_load_bytes_relative(ctx, 12, &key.addr, 4, BPF_HDR_START_NET))
		return SK_PASS;
	port = l4_bytes(ctx, 0, &pbuf, 2);
	if (!port)
		return SK_PASS;
	key.addr = bpf_ntohl(key.addr);
	key.port = bpf_ntohs(*port);
	known = bpf_map_lookup_elem(&FLOWS, &key);
	if (known && select_index(ctx, &SOCKETS, *known) == 0)
		return SK_PASS;
	i = ctx->hash % WORKERS;
	bpf_map_update_elem(&FLOWS, &key, &i, BPF_ANY);
	select_index(ctx, &SOCKETS, i);
	return SK_PASS;
}
