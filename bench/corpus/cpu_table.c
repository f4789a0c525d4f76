/* cpu_table: CPU spreading through an operator's table (see cpu_table.md). */
#include "twin.h"

#define WORKERS 4

SOCKARRAY(SOCKETS, WORKERS);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} CPU_WORKER SEC(".maps");

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 c = bpf_get_smp_processor_id(), v = 0, *p;

	p = bpf_map_lookup_elem(&CPU_WORKER, &c);
	if (p)
		v = *p;
	select_index(ctx, &SOCKETS, v >= 1 && v <= WORKERS ? v - 1 : c % WORKERS);
	return SK_PASS;
}
