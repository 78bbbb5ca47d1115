#!/usr/bin/env python3
"""The image test's assertion: the agent in its container traced the test traffic.

usage: check_scrape.py METRICS_URL PORT SEND_BYTES REPLY_BYTES CONNECTIONS

Reads the agent's Prometheus endpoint and checks the link to 198.19.77.2:PORT (the agent runs with
--addresses): seen by the client with the exact bytes each way, its ends named `checkout` and
`orders-api` (names come from /proc of the host: hostPID and CAP_SYS_PTRACE at work), and seen by
the server (in another network namespace) with the same totals."""
import re
import sys
import urllib.request

url, port, send, reply, conns = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
with urllib.request.urlopen(url, timeout=10) as resp:
    text = resp.read().decode()

LINE = re.compile(r'^chelonia_link_bytes_total\{(.*)\} (\S+)', re.M)
series = []
for labels, value in LINE.findall(text):
    m = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels))
    if m.get("server_address") == "198.19.77.2" and m.get("server_port") == port:
        series.append((m, float(value)))

totals = {}
for m, v in series:
    key = (m["chelonia_observer"], m["network_io_direction"])
    totals[key] = totals.get(key, 0) + v
want = {(o, "transmit"): conns * send for o in ("client", "server")}
want.update({(o, "receive"): conns * reply for o in ("client", "server")})
names = {(m["client_k8s_workload_name"], m["server_k8s_workload_name"]) for m, _ in series if m["chelonia_observer"] == "client"}
for key in sorted(want):
    print(f"{key[0]:>6} {key[1]:<8} {totals.get(key, 0):>12.0f} bytes (want {want[key]})")
print(f"names seen by the client: {sorted(names)}")
ok = totals == want and names == {("checkout", "orders-api")}
print("image: the link is on /metrics with the exact bytes" if ok else "image: not (yet) the expected link")
sys.exit(0 if ok else 1)
