#!/usr/bin/env python3
"""Checks what the chart renders, beyond the API schema: least privilege and wiring.

usage: check_chart.py RENDERED_DIR   (default.yaml, full-values.yaml, otlp-forward-values.yaml,
as rendered by deploy/test with release name `chelonia` in namespace `chelonia`)"""
import json
import os
import sys

import yaml

out = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
failures = []


def check(what, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + str(detail) if detail != '' else ''}")
    if not ok:
        failures.append(what)


def load(name):
    with open(os.path.join(out, name)) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def env_of(container):
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def read(path):
    with open(os.path.join(root, path)) as f:
        return f.read()


# No SYS_ADMIN: with hostPID the harvest reaches every network namespace without setns(2).
MODERN = ["BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE", "DAC_READ_SEARCH", "NET_ADMIN"]
LEGACY = ["SYS_ADMIN", "SYS_RESOURCE", "SYS_PTRACE", "DAC_READ_SEARCH", "NET_ADMIN"]
RULES = [{"apiGroups": [""], "resources": ["pods", "services", "nodes"], "verbs": ["get", "list", "watch"]},
         {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["get", "list", "watch"]},
         {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch"]}]

for name, caps, docker, pipeline in (("default.yaml", MODERN, False, "collector.yaml"),
                                     ("full-values.yaml", LEGACY, True, "collector.yaml"),
                                     ("otlp-forward-values.yaml", MODERN, False, "collector-otlp-forward.yaml")):
    print(f"{name}:")
    objs = load(name)
    ds = objs[("DaemonSet", "chelonia-agent")]
    pod = ds["spec"]["template"]["spec"]
    c = pod["containers"][0]
    sc = c["securityContext"]
    check("agent: hostPID and hostNetwork", pod.get("hostPID") is True and pod.get("hostNetwork") is True)
    check("agent: cluster DNS on the host network", pod.get("dnsPolicy") == "ClusterFirstWithHostNet")
    check("agent: not privileged, read-only root", sc.get("privileged") is False and sc.get("readOnlyRootFilesystem") is True)
    check("agent: capabilities", sc["capabilities"] == {"drop": ["ALL"], "add": caps}, sc["capabilities"])
    check("agent: privilege escalation only with SYS_ADMIN (legacy)",
          sc.get("allowPrivilegeEscalation") is ("SYS_ADMIN" in caps), sc.get("allowPrivilegeEscalation"))
    check("agent: seccomp RuntimeDefault", sc.get("seccompProfile") == {"type": "RuntimeDefault"})
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    host_mounts = {p: m for p, m in mounts.items() if "hostPath" in volumes[m["name"]]}
    check("agent: every host path read-only", all(m.get("readOnly") for m in host_mounts.values()), sorted(host_mounts))
    want_host = {"/sys/kernel/btf", "/run/netns"} | ({"/var/run/docker.sock"} if docker else set())
    check("agent: host paths", set(host_mounts) == want_host, sorted(host_mounts))
    env = env_of(c)
    check("agent: node name from the downward API",
          env.get("CHELONIA_NODE_NAME") == {"fieldRef": {"fieldPath": "spec.nodeName"}}, env.get("CHELONIA_NODE_NAME"))
    check("agent: OTLP to the chart's Collector Service",
          env.get("OTEL_EXPORTER_OTLP_ENDPOINT") == "http://chelonia-collector:4317"
          and ("Service", "chelonia-collector") in objs
          and 4317 in [p["port"] for p in objs[("Service", "chelonia-collector")]["spec"]["ports"]],
          env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    for probe in ("livenessProbe", "readinessProbe"):
        check(f"agent: {probe} on its own /metrics", c[probe]["httpGet"] == {"path": "/metrics", "port": "metrics"}
              and c["ports"][0]["containerPort"] == int(env["OTEL_EXPORTER_PROMETHEUS_PORT"]))
    check("agent: map page on, on the node's loopback, no host port claimed for it",
          env.get("CHELONIA_MAP") == "true" and env.get("CHELONIA_MAP_BIND_ADDRESS") == "127.0.0.1"
          and env.get("CHELONIA_MAP_PORT") == "9465"
          and [p["containerPort"] for p in c["ports"]] == [int(env["OTEL_EXPORTER_PROMETHEUS_PORT"])],
          (env.get("CHELONIA_MAP"), env.get("CHELONIA_MAP_BIND_ADDRESS"), c["ports"]))
    check("agent: resources", c["resources"] == {"requests": {"cpu": "100m", "memory": "192Mi"},
                                                 "limits": {"cpu": "500m", "memory": "256Mi"}}, c["resources"])
    check("agent: heap capped below the memory limit", env_of(c).get("JAVA_OPTS") == "-Xmx96m", env_of(c).get("JAVA_OPTS"))
    check("agent: runs on every node", {"operator": "Exists"} in pod.get("tolerations", []))
    role = objs[("ClusterRole", "chelonia")]
    check("rbac: read-only, only the kinds resolved", role["rules"] == RULES, json.dumps(role["rules"]))
    binding = objs[("ClusterRoleBinding", "chelonia")]
    check("rbac: bound to the agent's ServiceAccount",
          binding["subjects"] == [{"kind": "ServiceAccount", "name": pod["serviceAccountName"], "namespace": "chelonia"}]
          and ("ServiceAccount", pod["serviceAccountName"]) in objs)
    cm = objs[("ConfigMap", "chelonia-collector")]
    check(f"collector: ConfigMap is collector-config/{pipeline}", cm["data"]["collector.yaml"].strip() == read(f"collector-config/{pipeline}").strip())
    col = objs[("Deployment", "chelonia-collector")]["spec"]["template"]["spec"]["containers"][0]
    cenv = env_of(col)
    if pipeline == "collector.yaml":
        want = ("http://mimir.example.com/api/v1/push" if docker else "http://prometheus.monitoring.svc:9090/api/v1/write")
        check("collector: remote-write endpoint", cenv.get("PROMETHEUS_REMOTE_WRITE_ENDPOINT") == want, cenv.get("PROMETHEUS_REMOTE_WRITE_ENDPOINT"))
    else:
        check("collector: vendor endpoint and token from a Secret", cenv.get("OTLP_FORWARD_ENDPOINT") == "otlp.vendor.example.com:4317"
              and cenv.get("OTLP_FORWARD_AUTH_HEADER") == {"secretKeyRef": {"name": "vendor-otlp-token", "key": "authorization"}})
    check("collector: non-root, read-only root, no capabilities",
          col["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}})
    optional = [k for k in objs if "prometheus" in k[1] or "grafana" in k[1]]
    if not docker:
        check("prometheus and grafana off by default", not optional, optional)
    else:
        prom = objs[("Deployment", "chelonia-prometheus")]["spec"]["template"]["spec"]["containers"][0]
        check("prometheus: remote-write receiver on", "--web.enable-remote-write-receiver" in prom["args"])
        prov = yaml.safe_load(objs[("ConfigMap", "chelonia-grafana-provisioning")]["data"]["datasources.yaml"])
        check("grafana: datasource is the chart's Prometheus",
              prov["datasources"][0]["url"] == "http://chelonia-prometheus:9090" and prov["datasources"][0]["uid"] == "chelonia-prometheus")
        boards = objs[("ConfigMap", "chelonia-grafana-dashboards")]["data"]
        want = {f for f in os.listdir(os.path.join(root, "dashboards")) if f.endswith(".json")}
        check("grafana: every dashboard provisioned, as in dashboards/", set(boards) == want
              and all(json.loads(boards[f]) == json.loads(read(f"dashboards/{f}")) for f in want), sorted(boards))

print(f"{len(failures)} failures" if failures else "chart: every check passed")
sys.exit(1 if failures else 0)
