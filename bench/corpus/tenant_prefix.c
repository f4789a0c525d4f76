/* tenant_prefix: tenants by client prefix, constant table (see tenant_prefix.md). */
#include "twin.h"

#define WORKERS 4

SOCKARRAY(SOCKETS, WORKERS);

#define IN4(a, net, len) ((((a) ^ (net)) >> (32 - (len))) == 0)

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 index = ctx->hash % WORKERS, a;
	__u8 a6[16];

	if (ctx->eth_protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes_relative(ctx, 12, &a, 4, BPF_HDR_START_NET))
			return SK_PASS;
		a = bpf_ntohl(a);
		if (IN4(a, 0x0a010000, 16))
			index = 0;
		else if (IN4(a, 0x0a020000, 16))
			index = 1;
		else if (IN4(a, 0xc0a80700, 24))
			index = 2;
		else if (IN4(a, 0xac100000, 12))
			index = 3;
		else if (IN4(a, 0x7f000000, 8))
			index = 2;
	} else if (ctx->eth_protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes_relative(ctx, 8, a6, 16, BPF_HDR_START_NET))
			return SK_PASS;
		/* 2001:db8:N::/48: the first 6 bytes */
		if (a6[0] == 0x20 && a6[1] == 0x01 && a6[2] == 0x0d && a6[3] == 0xb8 && a6[4] == 0) {
			if (a6[5] == 1)
				index = 0;
			else if (a6[5] == 2)
				index = 1;
		}
	}
	select_index(ctx, &SOCKETS, index);
	return SK_PASS;
}
