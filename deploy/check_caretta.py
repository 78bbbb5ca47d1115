#!/usr/bin/env python3
"""Caretta's own Grafana dashboard (groundcover-com/caretta chart/dashboard.json) on the agent's
caretta_links_observed gauge (--caretta-compatible), evaluated against a real Prometheus after
deploy/test's traffic: its five queries and four variables, written here as that dashboard has them.

usage: check_caretta.py PROMETHEUS_URL SEND_BYTES REPLY_BYTES CONNECTIONS INTERVAL_SECONDS

Caretta's gauge counts the bytes the observing side sent: role 1 (client) CONNECTIONS * SEND_BYTES,
role 2 (server) CONNECTIONS * REPLY_BYTES, for `checkout` -> `orders-api`:8080. Every panel is built
on increase()/rate() over a subquery [$__range:$__interval]: the bytes of a link born within the
range count only because the agent shows a new series at zero first (and only if the subquery step,
$__interval, is below the collection interval, so that a step lands on that zero sample).
Evaluated at a whole second (the subquery's last step is the evaluation time) with
$__range = 10m, so increase() is exact (no extrapolation: the first step is 0, the last at the end)
and rate() = increase / 600.

The server's view may name the client by its address instead of `checkout` (a client socket a few
milliseconds old is not in the agent's index of socket owners yet): the figures that depend on the
client's name are checked summed over the client names; the rest exactly per node or edge."""
import math
import re
import socket
import sys
import time

from promql import Prometheus

url, send, reply, conns, interval = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
prom = Prometheus(url)
host = socket.gethostname()
RANGE = 600
CLIENT_BYTES, SERVER_BYTES = conns * send, conns * reply
failures = []


def check(what, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} caretta: {what}: {detail}")
    if not ok:
        failures.append(what)


# The selector every panel repeats, with the variables at All (.*, Caretta's allValue).
SEL = ('(caretta_links_observed{client_namespace=~"$namespace", client_kind=~"$kind", client_name=~"$workload", server_port=~"$port"}'
       ' or caretta_links_observed{server_namespace=~"$namespace", server_kind=~"$kind", server_name=~"$workload", server_port=~"$port"})')


def end(expr, side):
    e = f'label_replace({expr}, "detail__kind", "$1", "{side}_kind", "(.*)")'
    e = f'label_replace({e}, "subTitle", "$1", "{side}_namespace", "(.*)")'
    e = f'label_replace({e}, "title", "$1", "{side}_name", "(.*)")'
    return f'label_replace({e}, "id", "$1", "{side}_id", "(.*)")'


NODES = ('increase((sum by (id, title, subTitle, detail__kind, arc__color) (label_replace((' + end(SEL, "server")
         + ' or ' + end(SEL, "client") + '  ), "arc__color", "1", "link_id", "(.*)")) )[$__range:$__interval])  > 0')
EDGES = ('increase((sum by (id, source, target, mainStat) ((label_replace(label_replace(label_replace(label_replace('
         + SEL + ', "id", "$1", "link_id", "(.*)"), "source", "$1", "client_id", "(.*)"), "target", "$1", "server_id", "(.*)"),'
         ' "mainStat", "$1", "server_port", "(.*)"))) )[$__range:$__interval]) > 0')
PORTS = f'sum by (server_port) (increase({SEL}[$__range:$__interval])) > 0'
WORKLOADS = ('topk(8, sum by (client_name) ((rate(caretta_links_observed{client_namespace=~"$namespace", client_kind=~"$kind",'
             ' client_name=~"$workload", server_port=~"$port"}[$__range:$__interval]))))')
CONNECTIONS = ('topk(7, sum by (client_name, server_name) ( rate( (caretta_links_observed{client_namespace=~"$namespace",'
               ' client_kind=~"$kind", client_name=~"$workload", server_port=~"$port", client_kind!~"(node|external)",}'
               ' or caretta_links_observed{server_namespace=~"$namespace", server_kind=~"$kind", server_name=~"$workload",'
               ' server_port=~"$port", server_kind!~"(node|external)"})[$__range:$__interval]) ) )')
VALUES = {"namespace": ".*", "kind": ".*", "workload": ".*", "port": ".*", "__range": f"{RANGE}s", "__interval": interval}


def run(expr, at):
    # Only the dashboard's variables: "$1" in label_replace is a capture group, left as it is.
    return prom.query(re.sub(r"\$(\w+)", lambda m: VALUES.get(m.group(1), m.group(0)), expr), at=at)


def near(a, b):
    return a is not None and math.isclose(a, b, rel_tol=1e-9)


# Variables: query_result(caretta_links_observed) with Grafana's regexes over the printed series
# (labels in alphabetical order, so the greedy .* keeps the server's label), label_values(server_port).
printed = ["{" + ",".join(f'{k}="{v}"' for k, v in sorted(m.items()) if k != "__name__") + "}"
           for m, _ in prom.query("caretta_links_observed")]
for name, regex, want in (("namespace", r'.*_namespace="([^"]*).*', {host, "external"}),
                          ("kind", r'.*_kind="([^"]*).*', {"Process", "external"}),
                          ("workload", r'.*_name="([^"]*).*', {"orders-api", "198.19.77.99"})):
    got = {m.group(1) for m in (re.search(regex, p) for p in printed) if m}
    check(f"variable {name}", want <= got, sorted(got))
ports = {m.get("server_port") for m, _ in prom.query("count by (server_port) (caretta_links_observed)")}
check("variable port", {"8080", "9", "443"} <= ports, sorted(ports))

at = math.floor(time.time())
ids = {}
for m, _ in prom.query('caretta_links_observed{server_port="8080",role="1"}', at=at):
    ids = {"checkout": m["client_id"], "orders-api": m["server_id"]}
check("the client's view of checkout -> orders-api:8080 is there", len(ids) == 2, ids)

# Other tests may run on this machine at the same time: only the links to orders-api:8080 are
# this traffic, so sums are taken over their clients (checkout, or its address in the server's view).
edges = [(m, v) for m, v in run(EDGES, at)]
to_orders = [(m, v) for m, v in edges if m.get("target") == ids.get("orders-api") and m.get("mainStat") == "8080"]
client_edge = [v for m, v in to_orders if m.get("source") == ids.get("checkout")]
clients = {m.get("source") for m, _ in to_orders}
nodes = {m["id"]: (m, v) for m, v in run(NODES, at)}
server_node = nodes.get(ids.get("orders-api"), ({}, None))
check("node orders-api: every byte of its links (both roles)",
      server_node[0].get("title") == "orders-api" and server_node[0].get("subTitle") == host
      and near(server_node[1], CLIENT_BYTES + SERVER_BYTES), server_node)
client_node = nodes.get(ids.get("checkout"), ({}, None))
others = sum(v for i, (m, v) in nodes.items() if i in clients)
check("node checkout: at least what it sent, its links' bytes with the other names of the same client",
      client_node[0].get("title") == "checkout" and client_node[1] is not None and client_node[1] >= CLIENT_BYTES
      and near(others, CLIENT_BYTES + SERVER_BYTES), f"checkout {client_node[1]}, all client nodes {others}")

check("edges to orders-api:8080: the client's and the server's views, every byte",
      near(sum(v for _, v in to_orders), CLIENT_BYTES + SERVER_BYTES) and any(near(v, CLIENT_BYTES) for v in client_edge),
      sorted(v for _, v in to_orders))

port = {m.get("server_port"): v for m, v in run(PORTS, at)}
check("Active Ports: 8080", near(port.get("8080"), CLIENT_BYTES + SERVER_BYTES), port)

connections = {(m.get("client_name"), m.get("server_name")): v for m, v in run(CONNECTIONS, at)}
to_server = {k: v for k, v in connections.items() if k[1] == "orders-api"}
client_names = {client for client, _ in to_server}

workloads = {m.get("client_name"): v for m, v in run(WORKLOADS, at)}
check("Top Throughput Workloads: checkout at least its own bytes/s, the clients of orders-api every byte/s",
      workloads.get("checkout", 0) >= CLIENT_BYTES / RANGE * (1 - 1e-9)
      and near(sum(v for k, v in workloads.items() if k in client_names), (CLIENT_BYTES + SERVER_BYTES) / RANGE),
      workloads)

check("Top Throughput Connections: -> orders-api, every byte/s",
      near(sum(to_server.values()), (CLIENT_BYTES + SERVER_BYTES) / RANGE)
      and to_server.get(("checkout", "orders-api"), 0) >= CLIENT_BYTES / RANGE * (1 - 1e-9), connections)

print(f"caretta: {len(failures)} failures" if failures else "caretta: every check passed")
sys.exit(1 if failures else 0)
