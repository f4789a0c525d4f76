/* random_spread: uniform random spreading (see random_spread.md). */
#include "twin.h"

#define WORKERS 8

SOCKARRAY(SOCKETS, WORKERS);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	if (select_index(ctx, &SOCKETS, bpf_get_prandom_u32() % WORKERS))
		select_index(ctx, &SOCKETS, ctx->hash % WORKERS);
	return SK_PASS;
}
