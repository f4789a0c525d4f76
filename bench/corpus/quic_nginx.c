/* quic_nginx: nginx-style QUIC connection-id cookie (see quic_nginx.md). */
#include "twin.h"

#define SERVER_CID_LEN 20

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u64);
} SOCKETS SEC(".maps");

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 start = 1, len = SERVER_CID_LEN;
	__u64 buf, key;
	const __u64 *p;
	int first, l;

	first = l4_u8(ctx, UDP_HLEN);
	if (first < 0)
		return SK_PASS;
	if (first & 0x80) {
		l = l4_u8(ctx, UDP_HLEN + 5);
		if (l < 8)
			return SK_PASS;
		len = l;
		start = 6;
	}
	if (ctx->len < UDP_HLEN + start + len)
		return SK_PASS;
	p = l4_bytes(ctx, UDP_HLEN + start, &buf, 8);
	if (!p)
		return SK_PASS;
	key = bpf_be64_to_cpu(*p);
	bpf_sk_select_reuseport(ctx, &SOCKETS, &key, 0);
	return SK_PASS;
}
