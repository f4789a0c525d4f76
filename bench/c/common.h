/* Shared definitions for the C baselines of bench/: what vmlinux.h / linux/bpf.h and
 * libbpf's bpf_helpers.h would provide, written out so that only clang is needed
 * (no kernel headers, no libbpf-dev). Constants as in include/uapi/linux/bpf.h. */
#ifndef RSTEER_BENCH_COMMON_H
#define RSTEER_BENCH_COMMON_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef int __s32;
typedef long long __s64;

/* struct sk_reuseport_md, 56 bytes (KERNEL.md). */
struct sk_reuseport_md {
	union { void *data; __u64 :64; } __attribute__((aligned(8)));
	union { void *data_end; __u64 :64; } __attribute__((aligned(8)));
	__u32 len;
	__u32 eth_protocol;
	__u32 ip_protocol;
	__u32 bind_inany;
	__u32 hash;
	__u32 :32;
	union { void *sk; __u64 :64; } __attribute__((aligned(8)));
	union { void *migrating_sk; __u64 :64; } __attribute__((aligned(8)));
};

enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_SOCKHASH = 18,
	BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20,
};

enum { SK_DROP = 0, SK_PASS = 1 };
enum { BPF_ANY = 0 };
enum { BPF_HDR_START_MAC = 0, BPF_HDR_START_NET = 1 };

/* libbpf's bpf_helpers.h macros. */
#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __always_inline inline __attribute__((always_inline))

/* Helpers by id (KERNEL.md). */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *)2;
static __u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static __u32 (*bpf_get_prandom_u32)(void) = (void *)7;
static __u32 (*bpf_get_smp_processor_id)(void) = (void *)8;
static long (*bpf_skb_load_bytes)(const void *ctx, __u32 off, void *to, __u32 len) = (void *)26;
static long (*bpf_skb_load_bytes_relative)(const void *ctx, __u32 off, void *to, __u32 len, __u32 start) = (void *)68;
static long (*bpf_sk_select_reuseport)(void *ctx, void *map, void *key, __u64 flags) = (void *)82;

/* The payload's offset from the L4 header, as rsteer lowers `pkt.payload`: 8 for UDP,
 * doff * 4 for anything else (TCP). Returns < 0 when the TCP header cannot be read. */
static __always_inline long payload_start(struct sk_reuseport_md *ctx)
{
	__u8 b;
	if (ctx->ip_protocol == 17)
		return 8;
	if (bpf_skb_load_bytes(ctx, 12, &b, 1) < 0)
		return -1;
	return (b >> 4) << 2;
}

/* `pkt.payload.<read>(off)`: bpf_skb_load_bytes at payload_start + off; < 0 when the
 * packet is too short (the caller then takes the policy's fallback). */
static __always_inline long payload_load(struct sk_reuseport_md *ctx, __u32 off, void *to, __u32 len)
{
	long start = payload_start(ctx);
	if (start < 0)
		return -1;
	return bpf_skb_load_bytes(ctx, start + off, to, len);
}

#define SOCKARRAY(NAME, N)                                      \
	struct {                                                \
		__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY); \
		__uint(max_entries, N);                         \
		__type(key, __u32);                             \
		__type(value, __u64);                           \
	} NAME SEC(".maps")

char LICENSE[] SEC("license") = "GPL";

#endif
