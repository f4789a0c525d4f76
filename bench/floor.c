/* The floor of bench/run's per-packet column: the least an SK_REUSEPORT program does, one
 * bpf_sk_select_reuseport on the kernel's hash modulo the group. Built per group size with
 * -DWORKERS=N. */
#include "corpus/twin.h"

#ifndef WORKERS
#define WORKERS 4
#endif

SOCKARRAY(SOCKETS, WORKERS);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 index = ctx->hash % WORKERS;

	bpf_sk_select_reuseport(ctx, &SOCKETS, &index, 0);
	return SK_PASS;
}
