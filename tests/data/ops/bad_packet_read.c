/* Reads the packet without a bounds check: the verifier must refuse it. */
struct sk_reuseport_md {
	unsigned long long data;
	unsigned long long data_end;
};

__attribute__((section("sk_reuseport"), used))
int route(struct sk_reuseport_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;
	return data[3] & 1;
}

char LICENSE[] __attribute__((section("license"), used)) = "GPL";
