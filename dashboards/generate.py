#!/usr/bin/env python3
"""Generates Chelonia's Grafana dashboards (the *.json files next to this script).

Run `python3 dashboards/generate.py` after changing it, then `deploy/sync-chart-files` (the chart
carries copies); deploy/test checks the JSON and the copies are up to date
and evaluates every query against a real Prometheus fed by the agent.

Counting each link once. A link between two ends on monitored nodes is reported twice, by the
client's node (chelonia_observer="client") and by the server's (chelonia_observer="server"). Every
query takes:
  * the client's view of every link (the agent runs on every node, so every client in the
    cluster, pod or node process, is observed by its own node), and
  * the server's view only of links whose client is outside the cluster
    (client_k8s_namespace_name="external"): nobody observes those from the client side.
So no link is counted twice, and links from outside the cluster are not lost. A client's view of
a connection to a Service names the backend that answered (the agent looks the translation up in
conntrack), so the client's view draws the edge to the backend workload, the Service kept in
server_k8s_service_name; where no translation was found it stays on the Service.
Namespace and workload filters match a link when either end matches."""
import json
import os

DS = {"type": "prometheus", "uid": "${datasource}"}
OBSERVED_ONCE = [
    'chelonia_observer="client"',
    'chelonia_observer="server",client_k8s_namespace_name="external"',
]
LINK = ("client_k8s_namespace_name, client_k8s_workload_kind, client_k8s_workload_name, "
        "server_k8s_namespace_name, server_k8s_workload_kind, server_k8s_workload_name, server_port")


def once(metric, fn="rate", window="$__rate_interval", extra=""):
    """`metric`'s series filtered by the variables, each link counted once (see above)."""
    parts = []
    for observed in OBSERVED_ONCE:
        for end in ("client", "server"):
            sel = (f'{metric}{{{observed},k8s_cluster_name=~"$cluster",'
                   f'{end}_k8s_namespace_name=~"$namespace",{end}_k8s_workload_name=~"$workload"{extra}}}')
            parts.append(f"{fn}({sel}[{window}])" if fn else sel)
    return "(" + " or ".join(parts) + ")"


def edge_labels(expr):
    """Adds source, target (node ids: namespace/kind/name of each end) and id (source -> target)."""
    e = f'label_join({expr}, "source", "/", "client_k8s_namespace_name", "client_k8s_workload_kind", "client_k8s_workload_name")'
    e = f'label_join({e}, "target", "/", "server_k8s_namespace_name", "server_k8s_workload_kind", "server_k8s_workload_name")'
    return f'label_join({e}, "id", " -> ", "source", "target")'


def node_labels(expr, end):
    """Adds id (namespace/kind/name), title (name) and subtitle (kind namespace) of one end."""
    e = f'label_join({expr}, "id", "/", "{end}_k8s_namespace_name", "{end}_k8s_workload_kind", "{end}_k8s_workload_name")'
    e = f'label_replace({e}, "title", "$1", "{end}_k8s_workload_name", "(.*)")'
    return f'label_join({e}, "subtitle", " in ", "{end}_k8s_workload_kind", "{end}_k8s_namespace_name")'


def nodes(expr):
    """Per node: the sum over the links it is the client or the server of."""
    return f"sum by (id, title, subtitle) ({node_labels(expr, 'client')} or {node_labels(expr, 'server')})"


def edges(expr):
    return f"sum by (id, source, target) ({edge_labels(expr)})"


RTT_MEAN = lambda by: (f"sum by ({by}) ({once('chelonia_link_rtt_seconds_sum')}) / "
                       f"sum by ({by}) ({once('chelonia_link_rtt_seconds_count')})")


def target(ref, expr, fmt="table", instant=True, legend=None):
    t = {"refId": ref, "datasource": DS, "expr": expr, "format": fmt, "instant": instant, "range": not instant}
    if legend:
        t["legendFormat"] = legend
    return t


def by_ref(regex):
    return {"id": "byRefId", "options": regex}


def variables():
    ns_query = ('query_result(count by (ns) ('
                'label_replace(chelonia_link_bytes_total{k8s_cluster_name=~"$cluster"}, "ns", "$1", "client_k8s_namespace_name", "(.*)") or '
                'label_replace(chelonia_link_bytes_total{k8s_cluster_name=~"$cluster"}, "ns", "$1", "server_k8s_namespace_name", "(.*)")))')
    wl_query = ('query_result(count by (wl) ('
                'label_replace(chelonia_link_bytes_total{k8s_cluster_name=~"$cluster",client_k8s_namespace_name=~"$namespace"}, "wl", "$1", "client_k8s_workload_name", "(.*)") or '
                'label_replace(chelonia_link_bytes_total{k8s_cluster_name=~"$cluster",server_k8s_namespace_name=~"$namespace"}, "wl", "$1", "server_k8s_workload_name", "(.*)")))')

    def query_var(name, label, query, regex):
        return {"name": name, "label": label, "type": "query", "datasource": DS,
                "query": {"query": query, "refId": f"var-{name}"}, "definition": query, "regex": regex,
                "refresh": 2, "includeAll": True, "allValue": ".*", "multi": True, "sort": 1,
                "current": {"selected": True, "text": ["All"], "value": ["$__all"]}}

    return {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {"selected": True, "text": "Prometheus", "value": "chelonia-prometheus"}, "refresh": 1},
        query_var("cluster", "Cluster", "label_values(chelonia_link_bytes_total, k8s_cluster_name)", ""),
        query_var("namespace", "Namespace", ns_query, '/ns="([^"]*)"/'),
        query_var("workload", "Workload", wl_query, '/wl="([^"]*)"/'),
    ]}


def dashboard(uid, title, panels, description):
    y = 0
    for p in panels:  # lay out top to bottom, full width unless set
        p.setdefault("gridPos", {"h": 9, "w": 24, "x": 0})
        if p["gridPos"].get("x", 0) == 0:
            p["gridPos"]["y"] = y
            y += p["gridPos"]["h"]
        else:
            p["gridPos"]["y"] = y - p["gridPos"]["h"]
    for i, p in enumerate(panels, 1):
        p["id"] = i
        p.setdefault("datasource", DS)
    return {
        "uid": uid, "title": title, "description": description, "tags": ["chelonia", "network"],
        "editable": True, "schemaVersion": 39, "version": 1, "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s", "timezone": "", "graphTooltip": 1, "templating": variables(),
        "annotations": {"list": []},
        "links": [{"title": "Chelonia", "type": "dashboards", "tags": ["chelonia"], "asDropdown": False,
                   "includeVars": True, "keepTime": True}],
        "panels": panels,
    }


def organize(rename, exclude=("Time",), filter_regex=None):
    t = {"id": "organize", "options": {"renameByName": rename, "excludeByName": {e: True for e in exclude},
                                        "indexByName": {}}}
    if filter_regex:
        t["filter"] = by_ref(filter_regex)
    return t


def merge(filter_regex):
    return {"id": "merge", "options": {}, "filter": by_ref(filter_regex)}


def table(title, targets, rename, description, units=None, sort=None, w=24, x=0, h=9):
    overrides = [{"matcher": {"id": "byName", "options": col},
                  "properties": [{"id": "unit", "value": unit}]} for col, unit in (units or {}).items()]
    transformations = [merge("/.*/")] if len(targets) > 1 else []
    transformations.append(organize(rename))
    return {"type": "table", "title": title, "description": description, "targets": targets,
            "transformations": transformations, "gridPos": {"h": h, "w": w, "x": x},
            "fieldConfig": {"defaults": {}, "overrides": overrides},
            "options": {"showHeader": True, "sortBy": [{"displayName": sort, "desc": True}] if sort else []}}


def timeseries(title, targets, unit, description, w=24, x=0, h=8):
    return {"type": "timeseries", "title": title, "description": description, "targets": targets,
            "gridPos": {"h": h, "w": w, "x": x},
            "fieldConfig": {"defaults": {"unit": unit, "custom": {"fillOpacity": 10}}, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "right", "calcs": ["mean", "max"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}}


LINK_COLUMNS = {
    "client_k8s_namespace_name": "client namespace", "client_k8s_workload_kind": "client kind",
    "client_k8s_workload_name": "client", "server_k8s_namespace_name": "server namespace",
    "server_k8s_workload_kind": "server kind", "server_k8s_workload_name": "server", "server_port": "port",
}
BYTES = "chelonia_link_bytes_total"
TX = ',network_io_direction="transmit"'
RX = ',network_io_direction="receive"'
EXT = ',server_k8s_namespace_name="external"'
# An external end named (from a DNS answer with --dns-names, reverse DNS or a CIDR group), not an
# address: IPv4 dotted or IPv6 (hex digits and colons).
NAMED = ',server_k8s_workload_name!~"[0-9.]+|[0-9a-fA-F:]+"'
NOT_NOERROR = ',dns_response_code!="NOERROR"'
DNS_CLIENT = "client_k8s_namespace_name, client_k8s_workload_name, server_k8s_workload_name, server_port"
ZONES = "client_cloud_availability_zone, server_cloud_availability_zone"
ZONE_COLUMNS = {"client_cloud_availability_zone": "client zone", "server_cloud_availability_zone": "server zone"}
BOTH_ZONES_KNOWN = ',client_cloud_availability_zone!="",server_cloud_availability_zone!=""'


def unknown_zone(expr, end):
    """An end with no zone label (outside the cluster, on a node without the label) as "unknown"."""
    label = f"{end}_cloud_availability_zone"
    return f'label_replace({expr}, "{label}", "unknown", "{label}", "")'


def cross_zone(expr):
    """Keeps the series whose two zones differ: drops each series that equals itself with the client
    zone set to the server's (PromQL cannot compare two labels of one series directly)."""
    return f'({expr} unless label_replace({expr}, "client_cloud_availability_zone", "$1", "server_cloud_availability_zone", "(.*)"))'


def service_map():
    bytes_rate = once(BYTES)
    graph = {
        "type": "nodeGraph", "title": "Service map",
        "description": ("Nodes: workloads (namespace/kind/name), main stat bytes/s through the workload "
                        "(both directions, all its links), secondary stat new connections/s. Edges: client "
                        "-> server, main stat bytes/s (both directions), secondary stat mean RTT, details: "
                        "failed connections/s and retransmits/s. Each link counted once (client's view, "
                        "server's view for clients outside the cluster)."),
        "gridPos": {"h": 20, "w": 24, "x": 0},
        "targets": [
            # Nodes: id, title, subtitle from labels built in PromQL; values renamed below.
            target("nodes", nodes(bytes_rate)),
            target("nodes_conns", nodes(once("chelonia_link_connections_total"))),
            # Edges: id, source, target built in PromQL; values renamed below.
            target("edges", edges(bytes_rate)),
            target("edges_rtt", f"1000 * ({edges(once('chelonia_link_rtt_seconds_sum'))} / {edges(once('chelonia_link_rtt_seconds_count'))})"),
            target("edges_failures", edges(once("chelonia_link_connection_failures_total"))),
            target("edges_retransmits", edges(once("chelonia_link_retransmits_total"))),
        ],
        "transformations": [
            merge("/^nodes/"),
            organize({"Value #nodes": "mainstat", "Value #nodes_conns": "secondarystat"}, filter_regex="/^nodes/"),
            merge("/^edges/"),
            organize({"Value #edges": "mainstat", "Value #edges_rtt": "secondarystat",
                      "Value #edges_failures": "detail__failures_per_s",
                      "Value #edges_retransmits": "detail__retransmits_per_s"}, filter_regex="/^edges/"),
        ],
        "fieldConfig": {"defaults": {}, "overrides": [
            {"matcher": {"id": "byName", "options": "mainstat"},
             "properties": [{"id": "unit", "value": "Bps"}, {"id": "displayName", "value": "throughput"}]},
            {"matcher": {"id": "byName", "options": "secondarystat"},
             "properties": [{"id": "decimals", "value": 2}]},
        ]},
        "options": {"nodes": {"mainStatUnit": "Bps", "secondaryStatUnit": "none"},
                    "edges": {"mainStatUnit": "Bps", "secondaryStatUnit": "ms"}},
    }
    links = table(
        "Links", [
            target("bytes_tx", f"sum by ({LINK}) ({once(BYTES, extra=TX)})"),
            target("bytes_rx", f"sum by ({LINK}) ({once(BYTES, extra=RX)})"),
            target("conns", f"sum by ({LINK}) ({once('chelonia_link_connections_total')})"),
            target("active", f"sum by ({LINK}) ({once('chelonia_link_active', fn=None)})"),
        ],
        dict(LINK_COLUMNS, **{"Value #bytes_tx": "client→server", "Value #bytes_rx": "server→client",
                              "Value #conns": "new connections/s", "Value #active": "open connections"}),
        "Every link, each counted once, with its throughput each way and its connections.",
        units={"client→server": "Bps", "server→client": "Bps", "new connections/s": "cps"},
        sort="client→server", h=12)
    return dashboard("chelonia-service-map", "Chelonia / Service map", [graph, links],
                     "Workloads and the TCP (and, with --udp, UDP) links between them, from the kernel (Chelonia).")


AGENT = 'job="chelonia-agent",k8s_cluster_name=~"$cluster"'


def agent_cost():
    """What the agents cost their nodes, from their own metrics: the runtime's (jvm.*, semantic
    conventions) and the resident set (process.memory.usage), one series per node."""
    row = {"type": "row", "title": "Agent cost", "collapsed": False, "panels": [], "gridPos": {"h": 1, "w": 24, "x": 0}}
    per_node = lambda title, expr, unit, description, x: timeseries(
        title, [target("A", f"sum by (k8s_node_name) ({expr})", fmt="time_series", instant=False,
                       legend="{{k8s_node_name}}")], unit, description, w=12, x=x)
    return [
        row,
        per_node("Agent memory (RSS) per node", f"process_memory_usage_bytes{{{AGENT}}}", "bytes",
                 "Resident memory of the agent on each node (heap and native memory: what the node's memory accounting sees).", 0),
        per_node("Agent heap used per node", f'jvm_memory_used_bytes{{{AGENT},jvm_memory_type="heap"}}', "bytes",
                 "Java heap in use (garbage included until the next collection), summed over the heap's pools.", 12),
        per_node("Agent CPU per node", f"rate(jvm_cpu_time_seconds_total{{{AGENT}}}[$__rate_interval])", "percentunit",
                 "CPU time of the agent's process, as a share of one core.", 0),
        per_node("Agent GC time per node", f"rate(jvm_gc_duration_seconds_sum{{{AGENT}}}[$__rate_interval])", "percentunit",
                 "Time spent in garbage collections, as a share of wall-clock time.", 12),
    ]


def links_dashboard():
    top = table(
        "Top talkers", [target("bytes", f"topk(20, sum by ({LINK}) ({once(BYTES)}))")],
        dict(LINK_COLUMNS, **{"Value": "bytes/s", "Value #bytes": "bytes/s"}),
        "The 20 links carrying the most bytes per second (both directions).",
        units={"bytes/s": "Bps"}, sort="bytes/s", h=10)
    top_ts = timeseries(
        "Top talkers over time",
        [target("A", f"topk(10, sum by (client_k8s_workload_name, server_k8s_workload_name, server_port) ({once(BYTES)}))",
                fmt="time_series", instant=False,
                legend="{{client_k8s_workload_name}} → {{server_k8s_workload_name}}:{{server_port}}")],
        "Bps", "Bytes per second of the 10 busiest links.")
    failed = table(
        "Failed connections", [
            target("failures", f"sum by ({LINK}, error_type) ({once('chelonia_link_connection_failures_total', fn='increase', window='$__range')})"),
            target("failures_total", f"sum by ({LINK}, error_type) ({once('chelonia_link_connection_failures_total', fn='max_over_time', window='$__range')})"),
        ],
        dict(LINK_COLUMNS, **{"error_type": "error", "Value #failures": "failures in range",
                              "Value #failures_total": "since first seen"}),
        ("Connections that failed, by link and reason (refused, timeout, unreachable, reset, other). "
         "'failures in range' is increase() over the time range (the agent shows a new link's series at 0 "
         "first, so failures of a link born within the range count too); 'since first seen' is the "
         "cumulative count the agent reported."),
        sort="since first seen", h=10)
    failed_ts = timeseries(
        "Failed connections per second by reason",
        [target("A", f"sum by (error_type) ({once('chelonia_link_connection_failures_total')})",
                fmt="time_series", instant=False, legend="{{error_type}}")],
        "cps", "Failed connections per second, by reason.")
    rtt = table(
        "RTT and retransmits per link", [
            target("rtt_mean", f"1000 * ({RTT_MEAN(LINK)})"),
            # Empty (NaN, filtered) unless the agents export RTT buckets (--rtt-buckets=explicit).
            target("rtt_p95", f"1000 * histogram_quantile(0.95, sum by ({LINK}, le) ({once('chelonia_link_rtt_seconds_bucket')})) > 0"),
            target("retransmits", f"sum by ({LINK}) ({once('chelonia_link_retransmits_total')})"),
        ],
        dict(LINK_COLUMNS, **{"Value #rtt_mean": "mean RTT (ms)", "Value #rtt_p95": "p95 RTT (ms)",
                              "Value #retransmits": "retransmits/s"}),
        "Smoothed RTT of the link's sockets (kernel samples, one per socket per poll with traffic) and retransmitted segments per second. "
        "The p95 needs the agents' RTT buckets (--rtt-buckets=explicit); by default they export the mean only.",
        units={"mean RTT (ms)": "ms", "p95 RTT (ms)": "ms"}, sort="p95 RTT (ms)", h=10)
    rtt_ts = timeseries(
        "p95 RTT by link",
        [target("A", f"histogram_quantile(0.95, sum by (client_k8s_workload_name, server_k8s_workload_name, server_port, le) ({once('chelonia_link_rtt_seconds_bucket')})) > 0",
                fmt="time_series", instant=False,
                legend="{{client_k8s_workload_name}} → {{server_k8s_workload_name}}:{{server_port}}")],
        "s", "95th percentile of the links' RTT samples; empty unless the agents export RTT buckets (--rtt-buckets=explicit).", w=12)
    retrans_ts = timeseries(
        "Retransmits per second by link",
        [target("A", f"sum by (client_k8s_workload_name, server_k8s_workload_name, server_port) ({once('chelonia_link_retransmits_total')}) > 0",
                fmt="time_series", instant=False,
                legend="{{client_k8s_workload_name}} → {{server_k8s_workload_name}}:{{server_port}}")],
        "short", "Retransmitted segments per second, links with retransmits only.", w=12, x=12)
    external = table(
        "External destinations", [
            target("ext_bytes", "sum by (client_k8s_namespace_name, client_k8s_workload_name, server_k8s_workload_name, server_port) "
                                f"({once(BYTES, extra=EXT)})"),
            target("ext_conns", "sum by (client_k8s_namespace_name, client_k8s_workload_name, server_k8s_workload_name, server_port) "
                                f"({once('chelonia_link_connections_total', extra=EXT)})"),
        ],
        {"client_k8s_namespace_name": "client namespace", "client_k8s_workload_name": "client",
         "server_k8s_workload_name": "destination (name or address)", "server_port": "port",
         "Value #ext_bytes": "bytes/s", "Value #ext_conns": "new connections/s"},
        "Servers outside the cluster (namespace external: named by CIDR group, reverse DNS or address), with who talks to them.",
        units={"bytes/s": "Bps", "new connections/s": "cps"}, sort="bytes/s", h=10)
    by_name = "client_k8s_namespace_name, client_k8s_workload_name, server_k8s_workload_name, server_port, network_transport"
    external_names = table(
        "External destinations by DNS name", [
            target("name_bytes", f"sum by ({by_name}) ({once(BYTES, extra=EXT + NAMED)})"),
            target("name_datagrams", f"sum by ({by_name}) ({once('chelonia_link_datagrams_total', extra=EXT + NAMED)})"),
        ],
        {"client_k8s_namespace_name": "client namespace", "client_k8s_workload_name": "client",
         "server_k8s_workload_name": "destination (DNS name)", "server_port": "port",
         "network_transport": "transport", "Value #name_bytes": "bytes/s", "Value #name_datagrams": "datagrams/s"},
        ("Servers outside the cluster known by a name rather than an address: the name the workload "
         "resolved (agents with --dns-names), else reverse DNS or a CIDR group; TCP and UDP (--udp) links."),
        units={"bytes/s": "Bps"}, sort="bytes/s", w=12, h=10)
    dns_errors = table(
        "DNS errors by client and resolver", [
            target("dns_errors", f"sum by ({DNS_CLIENT}, dns_response_code) "
                                 f"({once('chelonia_link_dns_answers_total', fn='increase', window='$__range', extra=NOT_NOERROR)})"),
            target("dns_unanswered", f"sum by ({DNS_CLIENT}) ({once('chelonia_link_dns_unanswered', fn=None)}) > 0"),
        ],
        {"client_k8s_namespace_name": "client namespace", "client_k8s_workload_name": "client",
         "server_k8s_workload_name": "resolver", "server_port": "port", "dns_response_code": "response code",
         "Value #dns_errors": "answers in range", "Value #dns_unanswered": "queries without answer"},
        ("Per client and resolver (UDP links to port 53, agents with --udp): answers other than NOERROR "
         "received in the time range, by response code (NXDOMAIN, SERVFAIL..., agents with --dns-names "
         "too), and the queries sent that got no answer over the link's life."),
        sort="answers in range", w=12, x=12, h=10)
    zone_pairs = table(
        "Bytes by zone pair",
        [target("zone_bytes", f"sum by ({ZONES}) ({unknown_zone(unknown_zone(once(BYTES), 'client'), 'server')})")],
        dict(ZONE_COLUMNS, **{"Value": "bytes/s"}),
        ("Bytes per second (both directions) between availability zones, from the nodes' "
         "topology.kubernetes.io/zone labels; a pair of two different zones is what cloud providers bill "
         "as cross-zone traffic. unknown: an end outside the cluster, or on a node without the label."),
        units={"bytes/s": "Bps"}, sort="bytes/s", w=12, h=10)
    cross_zone_links = table(
        "Top cross-zone links",
        [target("cross_bytes", f"topk(20, {cross_zone(f'sum by ({LINK}, {ZONES}) ({once(BYTES, extra=BOTH_ZONES_KNOWN)})')})")],
        dict(LINK_COLUMNS, **ZONE_COLUMNS, **{"Value": "bytes/s"}),
        "The 20 links carrying the most bytes per second between two different known zones.",
        units={"bytes/s": "Bps"}, sort="bytes/s", w=12, x=12, h=10)
    return dashboard("chelonia-links", "Chelonia / Links",
                     [top, top_ts, failed, failed_ts, rtt, rtt_ts, retrans_ts, external, external_names,
                      dns_errors, zone_pairs, cross_zone_links] + agent_cost(),
                     "Top talkers, failed connections, RTT and retransmits per link, external destinations"
                     " (by DNS name too), DNS errors per client and resolver,"
                     " bytes by zone pair and the top cross-zone links;"
                     " what the agents cost their nodes.")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for name, board in (("chelonia-service-map.json", service_map()), ("chelonia-links.json", links_dashboard())):
        with open(os.path.join(here, name), "w") as f:
            json.dump(board, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print(f"wrote {name}")
