/* Shared by the C twins of the corpus: what a C programmer writing sk_reuseport programs
 * with libbpf keeps in a header of their own. Compile with
 *   clang -O2 -g -target bpf -I/usr/include/$(gcc -print-multiarch) -c NAME.c */
#ifndef BENCH_TWIN_H
#define BENCH_TWIN_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define UDP_HLEN 8
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/* `len` bytes at L4 offset `off`: a pointer straight into the packet when they lie in its
 * linear part (read-only direct packet access), else a copy in `buf` made by
 * bpf_skb_load_bytes (which also reads paged data); NULL when the packet is shorter. */
static __always_inline const void *l4_bytes(struct sk_reuseport_md *ctx, __u32 off, void *buf, __u32 len)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;

	if (off <= 0xffff && data + off + len <= end)
		return data + off;
	if (bpf_skb_load_bytes(ctx, off, buf, len) < 0)
		return NULL;
	return buf;
}

/* One byte of the L4 header or payload at `off`; -1 when the packet is shorter. */
static __always_inline int l4_u8(struct sk_reuseport_md *ctx, __u32 off)
{
	__u8 b;
	const __u8 *p = l4_bytes(ctx, off, &b, 1);

	return p ? *p : -1;
}

/* The payload's offset from the L4 header: 8 for UDP, doff * 4 for TCP; -1 when the TCP
 * header cannot be read. */
static __always_inline long payload_off(struct sk_reuseport_md *ctx)
{
	int b;

	if (ctx->ip_protocol == IPPROTO_UDP)
		return UDP_HLEN;
	b = l4_u8(ctx, 12);
	if (b < 0)
		return -1;
	return (b >> 4) * 4;
}

#define SOCKARRAY(NAME, N)                                      \
	struct {                                                \
		__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY); \
		__uint(max_entries, N);                         \
		__type(key, __u32);                             \
		__type(value, __u64);                           \
	} NAME SEC(".maps")

/* bpf_sk_select_reuseport on a u32 index; 0 on success. */
static __always_inline long select_index(struct sk_reuseport_md *ctx, void *map, __u32 index)
{
	return bpf_sk_select_reuseport(ctx, map, &index, 0);
}

char LICENSE[] SEC("license") = "GPL";

#endif
