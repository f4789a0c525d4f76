/* tenant_table: tenants by client prefix, operator's table (see tenant_table.md). */
#include "twin.h"

#define WORKERS 8

struct tenant {
	__u32 net, len, index, on;
};

SOCKARRAY(SOCKETS, WORKERS);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct tenant);
} TENANTS SEC(".maps");

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	struct tenant *t;
	__u32 a, mask;

	if (ctx->eth_protocol != bpf_htons(ETH_P_IP))
		return SK_PASS;
	if (bpf_skb_load_bytes_relative(ctx, 12, &a, 4, BPF_HDR_START_NET))
		return SK_PASS;
	a = bpf_ntohl(a);
	for (__u32 i = 0; i < 16; i++) {
		__u32 key = i;

		t = bpf_map_lookup_elem(&TENANTS, &key);
		if (!t || !t->on || t->len > 32)
			continue;
		mask = t->len ? 0xffffffffu << (32 - t->len) : 0;
		if ((a & mask) == (t->net & mask))
			return select_index(ctx, &SOCKETS, t->index) == 0 ? SK_PASS : SK_DROP;
	}
	select_index(ctx, &SOCKETS, ctx->hash % WORKERS);
	return SK_PASS;
}
