/* tcp_dport: TCP SYNs by destination port (see tcp_dport.md). */
#include "twin.h"

SOCKARRAY(SOCKETS, 4);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	const __u16 *p;
	__u16 buf, port;
	__u32 index;

	if (ctx->ip_protocol != IPPROTO_TCP)
		return SK_PASS;
	p = l4_bytes(ctx, 2, &buf, 2);
	if (!p)
		return SK_DROP;
	port = bpf_ntohs(*p);
	switch (port) {
	case 80:
	case 8080:
		index = 0;
		break;
	case 443:
	case 8443:
		index = 1;
		break;
	case 22:
		index = 2;
		break;
	default:
		index = port >= 1024 && port <= 4999 ? 3 : ctx->hash % 4;
	}
	return select_index(ctx, &SOCKETS, index) == 0 ? SK_PASS : SK_DROP;
}
