/* jhash_4tuple: the kernel's jhash of the IPv4 4-tuple (see jhash_4tuple.md). */
#include "twin.h"

#define WORKERS 8
#define SEED 0x5eed

SOCKARRAY(SOCKETS, WORKERS);

/* include/linux/jhash.h */
#define JHASH_INITVAL 0xdeadbeef
static __always_inline __u32 rol32(__u32 w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}
#define __jhash_final(a, b, c)            \
	{                                 \
		c ^= b; c -= rol32(b, 14); \
		a ^= c; a -= rol32(c, 11); \
		b ^= a; b -= rol32(a, 25); \
		c ^= b; c -= rol32(b, 16); \
		a ^= c; a -= rol32(c, 4);  \
		b ^= a; b -= rol32(a, 14); \
		c ^= b; c -= rol32(b, 24); \
	}
static __always_inline __u32 jhash_3words(__u32 a, __u32 b, __u32 c, __u32 initval)
{
	initval += JHASH_INITVAL + (3 << 2);
	a += initval;
	b += initval;
	c += initval;
	__jhash_final(a, b, c);
	return c;
}

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 addrs[2], pbuf;
	const __u32 *ports;

	if (ctx->eth_protocol != bpf_htons(ETH_P_IP))
		return SK_PASS;
	if (bpf_skb_load_bytes_relative(ctx, 12, addrs, 8, BPF_HDR_START_NET))
		return SK_PASS;
	ports = l4_bytes(ctx, 0, &pbuf, 4);
	if (!ports)
		return SK_PASS;
	select_index(ctx, &SOCKETS,
		     jhash_3words(bpf_ntohl(addrs[0]), bpf_ntohl(addrs[1]), bpf_ntohl(*ports), SEED) % WORKERS);
	return SK_PASS;
}
