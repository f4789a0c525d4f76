/* C baseline for lang/tests/ok/quic_dcid.rs: long headers take the kernel's hash; short
 * headers go to socket (first DCID byte) % WORKERS. */
#include "common.h"

#define WORKERS 8

SOCKARRAY(SOCKETS, WORKERS);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u8 first, worker;
	__u32 key;

	if (payload_load(ctx, 0, &first, 1) < 0)
		return SK_PASS;
	if (first & 0x80) /* quic::is_long_header */
		return SK_PASS;
	if (payload_load(ctx, 1, &worker, 1) < 0)
		return SK_PASS;
	key = (__u32)worker % WORKERS;
	if (bpf_sk_select_reuseport(ctx, &SOCKETS, &key, 0) == 0)
		return SK_PASS;
	return SK_PASS;
}
