/* counted_hash: hash spreading with per-worker counters (see counted_hash.md). */
#include "twin.h"

#define WORKERS 4

SOCKARRAY(SOCKETS, WORKERS);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WORKERS + 1);
	__type(key, __u32);
	__type(value, __u64);
} COUNTS SEC(".maps");

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 i = ctx->hash % WORKERS;
	__u64 *cnt;

	if (select_index(ctx, &SOCKETS, i))
		i = WORKERS;
	cnt = bpf_map_lookup_elem(&COUNTS, &i);
	if (cnt)
		*cnt += 1;
	return SK_PASS;
}
