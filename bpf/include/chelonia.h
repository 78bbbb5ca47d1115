/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the kernel programs hand to user space. This is the one definition of the layout;
 * the agent's SocketRecordLayout mirrors it and a test compares both against the BTF that
 * clang emits for this struct, so a field added on one side only fails the build.
 */
#ifndef CHELONIA_H
#define CHELONIA_H

/* Which end of the connection this socket is. */
enum chelonia_role {
	ROLE_UNKNOWN = 0,
	ROLE_CLIENT = 1,
	ROLE_SERVER = 2,
};

/* How the socket was seen; how the role was decided for sockets the probes did not see born. */
enum chelonia_flags {
	FLAG_BORN_SEEN = 1 << 0,        /* seen at SYN_SENT / SYN_RECV: role is certain */
	FLAG_ESTABLISHED = 1 << 1,      /* reached ESTABLISHED at some point */
	FLAG_DISCOVERED = 1 << 2,       /* found by the harvest, older than the agent's probes */
	FLAG_CLOSED = 1 << 3,           /* final record: handed over once, never reported again */
	FLAG_ROLE_BY_LISTENER = 1 << 5, /* role from a listening socket on the local port */
	FLAG_ROLE_BY_BACKLOG = 1 << 6,  /* role from sk_max_ack_backlog inherited from a listener */
	FLAG_IN_RING_FALLBACK = 1 << 7, /* ring buffer was full: handed over through closed_overflow */
	FLAG_CLOSE_LATE = 1 << 8,       /* the CLOSE state change was missed: closed by a later look */
	FLAG_NO_LOCAL_PORT = 1 << 9,    /* connect gave up before a SYN: no free local port */
};

/* Indexes of the per-CPU counters in the stats map. */
enum chelonia_stat {
	STAT_SOCKET_LIMIT = 0,      /* sockets not tracked: the tracked-socket limit was reached */
	STAT_RING_FULL = 1,         /* closed records that found the ring buffer full */
	STAT_LISTENER_MAP_FULL = 2, /* listening ports not remembered */
	STAT_CLOSED_DROPPED = 3,    /* closed records neither ring nor overflow map could take */
	STAT_CLOSE_LATE = 4,        /* closes seen only by tcp_destroy_sock or the harvest */
	STAT_STORAGE_FAILED = 5,    /* socket storage could not be created (socket option memory) */
	STAT_DNS_RING_FULL = 6,     /* DNS answers that found their ring buffer full */
	STAT_UDP_FLOWS_FULL = 7,    /* UDP datagrams of a new flow that found the flow map full */
	STAT_UDP_NO_PEER = 8,       /* UDP datagrams read by recv() on an unconnected socket: no peer */
	STAT_COUNT = 9,
};

/* What kind of pass the harvest iterator makes; set by the agent before each pass. */
enum chelonia_harvest_mode {
	HARVEST_CHANGED = 0,   /* write records whose counters or flags changed since last written */
	HARVEST_ALL = 1,       /* write every record: the agent learns which sockets still exist */
	HARVEST_LISTENERS = 2, /* only learn listening ports: the first pass, before discovery */
};

/* The agent's settings for the programs: index 0 of the harvest_settings array. */
struct harvest_settings {
	__u32 pass;        /* number of the pass under way, never 0 */
	__u32 mode;        /* enum chelonia_harvest_mode */
	__s64 max_sockets; /* sockets tracked at once, 0 for no limit; new ones past it are counted */
};

/*
 * One TCP socket, one life: kept in the socket's own storage (freed with the socket) and named
 * by the kernel's socket cookie, which is unique for the life of the machine.
 * Byte counters are payload only: the SYN and FIN sequence numbers are taken out, and the
 * baseline (at ESTABLISHED, or at discovery for older sockets) is subtracted.
 */
struct socket_record {
	__u64 cookie;
	__u64 cgroup_id;
	__u64 bytes_sent;        /* payload acknowledged by the peer */
	__u64 bytes_received;    /* payload received in order from the peer */
	__u64 base_sent;         /* raw bytes_acked (less FIN) when counting started */
	__u64 base_received;     /* raw bytes_received (less FIN) when counting started */
	__u64 reported_sent;     /* harvest-owned: bytes_sent when it last wrote the record */
	__u64 reported_received; /* harvest-owned: bytes_received when it last wrote the record */
	__u32 netns;             /* network namespace inode number */
	__u32 pid;               /* tgid of the connecting task, or of the process holding a server
				  * socket (or its listener), 0 when not known */
	__u32 srtt_us;           /* smoothed RTT in microseconds */
	__u32 total_retrans;
	__s32 sk_err;            /* error at close: ECONNREFUSED, ETIMEDOUT, ... */
	__s32 sk_err_soft;       /* last soft error (ICMP) seen on the socket */
	__u32 flags;             /* enum chelonia_flags */
	__u32 reported_retrans;  /* harvest-owned: total_retrans when it last wrote the record */
	__u32 reported_flags;    /* harvest-owned: flags when it last wrote the record */
	__u32 reported_pass;     /* harvest-owned: the pass that last wrote it, 0 for never */
	__u8 saddr[16];          /* local address: IPv4 in the first 4 bytes */
	__u8 daddr[16];          /* peer address */
	char comm[16];           /* that process's name (thread-group leader) */
	__u16 sport;             /* local port, host order */
	__u16 dport;             /* peer port, host order */
	__u16 family;            /* AF_INET or AF_INET6 */
	__u8 role;               /* enum chelonia_role */
	__u8 state;              /* TCP state at the last update */
};

/*
 * One TCP socket a process holds, as the owners iterator (owners.bpf.c) lists them: which process
 * owns which end of a connection or which listening socket, in which network namespace. Addresses
 * as in socket_record.
 */
struct socket_owner {
	__u32 netns;  /* network namespace inode number */
	__u32 pid;    /* tgid of a process holding the socket */
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 sport;  /* local port, host order */
	__u16 dport;  /* peer port, host order */
	__u8 state;   /* TCP state: 10 (LISTEN) for a listening socket */
	__u8 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* A listening port in a network namespace: how the iterator names the server side. */
struct listener_key {
	__u32 netns;
	__u16 port;
	__u16 pad;
};

/*
 * Who holds a listening port, as the process harvest last met it: the owner a connection it
 * accepts is given at birth, so a server socket closed before any harvest still names its process.
 */
struct listener_owner {
	__u32 pid;     /* tgid of a process holding the listening socket, 0 when not known */
	char comm[16]; /* its name (thread-group leader) */
};

/* The head of a DNS message the answer copies keep: longer ones are cut here (RFC 8914's 1232). */
enum chelonia_dns_limits {
	DNS_PAYLOAD_MAX = 1232,
};

/*
 * What a socket on this machine received from port 53: a UDP datagram (a DNS answer, or what
 * claims to be one; the agent parses it) or the payload of one TCP segment (DNS over TCP: a
 * two-byte length, then the message), with who received it. Addresses as in socket_record.
 */
struct dns_message {
	__u64 cgroup_id;     /* cgroup v2 id of the receiving socket's owner */
	__u32 netns;         /* network namespace inode of the receiving socket */
	__u32 length;        /* payload bytes copied below, at most DNS_PAYLOAD_MAX */
	__u32 wire_length;   /* the datagram's (the segment's) payload length */
	__u16 family;        /* AF_INET or AF_INET6 */
	__u16 client_port;   /* the receiver's port, host order */
	__u8 client[16];     /* the receiver's address: the datagram's destination */
	__u8 resolver[16];   /* the answering server's address: the datagram's source */
	__u8 protocol;       /* IPPROTO_UDP or IPPROTO_TCP */
	__u8 payload[DNS_PAYLOAD_MAX];
};

/*
 * One UDP socket's traffic with one peer (the peer's address and port): connected sockets have
 * one peer, unconnected ones as many as they send to or receive from.
 */
struct udp_flow_key {
	__u64 cookie;   /* the socket's cookie */
	__u8 peer[16];  /* IPv4 in the first 4 bytes */
	__u16 peer_port; /* host order */
	__u16 family;   /* AF_INET or AF_INET6: the peer's; AF_INET for a v4-mapped peer too */
	__u32 pad;
};

/*
 * Cumulative counters of one UDP flow since its entry was created, with who owns the socket.
 * Counted per sendmsg/recvmsg call that moved a datagram (sock_send_length, sock_recv_length).
 * The agent deletes an entry once it stayed unchanged for a while; the next datagram starts a
 * new one, whose role is again decided by its first datagram.
 */
struct udp_flow {
	struct udp_flow_key key;
	__u64 cgroup_id;          /* cgroup v2 id of the socket's owner */
	__u64 bytes_sent;         /* payload bytes sent to the peer */
	__u64 bytes_received;     /* payload bytes received from the peer */
	__u64 datagrams_sent;
	__u64 datagrams_received;
	__u32 netns;              /* network namespace inode of the socket */
	__u32 pid;                /* tgid of the task that moved the flow's first datagram */
	__u8 local[16];           /* the socket's bound address: all zeros for a wildcard socket */
	char comm[16];            /* that task's process name */
	__u16 local_port;         /* host order */
	__u8 role;                /* enum chelonia_role: client if the first datagram was sent */
	__u8 pad[5];
};

#endif
