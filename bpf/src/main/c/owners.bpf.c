// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The socket owners, for naming the ends on this machine: one iter/task_file pass lists every TCP
 * socket each process holds, in every network namespace, with the process's tgid. It replaces a
 * walk of /proc/PID/fd (a readlink per descriptor) and of each namespace's /proc/net/tcp and tcp6
 * (which the kernel formats in text, TIME_WAIT rows included). Its own object: the local naming
 * starts before the harvest's programs are loaded, and needs no map.
 */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "chelonia.h"

#define AF_INET6 10

SEC("iter/task_file")
int list_socket_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct socket_owner owner = {};
	struct sock_common *skc;
	struct socket *socket;
	struct sock *sk;

	if (!file || !task)
		return 0;
	socket = bpf_sock_from_file(file);
	if (!socket)
		return 0;
	sk = socket->sk;
	if (!sk || !bpf_skc_to_tcp_sock(sk))
		return 0;
	skc = &sk->__sk_common;
	owner.netns = skc->skc_net.net->ns.inum;
	owner.pid = task->tgid;
	owner.family = skc->skc_family;
	owner.state = skc->skc_state;
	owner.sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	owner.dport = bpf_ntohs(skc->skc_dport);
	if (owner.family == AF_INET6) {
		bpf_probe_read_kernel(owner.saddr, sizeof(owner.saddr), &skc->skc_v6_rcv_saddr);
		bpf_probe_read_kernel(owner.daddr, sizeof(owner.daddr), &skc->skc_v6_daddr);
	} else {
		__be32 saddr = skc->skc_rcv_saddr;
		__be32 daddr = skc->skc_daddr;

		__builtin_memcpy(owner.saddr, &saddr, 4);
		__builtin_memcpy(owner.daddr, &daddr, 4);
	}
	/* A write that does not fit ends this read; the kernel shows the same file again next read. */
	bpf_seq_write(ctx->meta->seq, &owner, sizeof(owner));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
