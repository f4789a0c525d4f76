/* C baseline for examples/src_port_mod.rs: the client's source port % WORKERS. The port is
 * read from the L4 header with bpf_skb_load_bytes, as rsteer lowers `pkt.src_port`. */
#include "common.h"

#define WORKERS 4

SOCKARRAY(SOCKETS, WORKERS);

SEC("sk_reuseport")
int by_source_port(struct sk_reuseport_md *ctx)
{
	__u16 raw;
	__u32 key;

	if (bpf_skb_load_bytes(ctx, 0, &raw, 2) < 0)
		return SK_PASS; /* a failed header read takes the fallback */
	key = (__u32)__builtin_bswap16(raw) % WORKERS;
	if (bpf_sk_select_reuseport(ctx, &SOCKETS, &key, 0) == 0)
		return SK_PASS;
	return SK_PASS;
}
