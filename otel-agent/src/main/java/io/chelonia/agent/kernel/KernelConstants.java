package io.chelonia.agent.kernel;

/**
 * The constants the kernel programs and the agent share, named once on this side: the values of the
 * enums in bpf/include/chelonia.h (which the object keeps in its BTF; a test checks every value
 * here against it) and the names of the maps and programs in chelonia.bpf.c and owners.bpf.c.
 */
final class KernelConstants {
  private KernelConstants() {}

  // enum chelonia_role
  static final int ROLE_UNKNOWN = 0;
  static final int ROLE_CLIENT = 1;
  static final int ROLE_SERVER = 2;

  // enum chelonia_flags
  static final int FLAG_BORN_SEEN = 1;
  static final int FLAG_ESTABLISHED = 1 << 1;
  static final int FLAG_DISCOVERED = 1 << 2;
  static final int FLAG_CLOSED = 1 << 3;
  static final int FLAG_ROLE_BY_LISTENER = 1 << 5;
  static final int FLAG_ROLE_BY_BACKLOG = 1 << 6;
  static final int FLAG_IN_RING_FALLBACK = 1 << 7;
  static final int FLAG_CLOSE_LATE = 1 << 8;
  static final int FLAG_NO_LOCAL_PORT = 1 << 9;

  // enum chelonia_stat
  static final int STAT_SOCKET_LIMIT = 0;
  static final int STAT_RING_FULL = 1;
  static final int STAT_LISTENER_MAP_FULL = 2;
  static final int STAT_CLOSED_DROPPED = 3;
  static final int STAT_CLOSE_LATE = 4;
  static final int STAT_STORAGE_FAILED = 5;
  static final int STAT_DNS_RING_FULL = 6;
  static final int STAT_UDP_FLOWS_FULL = 7;
  static final int STAT_UDP_NO_PEER = 8;
  static final int STAT_COUNT = 9;

  // enum chelonia_harvest_mode
  static final int HARVEST_CHANGED = 0;
  static final int HARVEST_ALL = 1;
  static final int HARVEST_LISTENERS = 2;

  // enum chelonia_dns_limits
  static final int DNS_PAYLOAD_MAX = 1232;

  // Maps
  static final String MAP_SOCKET_RECORDS = "socket_records";
  static final String MAP_LISTENERS = "listeners";
  static final String MAP_CLOSED_SOCKETS = "closed_sockets";
  static final String MAP_CLOSED_OVERFLOW = "closed_overflow";
  static final String MAP_HARVEST_SETTINGS = "harvest_settings";
  static final String MAP_TRACKED_SOCKETS = "tracked_sockets";
  static final String MAP_STATS = "stats";
  static final String MAP_DNS_MESSAGES = "dns_messages";
  static final String MAP_UDP_FLOWS = "udp_flows";
  static final String MAP_UDP_PENDING = "udp_pending";

  // Programs
  static final String PROGRAM_STATE_CHANGE = "on_state_change";
  static final String PROGRAM_DESTROY = "on_destroy";
  static final String PROGRAM_ERROR_REPORT = "on_error_report";
  static final String PROGRAM_HARVEST_PROCESSES = "harvest_processes";
  static final String PROGRAM_HARVEST_NAMESPACE = "harvest_namespace";
  static final String PROGRAM_DNS_ANSWER = "on_dns_answer";
  static final String PROGRAM_UDP_SEND_LENGTH = "on_send_length";
  static final String PROGRAM_UDP_RECV_LENGTH = "on_recv_length";
  static final String PROGRAM_UDP_SENDMSG4 = "on_udp_sendmsg4";
  static final String PROGRAM_UDP_SENDMSG6 = "on_udp_sendmsg6";
  static final String PROGRAM_UDP_RECVMSG4 = "on_udp_recvmsg4";
  static final String PROGRAM_UDP_RECVMSG6 = "on_udp_recvmsg6";

  // owners.bpf.c: an object of its own, with one program
  static final String OWNERS_OBJECT_RESOURCE = "owners.bpf.o";
  static final String OWNERS_PROGRAM = "list_socket_owners";
}
