/* selftest_cmd: the kernel selftest's select_reuseport command format (see
 * selftest_cmd.md). */
#include "twin.h"

enum result {
	PASS,
	DROP_ERR_SKB_DATA,
	DROP_ERR_SK_SELECT,
	DROP_MISC,
	PASS_ERR_SK_SELECT,
	DROP_ERR_OVR,
	NR_RESULTS,
};

struct cmd {
	__u32 reuseport_index;
	__u32 pass_on_failure;
};

SOCKARRAY(SOCKETS, 4);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} INDEX_OVR SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_RESULTS);
	__type(key, __u32);
	__type(value, __u32);
} RESULTS SEC(".maps");

#define GOTO_DONE(r) do { result = (r); goto done; } while (0)

SEC("sk_reuseport")
int route(struct sk_reuseport_md *ctx)
{
	__u32 index, zero = 0, start, *ovr, *cnt;
	struct cmd buf;
	const struct cmd *cmd;
	enum result result;
	int b;

	if (ctx->ip_protocol == IPPROTO_UDP) {
		start = UDP_HLEN;
	} else if (ctx->ip_protocol == IPPROTO_TCP) {
		b = l4_u8(ctx, 12);
		if (b < 0)
			GOTO_DONE(DROP_MISC);
		start = (b >> 4) * 4;
	} else {
		GOTO_DONE(DROP_MISC);
	}
	if (ctx->len < start + sizeof(*cmd))
		GOTO_DONE(DROP_ERR_SKB_DATA);
	cmd = l4_bytes(ctx, start, &buf, sizeof(buf));
	if (!cmd)
		GOTO_DONE(DROP_MISC);
	index = cmd->reuseport_index;
	ovr = bpf_map_lookup_elem(&INDEX_OVR, &zero);
	if (!ovr)
		GOTO_DONE(DROP_ERR_OVR);
	if (*ovr != 0xffffffff) {
		index = *ovr;
		*ovr = 0xffffffff;
	}
	if (select_index(ctx, &SOCKETS, index) == 0)
		GOTO_DONE(PASS);
	GOTO_DONE(cmd->pass_on_failure ? PASS_ERR_SK_SELECT : DROP_ERR_SK_SELECT);
done:
	cnt = bpf_map_lookup_elem(&RESULTS, &result);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	return result == PASS || result == PASS_ERR_SK_SELECT ? SK_PASS : SK_DROP;
}
