/* C baseline for examples/short_drop.rs: drop payloads shorter than 4 bytes (fallback
 * Drop), else the kernel's hash pick. The SOCKETS map is declared but unused, as in the
 * policy. */
#include "common.h"

#define MIN_PAYLOAD 4

SOCKARRAY(SOCKETS, 4);

SEC("sk_reuseport")
int drop_short(struct sk_reuseport_md *ctx)
{
	__u32 magic;

	if (payload_load(ctx, 0, &magic, 4) < 0)
		return SK_DROP; /* `?`: fallback Drop */
	(void)magic;
	if (ctx->len < 8 + MIN_PAYLOAD)
		return SK_DROP;
	return SK_PASS;
}
