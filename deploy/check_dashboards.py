#!/usr/bin/env python3
"""Evaluates every PromQL query of the dashboards against a real Prometheus fed by the agent, and
checks that each panel gets the fields it needs.

usage: check_dashboards.py URL DASHBOARD_DIR SEND_BYTES REPLY_BYTES CONNECTIONS REFUSED [BACKEND]

URL is a Prometheus (BACKEND prometheus, the default) or a VictoriaMetrics (BACKEND
victoriametrics) that the Collector remote-writes to: the same queries, the same checks, and the
same exact values but for rate(), which the two define differently (below).

Runs after deploy/test's pipeline traffic (check_pipeline.py): `checkout` -> `orders-api`:8080
(3 connections), 2 refused attempts to 198.19.77.2:9, one unanswered connection to
198.19.77.99:443 (an external destination).

How the panels get their fields (and what is checked here, by simulating the same steps):
  * Prometheus table queries (format "table", instant) give one frame per query: a column per
    label and the value in "Value" (one query) or "Value #<refId>" (several queries).
  * Node graph. Nodes: queries nodes and nodes_conns build the labels id (namespace/kind/name),
    title (name) and subtitle (kind in namespace) in PromQL (label_join / label_replace, for the
    client end and the server end of every link, `or`-ed, summed by id); the `merge`
    transformation (only frames whose refId starts with "nodes") joins them on those labels, and
    `organize` renames "Value #nodes" to mainstat (bytes/s) and "Value #nodes_conns" to
    secondarystat (new connections/s). Edges: queries edges* build source and target (node ids of
    the client and server ends) and id ("source -> target"); merged and renamed to mainstat
    (bytes/s), secondarystat (mean RTT, ms), detail__failures_per_s, detail__retransmits_per_s.
    Grafana takes the frame with a `source` field as the edges, the one with `id` as the nodes.
    Checked: exactly one nodes frame (id, title, subtitle, mainstat, secondarystat) and one edges
    frame (id, source, target, mainstat, secondarystat), every edge's ends are nodes, the expected
    nodes and edges are there with throughput above zero.
  * Tables: the merged frame has every column the panel renames (link labels, values), and the
    rows the traffic must produce (exact counts where Prometheus keeps them exact).
  * Time series: the range query returns series carrying every label of the legend.
  * Variables: each variable's query returns the values the traffic must produce.
Each query is run with the variables at All (.*) and at concrete values (cluster ci-cluster, the
host's namespace, workload checkout), $__rate_interval = 2m and $__range = 10m; then once more
("exact") with $__rate_interval = $__range = 10m at the time of the agent's last sample, where
rate() and increase() are exact (no extrapolation: the links appeared within the range, their first
sample is 0, and the range ends on a sample), and the values are asserted exactly: the bytes/s, new
connections/s and failures of the traffic (every link of it was born within the range).

VictoriaMetrics (MetricsQL) computes rate() without Prometheus' extrapolation to the range's ends
and divides by the time its samples span, not by the range: rate(x[d]) at t is (the last sample in
(t-d, t] minus the sample before that window, or the window's first sample when there is none,
as here) / (the time between those two samples). Prometheus' rate() over the same range divides the
same increase by d (its extrapolation adds nothing here: the series start at 0 and the range ends
on a sample). So in the exact scenario VictoriaMetrics' rate of a link born within the range is its
total over the span of its own samples, which is what is asserted there (that span read from the
raw samples, x[d] at the same time); increase() is the same in both (the first sample is 0, which
VictoriaMetrics, with no sample before the window, takes as the counter's start)."""
import importlib.util
import json
import os
import re
import socket
import sys
import time

from promql import Prometheus

url, dash_dir = sys.argv[1], sys.argv[2]
send, reply, conns, refused = map(int, sys.argv[3:7])
BACKEND = sys.argv[7] if len(sys.argv) > 7 else "prometheus"
if BACKEND not in ("prometheus", "victoriametrics"):
    sys.exit(f"check_dashboards.py: BACKEND must be prometheus or victoriametrics, was {BACKEND}")
WINDOW = 600  # $__range and, in the exact scenario, $__rate_interval, in seconds
prom = Prometheus(url)
host = socket.gethostname()
CHECKOUT, ORDERS = f"{host}/Process/checkout", f"{host}/Process/orders-api"
EXTERNAL = "external/External/198.19.77.99"
failures = []


def check(what, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + str(detail) if detail != '' else ''}")
    if not ok:
        failures.append(what)


# The JSON files are what generate.py makes.
spec = importlib.util.spec_from_file_location("generate", os.path.join(dash_dir, "generate.py"))
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)
boards = {}
for name, fn in (("chelonia-service-map.json", generate.service_map), ("chelonia-links.json", generate.links_dashboard)):
    with open(os.path.join(dash_dir, name)) as f:
        boards[name] = json.load(f)
    check(f"{name} is up to date with generate.py", boards[name] == json.loads(json.dumps(fn())))


def substitute(expr, values):
    return re.sub(r"\$\{?(\w+)\}?", lambda m: values.get(m.group(1), m.group(0)), expr)


def queried(board):
    """The panels that run queries: a row panel (the Agent-cost row) only groups, it has no targets."""
    return [panel for panel in board["panels"] if panel.get("targets")]


def range_query(expr, now):
    """The panel's range query. VictoriaMetrics 1.79 now and then answered one with no series (seen
    on "Failed connections per second", whose series were seconds old) when the same query a second
    later, and its instant queries, had them: there it is asked again, for at most 5 s, and the
    wait is printed."""
    result = prom.query_range(expr, now - 600, now, 5)
    started = time.monotonic()
    while BACKEND == "victoriametrics" and not result and time.monotonic() - started < 5:
        time.sleep(1)
        result = prom.query_range(expr, now - 600, now, 5)
    if BACKEND == "victoriametrics" and time.monotonic() - started >= 1:
        print(f"  VictoriaMetrics: the range query had series {time.monotonic() - started:.0f} s later: {bool(result)}")
    return result


def frames_of(panel, values, now):
    frames = []
    targets = panel["targets"]
    for t in targets:
        expr = substitute(t["expr"], values)
        value_name = "Value" if len(targets) == 1 else f"Value #{t['refId']}"
        if t.get("instant", True):
            rows = [dict(labels, **{value_name: v}) for labels, v in prom.query(expr, at=now)]
        else:
            rows = [dict(labels, **{value_name: vals[-1]}) for labels, vals in range_query(expr, now)]
        frames.append({"refId": t["refId"], "rows": rows, "expr": expr})
    return frames


def matches(transformation, frame):
    f = transformation.get("filter")
    if not f:
        return True
    pattern = f["options"]
    return bool(re.search(pattern.strip("/"), frame["refId"])) if pattern.startswith("/") else pattern == frame["refId"]


def transform(panel, frames):
    for tr in panel.get("transformations", []):
        chosen = [f for f in frames if matches(tr, f)]
        rest = [f for f in frames if not matches(tr, f)]
        if tr["id"] == "merge" and chosen:
            # Grafana's merge: rows whose label columns are equal become one row.
            merged = {}
            for f in chosen:
                for row in f["rows"]:
                    key = tuple(sorted((k, v) for k, v in row.items() if not k.startswith("Value")))
                    merged.setdefault(key, dict(key)).update(row)
            chosen = [{"refId": chosen[0]["refId"], "rows": list(merged.values())}]
        elif tr["id"] == "organize":
            o = tr["options"]
            for f in chosen:
                f["rows"] = [{o["renameByName"].get(k, k): v for k, v in row.items()
                              if not o["excludeByName"].get(k)} for row in f["rows"]]
        frames = rest + chosen
    return frames


def fields(frame):
    return set().union(*[set(r) for r in frame["rows"]]) if frame["rows"] else set()


def check_node_graph(panel, frames, scenario):
    edges = [f for f in frames if "source" in fields(f)]
    nodes = [f for f in frames if "id" in fields(f) and "source" not in fields(f)]
    check(f"[{scenario}] node graph: one nodes frame, one edges frame", len(edges) == 1 and len(nodes) == 1,
          f"{len(nodes)} nodes frames, {len(edges)} edges frames")
    if len(edges) != 1 or len(nodes) != 1:
        return
    nf, ef = fields(nodes[0]), fields(edges[0])
    check(f"[{scenario}] nodes fields", {"id", "title", "subtitle", "mainstat", "secondarystat"} <= nf, sorted(nf))
    check(f"[{scenario}] edges fields", {"id", "source", "target", "mainstat", "secondarystat"} <= ef, sorted(ef))
    ids = {r["id"]: r for r in nodes[0]["rows"]}
    dangling = [r["id"] for r in edges[0]["rows"] if r["source"] not in ids or r["target"] not in ids]
    check(f"[{scenario}] every edge joins two nodes", not dangling, dangling[:3])
    for node in (CHECKOUT, ORDERS, EXTERNAL):
        row = ids.get(node)
        ok = row is not None and row.get("title") == node.split("/")[-1]
        if node != EXTERNAL:
            ok = ok and (row.get("mainstat") or 0) > 0
        check(f"[{scenario}] node {node}", ok, row)
    by_id = {r["id"]: r for r in edges[0]["rows"]}
    e = by_id.get(f"{CHECKOUT} -> {ORDERS}")
    check(f"[{scenario}] edge checkout -> orders-api: throughput and RTT",
          e is not None and e.get("mainstat", 0) > 0 and 0 < (e.get("secondarystat") or 0) < 1000, e)
    e = by_id.get(f"{CHECKOUT} -> {EXTERNAL}")
    check(f"[{scenario}] edge checkout -> 198.19.77.99 (never answered)", e is not None and "detail__failures_per_s" in e, e)
    if scenario == "all":
        print("  nodes:")
        for r in sorted(nodes[0]["rows"], key=lambda r: r["id"]):
            print(f"    {r['id']:<45} title={r['title']!r} subtitle={r['subtitle']!r} "
                  f"mainstat={r.get('mainstat')} B/s secondarystat={r.get('secondarystat')} conn/s")
        print("  edges:")
        for r in sorted(edges[0]["rows"], key=lambda r: r["id"]):
            print(f"    {r['id']:<80} mainstat={r.get('mainstat')} B/s secondarystat={r.get('secondarystat')} ms "
                  f"failures/s={r.get('detail__failures_per_s')} retransmits/s={r.get('detail__retransmits_per_s')}")


def row_of(frame, **want):
    for r in frame["rows"]:
        if all(r.get(k) == v for k, v in want.items()):
            return r
    return None


def check_table(panel, frames, scenario):
    check(f"[{scenario}] {panel['title']}: one frame", len(frames) == 1, len(frames))
    frame = frames[0]
    if panel["title"] == "Top cross-zone links" and not frame["rows"]:
        # The pipeline's traffic is between processes of one host with no zone: the query is
        # evaluated, and empty. The kernel test ServiceBackendsKernelTest checks the zone labels.
        check(f"[{scenario}] {panel['title']}: evaluated, no zone in this traffic", True)
        return
    if panel["title"] in ("External destinations by DNS name", "DNS errors by client and resolver") \
            and not frame["rows"]:
        # The pipeline's traffic is TCP to addresses: no UDP link, no DNS answer, no external end
        # known by a name. The queries are evaluated (a PromQL error fails the check), and empty;
        # UdpLinksKernelTest and LinkMetricsTest check the series they read.
        check(f"[{scenario}] {panel['title']}: evaluated, no UDP or DNS in this traffic", True)
        return
    rename = next(t for t in panel["transformations"] if t["id"] == "organize")["options"]["renameByName"]
    cols = fields(frame)
    wanted = {v for k, v in rename.items() if not k.startswith("Value")}
    values = {v for k, v in rename.items() if k.startswith("Value")}
    check(f"[{scenario}] {panel['title']}: columns", wanted <= cols and bool(values & cols) and frame["rows"],
          f"{len(frame['rows'])} rows, columns {sorted(cols)}")
    t = panel["title"]
    link = {"client": "checkout", "server": "orders-api", "port": "8080"}
    if t in ("Links", "Top talkers"):
        r = row_of(frame, **link)
        col = "client→server" if t == "Links" else "bytes/s"
        check(f"[{scenario}] {t}: checkout -> orders-api:8080 carries bytes", r is not None and r.get(col, 0) > 0, r)
    elif t == "Failed connections":
        r1 = row_of(frame, client="checkout", port="9", error="refused")
        r2 = row_of(frame, client="checkout", server="198.19.77.99", port="443")
        check(f"[{scenario}] {t}: 2 refused to port 9", r1 is not None and r1.get("since first seen") == 2
              and r1.get("failures in range", 0) > 0, r1)
        check(f"[{scenario}] {t}: 1 failure to 198.19.77.99:443", r2 is not None and r2.get("since first seen") == 1, r2)
    elif t == "RTT and retransmits per link":
        r = row_of(frame, **link)
        p95 = r is not None and (0 < r.get("p95 RTT (ms)", 0) <= 1000 if RTT_BUCKETS else "p95 RTT (ms)" not in r)
        check(f"[{scenario}] {t}: checkout -> orders-api RTT (p95 {'with' if RTT_BUCKETS else 'without'} RTT buckets)",
              r is not None and 0 < r.get("mean RTT (ms)", 0) < 1000 and p95 and r.get("retransmits/s", -1) >= 0, r)
    elif t == "Bytes by zone pair":
        r = row_of(frame, **{"client zone": "unknown", "server zone": "unknown"})
        check(f"[{scenario}] {t}: the host's links, zone unknown, carry bytes", r is not None and r.get("bytes/s", 0) > 0, r)
    elif t == "External destinations":
        r = row_of(frame, client="checkout", **{"destination (name or address)": "198.19.77.99", "port": "443"})
        check(f"[{scenario}] {t}: checkout -> 198.19.77.99:443", r is not None, r)


def check_timeseries(panel, frames, scenario):
    legend = set(re.findall(r"\{\{(\w+)\}\}", "".join(t.get("legendFormat", "") for t in panel["targets"])))
    rows = frames[0]["rows"]
    # `> 0`: empty when nothing was retransmitted; p95 RTT, when the agent exports no RTT buckets.
    optional = "Retransmits" in panel["title"] or ("p95" in panel["title"] and not RTT_BUCKETS)
    check(f"[{scenario}] {panel['title']}: series with the legend's labels {sorted(legend)}",
          (optional or rows) and all(legend <= set(r) for r in rows), f"{len(rows)} series")
    # The agent-cost row: one series for the test's node, its value plausible for one agent.
    bounds = {"Agent memory (RSS) per node": (16 << 20, 1 << 30), "Agent heap used per node": (1 << 20, 1 << 30),
              "Agent CPU per node": (1e-6, 2.0), "Agent GC time per node": (0.0, 1.0)}.get(panel["title"])
    if bounds:
        values = [float(r["Value"]) for r in rows]
        check(f"[{scenario}] {panel['title']}: ci-node's value within {bounds}",
              [r.get("k8s_node_name") for r in rows] == ["ci-node"] and all(bounds[0] <= v <= bounds[1] for v in values),
              values)


def check_variables(board, now):
    for var in board["templating"]["list"]:
        if var["type"] != "query":
            continue
        q = substitute(var["query"]["query"], {"cluster": ".*", "namespace": ".*"})
        if q.startswith("label_values("):
            metric, label = re.match(r"label_values\((.*), (\w+)\)", q).groups()
            got = {m.get(label, "") for m, _ in prom.query(f"count by ({label}) ({metric})", at=now)}
        else:
            inner = re.match(r"query_result\((.*)\)$", q).group(1)
            rx = re.compile(var["regex"].strip("/"))
            got = {rx.search("{" + ",".join(f'{k}="{v}"' for k, v in m.items()) + "}").group(1)
                   for m, _ in prom.query(inner, at=now)}
        want = {"cluster": {"ci-cluster"}, "namespace": {host, "external"}, "workload": {"checkout", "orders-api"}}[var["name"]]
        check(f"variable {var['name']}", want <= got, sorted(got)[:8])
        if var["name"] == "workload":
            # A socket that never connected (bound, not listening) is no link: no end named by the
            # unspecified address.
            check("no workload named by the unspecified address", not {"0.0.0.0", "::"} & got, sorted(got)[:8])


# rate() and increase() need two samples of a series. The unanswered connection is the last of the
# traffic (counted after its 1 s timeout and the agent's naming wait): the panels are read once its
# link has two samples in Prometheus, the export interval (1 s) after its first.
prom.wait('count_over_time(chelonia_link_connection_failures_total{server_address="198.19.77.99"}[10m])',
          lambda r: [v for _, v in r] and min(v for _, v in r) >= 2, 30, "two samples of the unanswered connection")
now = time.time()
# The agent's RTT histogram has buckets (--rtt-buckets=explicit) or only +Inf (the default: the mean).
RTT_BUCKETS = len(prom.query("count by (le) (chelonia_link_rtt_seconds_bucket)", at=now)) > 1
print(f"RTT buckets: {'explicit' if RTT_BUCKETS else 'none (the mean only)'}")
scenarios = {
    "all": {"cluster": ".*", "namespace": ".*", "workload": ".*"},
    "concrete": {"cluster": "ci-cluster", "namespace": host, "workload": "checkout"},
}
queries = 0
for name, board in boards.items():
    print(f"{name}:")
    check_variables(board, now)
    for scenario, values in scenarios.items():
        values = dict(values, __rate_interval="2m", __range="10m", datasource="chelonia-prometheus")
        for panel in queried(board):
            frames = transform(panel, frames_of(panel, values, now))
            queries += len(panel["targets"])
            {"nodeGraph": check_node_graph, "table": check_table, "timeseries": check_timeseries}[panel["type"]](
                panel, frames, scenario)
def close_to(value, want):
    return value is not None and abs(value - want) <= 1e-9 * max(1.0, abs(want))


LINK_SELECTOR = 'client_k8s_workload_name="checkout",server_port="8080",chelonia_observer="client"'
RATE_SERIES = {
    "bytes": f'chelonia_link_bytes_total{{{LINK_SELECTOR},network_io_direction="transmit"}}',
    "connections": f"chelonia_link_connections_total{{{LINK_SELECTOR}}}",
    "unanswered": 'chelonia_link_connection_failures_total{server_address="198.19.77.99"}',
}


def rate_divisors(at):
    """What rate() divides an increase by, per series of RATE_SERIES (see the module's docstring)."""
    if BACKEND == "prometheus":
        return {name: WINDOW for name in RATE_SERIES}
    divisors = {}
    for name, selector in RATE_SERIES.items():
        series = prom.samples(selector, WINDOW, at)
        check(f"[exact] {name}: one series with two samples or more in the range", len(series) == 1 and len(series[0][1]) >= 2,
              [(m.get("__name__"), len(s)) for m, s in series])
        times = [t for t, _ in series[0][1]] if series else [0, 1]
        # Timestamps are whole milliseconds; their difference as floats of epoch seconds is not.
        divisors[name] = round(times[-1] - times[0], 3)
        print(f"  VictoriaMetrics rate() of {name}: divided by the {divisors[name]:.3f} s its samples span, not {WINDOW} s")
    return divisors


def check_exact(board_name, panel, frames, span):
    """Exact values of the "exact" scenario (see the module's docstring)."""
    t = panel["title"]
    link = {"client": "checkout", "server": "orders-api", "port": "8080"}
    both = conns * (send + reply) / span["bytes"]
    if panel["type"] == "nodeGraph":
        nodes = next((f for f in frames if "id" in fields(f) and "source" not in fields(f)), {"rows": []})
        edges = next((f for f in frames if "source" in fields(f)), {"rows": []})
        by_id = {r["id"]: r for r in nodes["rows"]}
        for node in (CHECKOUT, ORDERS):
            r = by_id.get(node, {})
            check(f"[exact] node {node}: {both:.4f} B/s, {conns}/{span['connections']:.3f} connections/s",
                  close_to(r.get("mainstat"), both) and close_to(r.get("secondarystat"), conns / span["connections"]), r)
        by_edge = {r["id"]: r for r in edges["rows"]}
        e = by_edge.get(f"{CHECKOUT} -> {ORDERS}", {})
        check(f"[exact] edge checkout -> orders-api: {both:.4f} B/s", close_to(e.get("mainstat"), both), e)
        e = by_edge.get(f"{CHECKOUT} -> {EXTERNAL}", {})
        check("[exact] edge checkout -> 198.19.77.99: 1 failure in the range",
              close_to(e.get("detail__failures_per_s"), 1 / span["unanswered"]), e)
    elif t == "Links":
        r = row_of(frames[0], **link) or {}
        check("[exact] Links: checkout -> orders-api:8080 bytes/s each way, new connections/s",
              close_to(r.get("client→server"), conns * send / span["bytes"])
              and close_to(r.get("server→client"), conns * reply / span["bytes"])
              and close_to(r.get("new connections/s"), conns / span["connections"]) and r.get("open connections") == 0, r)
    elif t == "Top talkers":
        r = row_of(frames[0], **link) or {}
        check(f"[exact] Top talkers: checkout -> orders-api:8080 {both:.4f} B/s", close_to(r.get("bytes/s"), both), r)
    elif t == "Failed connections":
        r1 = row_of(frames[0], client="checkout", port="9", error="refused") or {}
        r2 = row_of(frames[0], client="checkout", server="198.19.77.99", port="443") or {}
        check(f"[exact] Failed connections: {refused} refused and 1 unanswered, all in the range",
              close_to(r1.get("failures in range"), refused) and close_to(r2.get("failures in range"), 1), (r1, r2))
    elif t == "Top talkers over time":
        r = next((r for r in frames[0]["rows"] if r.get("client_k8s_workload_name") == "checkout"
                  and r.get("server_k8s_workload_name") == "orders-api" and r.get("server_port") == "8080"), {})
        check(f"[exact] Top talkers over time: last point {both:.4f} B/s", close_to(r.get("Value"), both), r)


# The exact scenario: at the agent's last sample of the link (every series of one export shares it).
last = prom.query('timestamp(chelonia_link_bytes_total{client_k8s_workload_name="checkout",server_port="8080",'
                  'chelonia_observer="client",network_io_direction="transmit"})')
check("the link's last sample", len(last) == 1, last)
if len(last) == 1:
    at = last[0][1]
    span = rate_divisors(at)
    values = {"cluster": ".*", "namespace": ".*", "workload": ".*", "__rate_interval": f"{WINDOW}s",
              "__range": f"{WINDOW}s", "datasource": "chelonia-prometheus"}
    for name, board in boards.items():
        for panel in queried(board):
            frames = transform(panel, frames_of(panel, values, at))
            queries += len(panel["targets"])
            check_exact(name, panel, frames, span)
print(f"{queries} queries evaluated; " + (f"{len(failures)} failures" if failures else "every check passed"))
sys.exit(1 if failures else 0)
