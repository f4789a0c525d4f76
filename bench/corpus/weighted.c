/* weighted: weighted spreading by the kernel's hash (see weighted.md). */
#include "twin.h"

#define WORKERS 4

SOCKARRAY(SOCKETS, WORKERS);

struct weights {
	__u32 w[WORKERS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct weights);
} WEIGHTS SEC(".maps");

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 zero = 0, i = ctx->hash % WORKERS, hash = ctx->hash;
	struct weights *w = bpf_map_lookup_elem(&WEIGHTS, &zero);
	__u64 total, point, sum = 0;

	if (w) {
		total = (__u64)w->w[0] + w->w[1] + w->w[2] + w->w[3];
		if (total) {
			point = ((__u64)hash * total) >> 32;
			i = WORKERS - 1;
#pragma unroll
			for (int k = 0; k < WORKERS - 1; k++) {
				sum += w->w[k];
				if (point < sum) {
					i = k;
					break;
				}
			}
		}
	}
	select_index(ctx, &SOCKETS, i);
	return SK_PASS;
}
