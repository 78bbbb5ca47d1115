#!/usr/bin/env python3
"""The pipeline test's map check: `chelonia-agent map --prometheus` over the Prometheus the
Collector wrote to draws the link once, with the dashboards' counting rule.

usage: check_map.py MAP_URL SEND_BYTES REPLY_BYTES CONNECTIONS REFUSED

Both ends of checkout -> orders-api:8080 run on this machine, so Prometheus holds the link from
both observers; the map must give it once (the client's view), with the exact totals, and the
REFUSED attempts to port 9 as `refused` failures. A bad query parameter is a 400 with one line."""
import json
import sys
import time
import urllib.error
import urllib.request

url, send, reply, conns, refused = sys.argv[1], *map(int, sys.argv[2:6])
failures = []


def check(what, ok, detail):
    print(f"{'ok  ' if ok else 'FAIL'} map: {what}: {detail}")
    if not ok:
        failures.append(what)


def get(path):
    try:
        with urllib.request.urlopen(url + path, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


deadline = time.monotonic() + 60
while True:
    status, answer = get("/api/links")
    links = answer.get("links", []) if status == 200 else []
    served = [l for l in links if l["server_port"] == 8080 and l["client"]["name"] == "checkout"]
    # The machine's other traffic is in the map too (other tests refuse on port 9 as well).
    refusals = [l for l in links if l["server_port"] == 9 and l["client"]["name"] == "checkout"
                and l["connection_failures"].get("refused")]
    if (served and served[0]["bytes_client_to_server"] == conns * send and refusals
            and refusals[0]["connection_failures"]["refused"] == refused) or time.monotonic() > deadline:
        break
    time.sleep(1)

check("source", answer.get("source") == "prometheus", answer.get("source", answer))
check("checkout -> orders-api:8080 is one link, the client's view", len(served) == 1
      and served[0]["observer"] == "client" and served[0]["server"]["name"] == "orders-api",
      [(l["observer"], l["server"]) for l in served])
if served:
    link = served[0]
    check("its exact totals", (link["bytes_client_to_server"], link["bytes_server_to_client"], link["connections_opened"])
          == (conns * send, conns * reply, conns),
          (link["bytes_client_to_server"], link["bytes_server_to_client"], link["connections_opened"]))
    check("what Prometheus does not keep is null", link["first_seen"] is None and link["rtt"]["min_us"] is None
          and link["rtt"]["samples"] > 0, link["rtt"])
check("checkout's refused attempts on port 9", len(refusals) == 1 and refusals[0]["connection_failures"] == {"refused": refused},
      [(l["client"], l["server"], l["observer"], l["network_type"], l["connection_failures"]) for l in refusals])
status, answer = get("/api/links?node=ci-node")
check("an unknown query parameter is a 400 with one line", status == 400 and answer.get("error")
      == "unknown query parameter 'node': expected namespace, name, port, observer", (status, answer))
if failures:
    sys.exit(f"map: {len(failures)} check(s) failed: {', '.join(failures)}")
print("map: every check passed")
