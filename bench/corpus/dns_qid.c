/* dns_qid: DNS query id modulo workers (see dns_qid.md). */
#include "twin.h"

SOCKARRAY(SOCKETS, 4);

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	const __u16 *p;
	__u16 buf;

	if (ctx->len < UDP_HLEN + 12)
		return SK_DROP;
	p = l4_bytes(ctx, UDP_HLEN, &buf, 2);
	if (!p)
		return SK_DROP;
	return select_index(ctx, &SOCKETS, bpf_ntohs(*p) % 4) == 0 ? SK_PASS : SK_DROP;
}
