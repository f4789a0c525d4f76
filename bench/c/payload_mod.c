/* C baseline for examples/payload_mod.rs: first payload byte % WORKERS; an empty payload
 * (or a failed select) takes the kernel's hash pick. */
#include "common.h"

#define WORKERS 4

SOCKARRAY(SOCKETS, WORKERS);

SEC("sk_reuseport")
int by_first_byte(struct sk_reuseport_md *ctx)
{
	__u8 first;
	__u32 key;

	if (payload_load(ctx, 0, &first, 1) < 0)
		return SK_PASS; /* `?`: fallback Pass */
	key = (__u32)first % WORKERS;
	if (bpf_sk_select_reuseport(ctx, &SOCKETS, &key, 0) == 0)
		return SK_PASS;
	return SK_PASS; /* select failed: fallback Pass */
}
