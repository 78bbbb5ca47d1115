// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Chelonia's kernel side: one record per TCP socket life, kept current from tracepoints only
 * (no kprobe, no fentry), handed to user space through a ring buffer when the socket closes.
 *
 *   tp_btf/inet_sock_set_state  life cycle: birth (role, task), ESTABLISHED (baseline), CLOSE
 *   tp_btf/tcp_probe            every segment received while established: fresh counters
 *   iter/tcp                    run by the agent in each network namespace at every poll:
 *                               finds sockets older than the agent, learns listening ports,
 *                               brings every counter up to date just before the harvest
 */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "chelonia.h"

#define AF_INET 2
#define AF_INET6 10

/* include/net/tcp_states.h */
enum {
	TCP_ESTABLISHED = 1,
	TCP_SYN_SENT = 2,
	TCP_SYN_RECV = 3,
	TCP_FIN_WAIT1 = 4,
	TCP_FIN_WAIT2 = 5,
	TCP_TIME_WAIT = 6,
	TCP_CLOSE = 7,
	TCP_CLOSE_WAIT = 8,
	TCP_LAST_ACK = 9,
	TCP_LISTEN = 10,
	TCP_CLOSING = 11,
	TCP_NEW_SYN_RECV = 12,
};

/* Sizes are defaults: the agent sets them from its configuration before loading. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct socket_record);
} sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct listener_key);
	__type(value, __u8);
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} closed_sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void count(__u32 stat)
{
	__u64 *value = bpf_map_lookup_elem(&stats, &stat);

	if (value)
		*value += 1;
}

static __always_inline __u32 netns_of(struct sock *sk)
{
	return sk->__sk_common.skc_net.net->ns.inum;
}

static __always_inline void read_tuple(struct socket_record *r, struct sock *sk)
{
	struct sock_common *skc = &sk->__sk_common;

	r->family = skc->skc_family;
	r->sport = skc->skc_num;
	r->dport = bpf_ntohs(skc->skc_dport);
	if (r->family == AF_INET6) {
		bpf_probe_read_kernel(r->saddr, sizeof(r->saddr), &skc->skc_v6_rcv_saddr);
		bpf_probe_read_kernel(r->daddr, sizeof(r->daddr), &skc->skc_v6_daddr);
	} else {
		__be32 saddr = skc->skc_rcv_saddr;
		__be32 daddr = skc->skc_daddr;

		__builtin_memcpy(r->saddr, &saddr, sizeof(saddr));
		__builtin_memcpy(r->daddr, &daddr, sizeof(daddr));
	}
}

/*
 * The kernel's byte counters count sequence space, which holds one number for our FIN once it
 * is acknowledged and one for the peer's FIN once it is received. Taking those out leaves the
 * payload, so a transfer of N bytes reads N, not N + 1.
 */
static __always_inline __u64 payload_acked(struct socket_record *r, struct tcp_sock *tp)
{
	__u64 acked = tp->bytes_acked;

	if ((r->flags & FLAG_FIN_SENT) && tp->snd_una == tp->write_seq && acked > 0)
		acked -= 1;
	return acked;
}

static __always_inline unsigned long sock_flags_of(struct sock *sk)
{
	if (bpf_core_field_exists(sk->__sk_common.skc_flags))
		return sk->__sk_common.skc_flags;
	return sk->sk_flags;
}

static __always_inline __u64 payload_received(struct sock *sk, struct tcp_sock *tp)
{
	__u64 received = tp->bytes_received;
	unsigned long fin_received = 1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE);

	/* SOCK_DONE is set by tcp_fin(), when the peer's FIN enters rcv_nxt. */
	if ((sock_flags_of(sk) & fin_received) && received > 0)
		received -= 1;
	return received;
}

static __always_inline void start_counting(struct socket_record *r, struct sock *sk,
					   struct tcp_sock *tp)
{
	r->base_sent = payload_acked(r, tp);
	r->base_received = payload_received(sk, tp);
}

static __always_inline void refresh_counters(struct socket_record *r, struct sock *sk,
					     struct tcp_sock *tp)
{
	__u64 sent = payload_acked(r, tp);
	__u64 received = payload_received(sk, tp);

	r->bytes_sent = sent > r->base_sent ? sent - r->base_sent : 0;
	r->bytes_received = received > r->base_received ? received - r->base_received : 0;
	r->segs_in = tp->segs_in;
	r->segs_out = tp->segs_out;
	r->srtt_us = tp->srtt_us >> 3;
	r->total_retrans = tp->total_retrans;
}

static __always_inline void init_record(struct socket_record *r, __u64 cookie, struct sock *sk,
					__u8 role, __u32 flags)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->cookie = cookie;
	r->role = role;
	r->flags = flags;
	r->netns = netns_of(sk);
	r->first_seen_ns = bpf_ktime_get_boot_ns();
	r->cgroup_id = sk->sk_cgrp_data.cgroup->kn->id;
	read_tuple(r, sk);
}

/* Only a connecting task runs in its own context; a server socket is born in softirq. */
static __always_inline void record_task(struct socket_record *r)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
}

static __always_inline struct socket_record *insert(struct socket_record *r, __u64 cookie)
{
	if (bpf_map_update_elem(&sockets, &cookie, r, BPF_NOEXIST) != 0) {
		struct socket_record *existing = bpf_map_lookup_elem(&sockets, &cookie);

		if (!existing)
			count(STAT_SOCKET_MAP_FULL);
		return existing;
	}
	return bpf_map_lookup_elem(&sockets, &cookie);
}

/* Per-CPU scratch space: a socket_record is too large for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct socket_record);
} scratch SEC(".maps");

static __always_inline struct socket_record *scratch_record(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline void hand_over_closed(struct socket_record *r, __u64 cookie)
{
	struct socket_record *out;

	r->flags |= FLAG_CLOSED;
	r->closed_ns = bpf_ktime_get_boot_ns();
	out = bpf_ringbuf_reserve(&closed_sockets, sizeof(*out), 0);
	if (!out) {
		/* Nothing is lost: the agent's next harvest finds the closed record in the map. */
		count(STAT_RING_FULL);
		r->flags |= FLAG_IN_RING_FALLBACK;
		return;
	}
	__builtin_memcpy(out, r, sizeof(*out));
	bpf_ringbuf_submit(out, 0);
	bpf_map_delete_elem(&sockets, &cookie);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_state_change, struct sock *sk, int oldstate, int newstate)
{
	struct socket_record *r, *fresh;
	struct tcp_sock *tp;
	__u64 cookie;

	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 0;

	if (oldstate == TCP_LISTEN && newstate == TCP_CLOSE) {
		struct listener_key key = { .netns = netns_of(sk), .port = sk->__sk_common.skc_num };

		bpf_map_delete_elem(&listeners, &key);
		return 0;
	}

	cookie = bpf_get_socket_cookie(sk);
	r = bpf_map_lookup_elem(&sockets, &cookie);

	if (!r) {
		__u8 role;

		if (newstate == TCP_SYN_SENT || (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_SENT))
			role = ROLE_CLIENT;
		else if (newstate == TCP_SYN_RECV || (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_RECV))
			role = ROLE_SERVER;
		else
			return 0; /* older than the probes: the iterator will find it */
		fresh = scratch_record();
		if (!fresh)
			return 0;
		init_record(fresh, cookie, sk, role, FLAG_BORN_SEEN);
		if (role == ROLE_CLIENT)
			record_task(fresh);
		r = insert(fresh, cookie);
		if (!r)
			return 0;
	}

	r->state = newstate;
	switch (newstate) {
	case TCP_ESTABLISHED:
		r->flags |= FLAG_ESTABLISHED;
		r->established_ns = bpf_ktime_get_boot_ns();
		read_tuple(r, sk); /* the client's port is chosen after SYN_SENT */
		start_counting(r, sk, tp);
		refresh_counters(r, sk, tp);
		break;
	case TCP_FIN_WAIT1:
	case TCP_LAST_ACK:
		/* Our FIN is queued right after this call: counters are read at the next event. */
		r->flags |= FLAG_FIN_SENT;
		break;
	case TCP_CLOSE:
		if (r->flags & FLAG_ESTABLISHED)
			refresh_counters(r, sk, tp);
		else
			read_tuple(r, sk);
		r->sk_err = sk->sk_err;
		r->sk_err_soft = sk->sk_err_soft;
		hand_over_closed(r, cookie);
		break;
	default:
		if (r->flags & FLAG_ESTABLISHED)
			refresh_counters(r, sk, tp);
		break;
	}
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(on_segment_received, struct sock *sk, struct sk_buff *skb)
{
	struct socket_record *r;
	struct tcp_sock *tp;
	__u64 cookie;

	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 0;
	cookie = bpf_get_socket_cookie(sk);
	r = bpf_map_lookup_elem(&sockets, &cookie);
	if (r && (r->flags & FLAG_ESTABLISHED))
		refresh_counters(r, sk, tp);
	return 0;
}

static __always_inline void discover(struct sock *sk, struct tcp_sock *tp, __u64 cookie, __u8 state)
{
	struct socket_record *r = scratch_record();
	__u32 flags = FLAG_DISCOVERED;
	__u8 role = ROLE_UNKNOWN;

	if (!r)
		return;
	if (state == TCP_SYN_SENT) {
		role = ROLE_CLIENT;
	} else if (state == TCP_SYN_RECV) {
		role = ROLE_SERVER;
	} else {
		struct listener_key key = { .netns = netns_of(sk), .port = sk->__sk_common.skc_num };

		flags |= FLAG_ESTABLISHED;
		if (bpf_map_lookup_elem(&listeners, &key)) {
			role = ROLE_SERVER;
			flags |= FLAG_ROLE_BY_LISTENER;
		} else if (sk->sk_max_ack_backlog > 0) {
			/* An accepted socket is a clone of its listener and keeps its backlog. */
			role = ROLE_SERVER;
			flags |= FLAG_ROLE_BY_BACKLOG;
		}
	}
	if (state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 || state == TCP_CLOSING ||
	    state == TCP_LAST_ACK)
		flags |= FLAG_FIN_SENT;

	init_record(r, cookie, sk, role, flags);
	r->state = state;
	if (flags & FLAG_ESTABLISHED) {
		/* Count from now: what the connection carried before the agent is not ours to report. */
		r->established_ns = r->first_seen_ns;
		start_counting(r, sk, tp);
		refresh_counters(r, sk, tp);
	}
	insert(r, cookie);
}

SEC("iter/tcp")
int refresh_namespace(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct socket_record *r;
	struct tcp_sock *tp;
	struct sock *sk;
	__u64 cookie;
	__u8 state;

	if (!skc)
		return 0;
	state = skc->skc_state;
	if (state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	sk = (struct sock *)tp;

	/* The iterator walks listening sockets before established ones, so roles below see them. */
	if (state == TCP_LISTEN) {
		struct listener_key key = { .netns = netns_of(sk), .port = skc->skc_num };
		__u8 one = 1;

		if (bpf_map_update_elem(&listeners, &key, &one, BPF_ANY) != 0)
			count(STAT_LISTENER_MAP_FULL);
		return 0;
	}

	cookie = bpf_get_socket_cookie(sk);
	r = bpf_map_lookup_elem(&sockets, &cookie);
	if (!r) {
		discover(sk, tp, cookie, state);
		return 0;
	}
	if (r->flags & FLAG_ESTABLISHED)
		refresh_counters(r, sk, tp);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
