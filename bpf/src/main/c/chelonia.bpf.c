// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Chelonia's kernel side: one record per TCP socket life, kept in the socket's own storage (so it
 * is freed with the socket and can never leak), from tracepoints only (no kprobe, no fentry).
 * Work is done at the few moments that need it; nothing runs per segment.
 *
 *   tp_btf/inet_sock_set_state  a client's birth at SYN_SENT (its task), a server's at
 *                               ESTABLISHED, CLOSE (final record to the ring buffer); every other
 *                               state change returns after a comparison or two, before any helper
 *   tp_btf/tcp_destroy_sock     second chance: a socket whose CLOSE was missed (a tracing program
 *                               is not re-entered on its CPU, so a nested run is skipped) is
 *                               handed over when it is destroyed, which happens once per socket
 *   tp_btf/inet_sk_error_report keeps the error an ICMP or RST delivered, before the application
 *                               can clear it by reading SO_ERROR
 *   iter/task_file              the harvest, at every poll: one pass over every process's files
 *                               in every network namespace (no setns), refreshing the counters of
 *                               each socket and writing the records that changed
 *   iter/tcp                    the same harvest per network namespace, for an agent that cannot
 *                               see the host's processes (not in the initial PID namespace)
 *   cgroup_skb/ingress          optional (names from DNS): attached to the root cgroup v2, sees
 *                               every packet delivered to a socket; copies what comes from port
 *                               53 (UDP datagrams, TCP payloads) to the dns_messages ring, leaves
 *                               every other packet after its protocol and source port
 */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "chelonia.h"

#define AF_INET 2
#define AF_INET6 10
#define SEND_SHUTDOWN 2
#define EADDRNOTAVAIL 99
#define SO_EE_ORIGIN_ICMP 2
#define SO_EE_ORIGIN_ICMP6 3
#define TASK_COMM_LEN 16

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

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct socket_record);
} socket_records SEC(".maps");

/* Sizes are defaults: the agent sets them from its configuration before loading. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct listener_key);
	__type(value, struct listener_owner);
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20);
} closed_sockets SEC(".maps");

/* Closed records that found the ring buffer full wait here for the next harvest. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct socket_record);
} closed_overflow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct harvest_settings);
} harvest_settings SEC(".maps");

/* Sockets with a record now: one shared counter, changed atomically at birth and destruction. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} tracked_sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* DNS answers on their way to user space; sized by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} dns_messages SEC(".maps");

/* The enums shared with the agent, kept in BTF so its test can check its constants against them. */
enum chelonia_role btf_role __attribute__((unused));
enum chelonia_flags btf_flags __attribute__((unused));
enum chelonia_stat btf_stat __attribute__((unused));
enum chelonia_harvest_mode btf_harvest_mode __attribute__((unused));
enum chelonia_dns_limits btf_dns_limits __attribute__((unused));
struct dns_message btf_dns_message __attribute__((unused));
/* owners.bpf.c writes it; kept here too, where the agent's test reads the shared structs' BTF. */
struct socket_owner btf_socket_owner __attribute__((unused));
struct udp_flow btf_udp_flow __attribute__((unused));

/* UDP flows; sized by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct udp_flow_key);
	__type(value, struct udp_flow);
} udp_flows SEC(".maps");

/*
 * The peer an unconnected UDP socket's current sendmsg names, or its current recvmsg reports: left
 * by the cgroup sock_addr programs, which run inside udp_sendmsg / udp_recvmsg and know the
 * address, for the length tracepoint that fires when that same call returns, which knows the
 * length. Kept in the socket's own storage: freed with it.
 */
struct udp_peer {
	__u8 address[16];
	__u16 port;   /* host order */
	__u16 family; /* 0: none waiting */
};

struct udp_pending {
	struct udp_peer send;
	struct udp_peer receive;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct udp_pending);
} udp_pending SEC(".maps");

static __always_inline void count(__u32 stat)
{
	__u64 *value = bpf_map_lookup_elem(&stats, &stat);

	if (value)
		*value += 1;
}

static __always_inline struct harvest_settings *settings(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&harvest_settings, &zero);
}

static __always_inline __u32 netns_of(struct sock *sk)
{
	return sk->__sk_common.skc_net.net->ns.inum;
}

static __always_inline void read_tuple(struct socket_record *r, struct sock *sk)
{
	struct sock_common *skc = &sk->__sk_common;

	r->family = skc->skc_family;
	/* Not skc_num: CLOSE releases the local port, and zeroes that, before this runs. */
	r->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	r->dport = bpf_ntohs(skc->skc_dport);
	if (r->family == AF_INET6) {
		bpf_probe_read_kernel(r->saddr, sizeof(r->saddr), &skc->skc_v6_rcv_saddr);
		bpf_probe_read_kernel(r->daddr, sizeof(r->daddr), &skc->skc_v6_daddr);
	} else {
		__be32 saddr = skc->skc_rcv_saddr;
		__be32 daddr = skc->skc_daddr;

		__builtin_memcpy(r->saddr, &saddr, 4);
		__builtin_memcpy(r->daddr, &daddr, 4);
	}
}

/* Our FIN is in the sequence space in these states (the state before CLOSE, for a final record). */
static __always_inline bool fin_sent_in(int state)
{
	return state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 || state == TCP_CLOSING ||
	       state == TCP_TIME_WAIT || state == TCP_LAST_ACK;
}

/*
 * The kernel's byte counters count sequence space, which holds one number for our FIN once it
 * is acknowledged and one for the peer's FIN once it is received. Taking those out leaves the
 * payload, so a transfer of N bytes reads N, not N + 1.
 */
static __always_inline __u64 payload_acked(struct tcp_sock *tp, bool fin_sent)
{
	__u64 acked = tp->bytes_acked;

	if (fin_sent && tp->snd_una == tp->write_seq && acked > 0)
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
					   struct tcp_sock *tp, bool fin_sent)
{
	r->base_sent = payload_acked(tp, fin_sent);
	r->base_received = payload_received(sk, tp);
}

static __always_inline void refresh_counters(struct socket_record *r, struct sock *sk,
					     struct tcp_sock *tp, bool fin_sent)
{
	__u64 sent = payload_acked(tp, fin_sent);
	__u64 received = payload_received(sk, tp);

	r->bytes_sent = sent > r->base_sent ? sent - r->base_sent : 0;
	r->bytes_received = received > r->base_received ? received - r->base_received : 0;
	r->srtt_us = tp->srtt_us >> 3;
	r->total_retrans = tp->total_retrans;
}

/*
 * Sockets with a record now, kept only when the agent sets a limit: two atomic operations on one
 * shared cache line per socket life are a cost the unlimited default does not pay. Unlimited is
 * safe because each record is charged to its own socket (option memory, bounded per socket by
 * net.core.optmem_max) and goes with it.
 */
static __always_inline __s64 *tracked_count(struct harvest_settings *s)
{
	__u32 zero = 0;

	if (!s || s->max_sockets == 0)
		return 0;
	return bpf_map_lookup_elem(&tracked_sockets, &zero);
}

/*
 * The socket's record, created if it has none: a fresh socket storage comes zeroed (its cookie 0),
 * an existing one is returned as it is (a socket that disconnected and connects again). Past the
 * agent's limit, if it set one, a socket without a record is counted and left alone.
 */
static __always_inline struct socket_record *create_record(struct sock *sk)
{
	struct harvest_settings *s = settings();
	struct socket_record *r;
	__s64 *tracked = tracked_count(s);

	if (tracked && __sync_fetch_and_add(tracked, 1) >= s->max_sockets) {
		__sync_fetch_and_add(tracked, -1);
		count(STAT_SOCKET_LIMIT);
		return 0;
	}
	r = bpf_sk_storage_get(&socket_records, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!r)
		count(STAT_STORAGE_FAILED);
	if (tracked && (!r || r->cookie != 0))
		__sync_fetch_and_add(tracked, -1);
	return r;
}

/* A fresh storage comes zeroed; a reused one (a socket that connects again) is cleared first. */
static __always_inline void init_record(struct socket_record *r, struct sock *sk, __u8 role,
					__u32 flags)
{
	if (r->cookie != 0)
		__builtin_memset(r, 0, sizeof(*r));
	r->cookie = bpf_get_socket_cookie(sk);
	r->role = role;
	r->flags = flags;
	r->netns = netns_of(sk);
	r->cgroup_id = sk->sk_cgrp_data.cgroup->kn->id;
	read_tuple(r, sk);
}

/*
 * Only a connecting task runs in its own context; a server socket is born in softirq. The name
 * is the process's (its thread-group leader's), not the thread's, so one program is one name
 * whether it is still running when the agent looks or not.
 */
/* A task as a record names it: its thread group's id and the group leader's name. */
static __always_inline void read_holder(struct task_struct *task, __u32 *pid, char *comm)
{
	*pid = task->tgid;
	bpf_probe_read_kernel_str(comm, TASK_COMM_LEN, task->group_leader->comm);
}

static __always_inline void record_task(struct socket_record *r)
{
	read_holder(bpf_get_current_task_btf(), &r->pid, r->comm);
}

/*
 * Hands a final record over, once: through the ring buffer, or when it is full through the
 * overflow map that the next harvest drains. Only when both refuse is the record left unclosed,
 * so that a later look (destruction, the harvest) tries again.
 */
static __always_inline void hand_over(struct socket_record *r)
{
	struct socket_record *out;
	__u64 cookie = r->cookie;

	r->flags |= FLAG_CLOSED;
	out = bpf_ringbuf_reserve(&closed_sockets, sizeof(*out), 0);
	if (out) {
		__builtin_memcpy(out, r, sizeof(*out));
		/* The agent reads the ring at its polls, never waits on it: no wakeup to pay for. */
		bpf_ringbuf_submit(out, BPF_RB_NO_WAKEUP);
		return;
	}
	count(STAT_RING_FULL);
	r->flags |= FLAG_IN_RING_FALLBACK;
	if (bpf_map_update_elem(&closed_overflow, &cookie, r, BPF_NOEXIST) != 0) {
		count(STAT_CLOSED_DROPPED);
		r->flags &= ~(FLAG_CLOSED | FLAG_IN_RING_FALLBACK);
	}
}

/* The last counters and the error of a socket that is closing or closed, then the hand-over. */
static __always_inline void finish(struct socket_record *r, struct sock *sk, struct tcp_sock *tp,
				   bool fin_sent)
{
	/* A client's port is chosen after its birth: the tuple is read again. */
	read_tuple(r, sk);
	if (r->flags & FLAG_ESTABLISHED)
		refresh_counters(r, sk, tp, fin_sent);
	if (sk->sk_err)
		r->sk_err = sk->sk_err;
	if (sk->sk_err_soft)
		r->sk_err_soft = sk->sk_err_soft;
	r->state = TCP_CLOSE;
	hand_over(r);
}

/*
 * A client is born at SYN_SENT, the only moment its connecting task is current. Its counters
 * start at zero, and its SYN, once acknowledged, is one number of sequence space that
 * bytes_acked counts: the baseline that takes it out is known now, with no work at ESTABLISHED.
 */
static __always_inline void on_client_birth(struct sock *sk)
{
	/* A socket that disconnected and connects again starts a new life in its record. */
	struct socket_record *r = create_record(sk);

	if (!r)
		return;
	init_record(r, sk, ROLE_CLIENT, FLAG_BORN_SEEN);
	r->state = TCP_SYN_SENT;
	r->base_sent = 1;
	record_task(r);
}

/*
 * A server socket is born established: the accepted socket is cloned from its listener when the
 * handshake completes and goes SYN_RECV -> ESTABLISHED at once, in softirq, with no task of its
 * own. Its counters start at zero: the baseline is zero both ways.
 */
static __always_inline void on_server_birth(struct sock *sk)
{
	struct socket_record *r = create_record(sk);
	struct listener_key key;
	struct listener_owner *owner;

	if (!r)
		return;
	init_record(r, sk, ROLE_SERVER, FLAG_BORN_SEEN | FLAG_ESTABLISHED);
	r->state = TCP_ESTABLISHED;
	/*
	 * The process that will accept it is, almost always, the one holding its listener: a socket
	 * closed before the next harvest keeps that name. One the harvest meets is given its holder.
	 */
	key = (struct listener_key){ .netns = r->netns, .port = sk->__sk_common.skc_num };
	owner = bpf_map_lookup_elem(&listeners, &key);
	if (owner && owner->pid) {
		r->pid = owner->pid;
		__builtin_memcpy(r->comm, owner->comm, sizeof(r->comm));
	}
}

/* A socket was established if it left the handshake states (oldstate at CLOSE, state at harvest). */
static __always_inline bool past_handshake(int state)
{
	return state != TCP_SYN_SENT && state != TCP_SYN_RECV && state != TCP_CLOSE;
}

static __always_inline void on_close(struct sock *sk, int oldstate)
{
	struct socket_record *r;
	struct tcp_sock *tp;

	if (oldstate == TCP_LISTEN) {
		struct listener_key key = { .netns = netns_of(sk), .port = sk->__sk_common.skc_num };

		bpf_map_delete_elem(&listeners, &key);
		return;
	}
	r = bpf_sk_storage_get(&socket_records, sk, 0, 0);
	tp = bpf_skc_to_tcp_sock(sk);
	if (!r || !tp || (r->flags & FLAG_CLOSED))
		return;
	/*
	 * tcp_v4_connect and tcp_v6_connect enter SYN_SENT before they pick the local port; when no
	 * port is free they go back to CLOSE without an error and without a SYN on the wire (the
	 * local port reads 0 here either way: CLOSE releases it before this tracepoint runs).
	 */
	if (oldstate == TCP_SYN_SENT && tp->segs_out == 0 && !sk->sk_err) {
		r->flags |= FLAG_NO_LOCAL_PORT;
		r->sk_err = EADDRNOTAVAIL;
	}
	/* The tracepoint runs before the state is stored: oldstate is the socket's state here. */
	if (past_handshake(oldstate))
		r->flags |= FLAG_ESTABLISHED;
	finish(r, sk, tp, fin_sent_in(oldstate));
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_state_change, struct sock *sk, int oldstate, int newstate)
{
	switch (newstate) {
	case TCP_SYN_SENT:
		on_client_birth(sk);
		break;
	case TCP_ESTABLISHED:
		if (oldstate == TCP_SYN_RECV)
			on_server_birth(sk);
		break;
	case TCP_CLOSE:
		on_close(sk, oldstate);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * The state at destruction is CLOSE whatever came before; a send side shut down with no error
 * means our FIN went out (an abort sets an error or sends a reset instead).
 */
static __always_inline bool fin_sent_at_end(struct sock *sk)
{
	return (sk->sk_shutdown & SEND_SHUTDOWN) && !sk->sk_err;
}

/*
 * A socket whose CLOSE state change the probes missed, met closed or being destroyed: it is
 * closed out now, once. A client whose SYN was acknowledged got established.
 */
static __always_inline void close_late(struct socket_record *r, struct sock *sk, struct tcp_sock *tp)
{
	count(STAT_CLOSE_LATE);
	r->flags |= FLAG_CLOSE_LATE;
	if (tp->bytes_acked > 0)
		r->flags |= FLAG_ESTABLISHED;
	finish(r, sk, tp, fin_sent_at_end(sk));
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(on_destroy, struct sock *sk)
{
	struct socket_record *r = bpf_sk_storage_get(&socket_records, sk, 0, 0);
	struct tcp_sock *tp;
	__s64 *tracked;

	if (!r)
		return 0;
	if (!(r->flags & FLAG_CLOSED)) {
		tp = bpf_skc_to_tcp_sock(sk);
		if (tp)
			close_late(r, sk, tp);
	}
	/* The storage goes with the socket right after this. */
	tracked = tracked_count(settings());
	if (tracked)
		__sync_fetch_and_add(tracked, -1);
	return 0;
}

/*
 * The error an ICMP message just queued on the socket's error queue (IP_RECVERR sockets, which
 * Java's are): reported before the kernel stores it in sk_err_soft, 0 if there is none.
 */
static __always_inline int queued_icmp_error(struct sock *sk)
{
	struct sk_buff *last = BPF_CORE_READ(sk, sk_error_queue.prev);
	struct sock_exterr_skb *queued;

	if (!BPF_CORE_READ(sk, sk_error_queue.qlen) || !last)
		return 0;
	queued = (struct sock_exterr_skb *)&last->cb;
	if (BPF_CORE_READ(queued, ee.ee_origin) != SO_EE_ORIGIN_ICMP &&
	    BPF_CORE_READ(queued, ee.ee_origin) != SO_EE_ORIGIN_ICMP6)
		return 0;
	return BPF_CORE_READ(queued, ee.ee_errno);
}

/*
 * An application that reads SO_ERROR clears sk_err and sk_err_soft before the socket closes, and
 * one woken by an ICMP error on its error queue does so before the kernel even stores the error
 * in sk_err_soft: keep the error as it is reported.
 */
SEC("tp_btf/inet_sk_error_report")
int BPF_PROG(on_error_report, struct sock *sk)
{
	struct socket_record *r = bpf_sk_storage_get(&socket_records, sk, 0, 0);
	int error;

	if (!r || (r->flags & FLAG_CLOSED))
		return 0;
	if (sk->sk_err) {
		r->sk_err = sk->sk_err;
		return 0;
	}
	error = sk->sk_err_soft;
	if (!error)
		error = queued_icmp_error(sk);
	if (error)
		r->sk_err_soft = error;
	return 0;
}

/* A socket older than the probes: its role from the listening ports known, else the backlog. */
static __always_inline struct socket_record *discover(struct sock *sk, struct tcp_sock *tp,
						      __u8 state)
{
	struct socket_record *r;
	__u32 flags = FLAG_DISCOVERED;
	__u8 role = ROLE_UNKNOWN;

	/*
	 * CLOSE with no record: never connected while the agent watched (created, bound, between
	 * bind and listen) or closed before it started. No connection to report: no record.
	 */
	if (state == TCP_CLOSE)
		return 0;
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
	r = create_record(sk);
	if (!r)
		return 0;
	init_record(r, sk, role, flags);
	r->state = state;
	if (flags & FLAG_ESTABLISHED) {
		/* Count from now: what the connection carried before the agent is not ours to report. */
		start_counting(r, sk, tp, fin_sent_in(state));
	}
	return r;
}


/* The namespace harvest has no task (0): its listeners are known by port, not by owner. */
static __always_inline void learn_listener(struct sock *sk, struct task_struct *task)
{
	struct listener_key key = { .netns = netns_of(sk), .port = sk->__sk_common.skc_num };
	struct listener_owner owner = {};

	if (task)
		read_holder(task, &owner.pid, owner.comm);
	if (bpf_map_update_elem(&listeners, &key, &owner, BPF_ANY) != 0)
		count(STAT_LISTENER_MAP_FULL);
}

/*
 * One socket met by a harvest pass: brings its record up to date and writes it if it changed
 * since it was last written (every record in a full pass). A record is marked written only once
 * bpf_seq_write succeeded: when the output buffer is full, the kernel shows the same socket
 * again at the next read.
 */
static __always_inline void harvest_socket(struct seq_file *seq, struct task_struct *task,
					   struct sock *sk, struct tcp_sock *tp, __u8 state)
{
	struct harvest_settings *s = settings();
	struct socket_record *r;
	bool changed;

	if (!s)
		return;
	if (state == TCP_LISTEN) {
		learn_listener(sk, task);
		return;
	}
	if (s->mode == HARVEST_LISTENERS || state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV)
		return;
	r = bpf_sk_storage_get(&socket_records, sk, 0, 0);
	if (!r) {
		r = discover(sk, tp, state);
		if (!r)
			return;
	}
	/* Handed over already, or written in this pass through another process's descriptor. */
	if ((r->flags & FLAG_CLOSED) || r->reported_pass == s->pass)
		return;
	if (state == TCP_CLOSE) {
		/* Closed, the CLOSE state change missed, and a process still holds the socket. */
		close_late(r, sk, tp);
		return;
	}
	/*
	 * Before its first write, a socket that no task connected (a server's, one older than the
	 * probes) is named by the process holding it, met here through its descriptor: the agent
	 * names the server end, and a peer on this machine, from the harvest, with no owners pass.
	 */
	if (task && r->reported_pass == 0 && (r->role != ROLE_CLIENT || !r->pid))
		read_holder(task, &r->pid, r->comm);
	r->state = state;
	if (!r->sport)
		read_tuple(r, sk);
	if (past_handshake(state))
		r->flags |= FLAG_ESTABLISHED;
	if (r->flags & FLAG_ESTABLISHED)
		refresh_counters(r, sk, tp, fin_sent_in(state));
	changed = s->mode == HARVEST_ALL || r->reported_pass == 0 ||
		  r->bytes_sent != r->reported_sent || r->bytes_received != r->reported_received ||
		  r->total_retrans != r->reported_retrans || r->flags != r->reported_flags;
	if (!changed)
		return;
	if (bpf_seq_write(seq, r, sizeof(*r)) == 0) {
		r->reported_sent = r->bytes_sent;
		r->reported_received = r->bytes_received;
		r->reported_retrans = r->total_retrans;
		r->reported_flags = r->flags;
		r->reported_pass = s->pass;
	}
}

SEC("iter/task_file")
int harvest_processes(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;
	struct socket *socket;
	struct tcp_sock *tp;
	struct sock *sk;

	if (!file)
		return 0;
	socket = bpf_sock_from_file(file);
	if (!socket)
		return 0;
	sk = socket->sk;
	if (!sk)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 0;
	harvest_socket(ctx->meta->seq, ctx->task, (struct sock *)tp, tp, sk->__sk_common.skc_state);
	return 0;
}

SEC("iter/tcp")
int harvest_namespace(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;
	__u8 state;

	if (!skc)
		return 0;
	state = skc->skc_state;
	if (state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	harvest_socket(ctx->meta->seq, 0, (struct sock *)tp, tp, state);
	return 0;
}

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCP_DATA_OFFSET 12
#define DNS_PORT 53
#define SK_PASS 1
#define UDP_HEADER 8

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* Where the datagram's source and destination addresses sit in its IP header. */
struct ip_addresses {
	__u32 source;
	__u32 destination;
	__u32 size;
};

/*
 * A DNS answer received by any socket under the root cgroup (every container's too): a UDP
 * datagram or a TCP segment with a payload from port 53. Runs for every packet delivered to a
 * socket: any other packet leaves after the L3 protocol, one byte of the IP header and the source
 * port, all read in place. Never drops anything: always SK_PASS.
 */
SEC("cgroup_skb/ingress")
int on_dns_answer(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ip_addresses where;
	struct dns_message *m;
	struct l4_ports *ports;
	struct sk_buff *kskb;
	struct sock *sk;
	__u16 family;
	__u8 protocol;
	__u32 l4, header, copy;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end)
			return SK_PASS;
		protocol = ip->protocol;
		l4 = (ip->ihl_version & 0xf) * 4;
		family = AF_INET;
		where = (struct ip_addresses){ .source = 12, .destination = 16, .size = 4 };
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		/* A packet behind IPv6 extension headers is not looked into. */
		if ((void *)(ip6 + 1) > end)
			return SK_PASS;
		protocol = ip6->nexthdr;
		l4 = sizeof(*ip6);
		family = AF_INET6;
		where = (struct ip_addresses){ .source = 8, .destination = 24, .size = 16 };
	} else {
		return SK_PASS;
	}
	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
		return SK_PASS;
	/* The transport header is in the linear data here: TCP and UDP pulled it before the filter. */
	ports = data + l4;
	if ((void *)(ports + 1) > end || ports->source != bpf_htons(DNS_PORT))
		return SK_PASS;
	header = UDP_HEADER;
	if (protocol == IPPROTO_TCP) {
		__u8 *offset = (__u8 *)ports + TCP_DATA_OFFSET;

		if ((void *)(offset + 1) > end)
			return SK_PASS;
		header = (*offset >> 4) * 4;
	}
	/* Bare ACKs and FINs of a TCP answer carry nothing to read. */
	if (skb->len <= l4 + header)
		return SK_PASS;
	m = bpf_ringbuf_reserve(&dns_messages, sizeof(*m), 0);
	if (!m) {
		count(STAT_DNS_RING_FULL);
		return SK_PASS;
	}
	copy = skb->len - l4 - header;
	m->wire_length = copy;
	if (copy > DNS_PAYLOAD_MAX)
		copy = DNS_PAYLOAD_MAX;
	/* The verifier lost the length check above with the registers: show it a lower bound. */
	asm volatile("" : "+r"(copy));
	if (copy < 1) {
		bpf_ringbuf_discard(m, 0);
		return SK_PASS;
	}
	__builtin_memset(m->client, 0, sizeof(m->client));
	__builtin_memset(m->resolver, 0, sizeof(m->resolver));
	if (bpf_skb_load_bytes(skb, l4 + header, m->payload, copy) ||
	    bpf_skb_load_bytes(skb, where.destination, m->client, where.size) ||
	    bpf_skb_load_bytes(skb, where.source, m->resolver, where.size)) {
		bpf_ringbuf_discard(m, 0);
		return SK_PASS;
	}
	kskb = bpf_cast_to_kern_ctx(skb);
	sk = kskb->sk;
	m->netns = sk ? netns_of(sk) : 0;
	m->cgroup_id = bpf_skb_cgroup_id(skb);
	m->length = copy;
	m->family = family;
	m->client_port = bpf_ntohs(ports->dest);
	m->protocol = protocol;
	bpf_ringbuf_submit(m, 0);
	return SK_PASS;
}

/*
 * UDP links (optional): a UDP flow is one socket's traffic with one peer. The length tracepoints
 * fire on every sendmsg and recvmsg call of every socket (TCP's too: they leave after reading the
 * protocol), after the call, with the bytes it moved. A connected socket names its peer itself;
 * for an unconnected one the cgroup sendmsg/recvmsg programs, which run only for UDP calls that
 * carry an address, leave the peer in the socket's storage for the tracepoint that follows.
 */
#define MSG_PEEK 2
#define MSG_ERRQUEUE 0x2000
#define UDP_CONNECTED 1 /* TCP_ESTABLISHED: what ip4_datagram_connect sets */

static __always_inline struct udp_peer *pending_peer(struct bpf_sock *sk, bool send)
{
	struct udp_pending *p = bpf_sk_storage_get(&udp_pending, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (!p)
		return 0;
	return send ? &p->send : &p->receive;
}

static __always_inline void leave_peer4(struct bpf_sock_addr *ctx, bool send)
{
	struct udp_peer *peer;
	__u32 address = ctx->user_ip4;

	if (ctx->protocol != IPPROTO_UDP || !ctx->sk)
		return;
	peer = pending_peer(ctx->sk, send);
	if (!peer)
		return;
	__builtin_memset(peer->address, 0, sizeof(peer->address));
	__builtin_memcpy(peer->address, &address, 4);
	peer->port = bpf_ntohs(ctx->user_port);
	peer->family = AF_INET;
}

/* ::ffff:a.b.c.d, an IPv4 peer of a dual-stack socket (address in network order). */
static __always_inline bool v4_mapped(const __u32 *address)
{
	return address[0] == 0 && address[1] == 0 && address[2] == bpf_htonl(0xffff);
}

/*
 * An IPv4 peer is one peer whichever way the kernel wrote it: a dual-stack socket reads it
 * v4-mapped (recvmsg6) but sends to it through udp_sendmsg (sendmsg4), so it is kept as IPv4.
 */
static __always_inline void set_peer(struct udp_peer *peer, const __u32 *address, __u16 port)
{
	__builtin_memset(peer->address, 0, sizeof(peer->address));
	if (v4_mapped(address)) {
		__builtin_memcpy(peer->address, &address[3], 4);
		peer->family = AF_INET;
	} else {
		__builtin_memcpy(peer->address, address, 16);
		peer->family = AF_INET6;
	}
	peer->port = port;
}

static __always_inline void leave_peer6(struct bpf_sock_addr *ctx, bool send)
{
	struct udp_peer *peer;
	__u32 address[4];

	if (ctx->protocol != IPPROTO_UDP || !ctx->sk)
		return;
	peer = pending_peer(ctx->sk, send);
	if (!peer)
		return;
	address[0] = ctx->user_ip6[0];
	address[1] = ctx->user_ip6[1];
	address[2] = ctx->user_ip6[2];
	address[3] = ctx->user_ip6[3];
	set_peer(peer, address, bpf_ntohs(ctx->user_port));
}

/* The cgroup sock_addr programs never refuse a call: 1 lets it go on unchanged. */
SEC("cgroup/sendmsg4")
int on_udp_sendmsg4(struct bpf_sock_addr *ctx)
{
	leave_peer4(ctx, true);
	return 1;
}

SEC("cgroup/sendmsg6")
int on_udp_sendmsg6(struct bpf_sock_addr *ctx)
{
	leave_peer6(ctx, true);
	return 1;
}

SEC("cgroup/recvmsg4")
int on_udp_recvmsg4(struct bpf_sock_addr *ctx)
{
	leave_peer4(ctx, false);
	return 1;
}

SEC("cgroup/recvmsg6")
int on_udp_recvmsg6(struct bpf_sock_addr *ctx)
{
	leave_peer6(ctx, false);
	return 1;
}

/* The flow's peer: the one a sock_addr program left for this call, else the connected peer. */
static __always_inline bool peer_of(struct sock *sk, bool send, struct udp_flow_key *key)
{
	struct udp_pending *p = bpf_sk_storage_get(&udp_pending, sk, 0, 0);
	struct udp_peer *left = 0;
	struct sock_common *skc = &sk->__sk_common;

	if (p)
		left = send ? &p->send : &p->receive;
	if (left && left->family) {
		__builtin_memcpy(key->peer, left->address, 16);
		key->peer_port = left->port;
		key->family = left->family;
		left->family = 0;
		return true;
	}
	if (skc->skc_state != UDP_CONNECTED)
		return false;
	key->family = skc->skc_family;
	key->peer_port = bpf_ntohs(skc->skc_dport);
	if (key->family == AF_INET6) {
		__u32 daddr[4];

		bpf_probe_read_kernel(daddr, 16, &skc->skc_v6_daddr);
		if (v4_mapped(daddr)) {
			__builtin_memcpy(key->peer, &daddr[3], 4);
			key->family = AF_INET;
		} else {
			__builtin_memcpy(key->peer, daddr, 16);
		}
	} else {
		__be32 daddr = skc->skc_daddr;

		__builtin_memcpy(key->peer, &daddr, 4);
	}
	return true;
}

static __always_inline struct udp_flow *new_flow(struct sock *sk, struct udp_flow_key *key,
						 bool send)
{
	struct sock_common *skc = &sk->__sk_common;
	struct task_struct *task = bpf_get_current_task_btf();
	struct udp_flow flow = {};
	long err;

	flow.key = *key;
	flow.cgroup_id = sk->sk_cgrp_data.cgroup->kn->id;
	flow.netns = netns_of(sk);
	flow.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_probe_read_kernel_str(flow.comm, sizeof(flow.comm), task->group_leader->comm);
	flow.local_port = skc->skc_num;
	if (skc->skc_family == AF_INET6) {
		__u32 saddr[4];

		bpf_probe_read_kernel(saddr, 16, &skc->skc_v6_rcv_saddr);
		/* Written in the peer's family: a dual-stack socket's IPv4 side is the mapped tail. */
		if (key->family == AF_INET)
			__builtin_memcpy(flow.local, &saddr[3], 4);
		else
			__builtin_memcpy(flow.local, saddr, 16);
	} else {
		__be32 saddr = skc->skc_rcv_saddr;

		__builtin_memcpy(flow.local, &saddr, 4);
	}
	/* Who sent first dialled: the other end is the server (the socket on the port asked for). */
	flow.role = send ? ROLE_CLIENT : ROLE_SERVER;
	err = bpf_map_update_elem(&udp_flows, key, &flow, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU created it first */) {
		count(STAT_UDP_FLOWS_FULL);
		return 0;
	}
	return bpf_map_lookup_elem(&udp_flows, key);
}

static __always_inline void count_datagram(struct sock *sk, int length, bool send)
{
	struct udp_flow_key key = {};
	struct udp_flow *flow;

	if (!peer_of(sk, send, &key)) {
		count(STAT_UDP_NO_PEER);
		return;
	}
	key.cookie = bpf_get_socket_cookie(sk);
	flow = bpf_map_lookup_elem(&udp_flows, &key);
	if (!flow)
		flow = new_flow(sk, &key, send);
	if (!flow)
		return;
	if (send) {
		__sync_fetch_and_add(&flow->bytes_sent, length);
		__sync_fetch_and_add(&flow->datagrams_sent, 1);
	} else {
		__sync_fetch_and_add(&flow->bytes_received, length);
		__sync_fetch_and_add(&flow->datagrams_received, 1);
	}
}

/* A UDP socket of IPv4 or IPv6; everything else (TCP, Unix, netlink) leaves here. */
static __always_inline bool is_udp(struct sock *sk)
{
	__u16 family;

	if (sk->sk_protocol != IPPROTO_UDP)
		return false;
	family = sk->__sk_common.skc_family;
	return family == AF_INET || family == AF_INET6;
}

/* A send that failed leaves no peer behind for a later send() on a connected socket. */
static __always_inline void forget_send_peer(struct sock *sk)
{
	struct udp_pending *p = bpf_sk_storage_get(&udp_pending, sk, 0, 0);

	if (p)
		p->send.family = 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_send_length, struct sock *sk, int ret, int flags)
{
	if (!sk || !is_udp(sk))
		return 0;
	if (ret < 0) {
		forget_send_peer(sk);
		return 0;
	}
	count_datagram(sk, ret, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_recv_length, struct sock *sk, int ret, int flags)
{
	/* A peek leaves the datagram for the read that follows; the error queue holds no data. */
	if (!sk || !is_udp(sk) || ret < 0 || (flags & (MSG_PEEK | MSG_ERRQUEUE)))
		return 0;
	count_datagram(sk, ret, false);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
