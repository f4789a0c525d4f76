/* C baseline for examples/cpu_affinity.rs: socket cpu % WORKERS, counting successful
 * selections in a per-CPU counter. */
#include "common.h"

#define WORKERS 2

SOCKARRAY(SOCKETS, WORKERS);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} STEERED SEC(".maps");

SEC("sk_reuseport")
int by_cpu(struct sk_reuseport_md *ctx)
{
	__u32 key = bpf_get_smp_processor_id() % WORKERS;

	if (bpf_sk_select_reuseport(ctx, &SOCKETS, &key, 0) == 0) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&STEERED, &zero);
		if (n)
			*n += 1; /* per-CPU: a plain add, as rsteer's `add` on a PerCpuArray */
		return SK_PASS;
	}
	return SK_PASS;
}
