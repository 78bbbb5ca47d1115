#!/usr/bin/env python3
"""Checks what the chart renders, beyond the API schema: least privilege and wiring.

usage: check_chart.py RENDERED_DIR   (default.yaml, full-values.yaml, otlp-forward-values.yaml,
as rendered by deploy/test with release name `chelonia` in namespace `chelonia`)"""
import hashlib
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


def check_collector_tls(objs, pod, agent, tls):
    """collector.tls: receivers on TLS from a Secret, the agents trusting its ca.crt alone (mTLS: and
    presenting their own certificate)."""
    env = env_of(agent)
    otlp_env = {k: v for k, v in env.items() if k.startswith("OTEL_EXPORTER_OTLP_") and k != "OTEL_EXPORTER_OTLP_ENDPOINT"}
    cm = objs[("ConfigMap", "chelonia-collector")]["data"]
    col = objs[("Deployment", "chelonia-collector")]["spec"]["template"]["spec"]
    if not tls:
        check("collector: no TLS unless asked", "tls.yaml" not in cm and not otlp_env
              and "--config=/conf/tls.yaml" not in col["containers"][0]["args"], otlp_env)
        return
    check("agent: trusts the Collector's CA, presents its client certificate", otlp_env == {
        "OTEL_EXPORTER_OTLP_CERTIFICATE": "/etc/chelonia/collector-ca/ca.crt",
        "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/etc/chelonia/otlp-client/tls.crt",
        "OTEL_EXPORTER_OTLP_CLIENT_KEY": "/etc/chelonia/otlp-client/tls.key"}, otlp_env)
    volumes = {v["name"]: v for v in pod["volumes"]}
    check("agent: only ca.crt of the Collector's Secret (never its key)",
          volumes.get("collector-ca", {}).get("secret") == {"secretName": "chelonia-collector-tls",
                                                            "items": [{"key": "ca.crt", "path": "ca.crt"}]},
          volumes.get("collector-ca"))
    check("agent: its client certificate from its own Secret",
          volumes.get("otlp-client", {}).get("secret") == {"secretName": "chelonia-agent-otlp-client"})
    mounts = {m["name"]: m["mountPath"] for m in agent["volumeMounts"]}
    check("agent: both mounted where the environment says",
          mounts.get("collector-ca") == "/etc/chelonia/collector-ca" and mounts.get("otlp-client") == "/etc/chelonia/otlp-client", mounts)
    want = {"cert_file": "/tls/tls.crt", "key_file": "/tls/tls.key", "client_ca_file": "/tls/ca.crt"}
    overlay = yaml.safe_load(cm.get("tls.yaml", "{}"))
    check("collector: both receivers on TLS, client certificates required",
          overlay == {"receivers": {"otlp": {"protocols": {"grpc": {"tls": want}, "http": {"tls": want}}}}}, overlay)
    check("collector: tls.yaml merged over the pipeline",
          col["containers"][0]["args"] == ["--config=/conf/collector.yaml", "--config=/conf/tls.yaml"])
    check("collector: its Secret mounted at /tls",
          {"name": "tls", "secret": {"secretName": "chelonia-collector-tls"}} in col["volumes"]
          and {"name": "tls", "mountPath": "/tls", "readOnly": True} in col["containers"][0]["volumeMounts"])


def check_metrics_proxy(objs, pod, port):
    """kube-rbac-proxy beside the agent: HTTPS on the node's IP, the agent's port, token checked."""
    proxy = next((x for x in pod["containers"] if x["name"] == "metrics-proxy"), None)
    check("metrics proxy: a second container", proxy is not None, [x["name"] for x in pod["containers"]])
    if proxy is None:
        return
    args = proxy["args"]
    check("metrics proxy: HTTPS on the node's IP, the agent's port, upstream on the node's loopback",
          f"--secure-listen-address=[$(NODE_IP)]:{port}" in args and f"--upstream=http://127.0.0.1:{port}/" in args
          and "--allow-paths=/metrics" in args
          and env_of(proxy).get("NODE_IP") == {"fieldRef": {"fieldPath": "status.hostIP"}}, args)
    check("metrics proxy: serving certificate from the Secret",
          "--tls-cert-file=/etc/metrics-proxy-tls/tls.crt" in args
          and {"name": "metrics-proxy-tls", "secret": {"secretName": "chelonia-metrics-tls"}} in pod["volumes"], args)
    check("metrics proxy: claims the port", [(p["name"], p["containerPort"]) for p in proxy["ports"]] == [("https-metrics", port)])
    sc = proxy["securityContext"]
    check("metrics proxy: non-root, no capabilities, read-only root",
          sc.get("runAsUser") == 65534 and sc.get("allowPrivilegeEscalation") is False
          and sc.get("readOnlyRootFilesystem") is True and sc["capabilities"] == {"drop": ["ALL"]}, sc)
    role = objs[("ClusterRole", "chelonia-metrics-proxy")]
    check("metrics proxy: may only create TokenReviews and SubjectAccessReviews", role["rules"] == [
        {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
        {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]}], role["rules"])
    binding = objs[("ClusterRoleBinding", "chelonia-metrics-proxy")]
    check("metrics proxy: bound to the agent's ServiceAccount",
          binding["subjects"][0]["name"] == pod["serviceAccountName"] and binding["roleRef"]["name"] == "chelonia-metrics-proxy")
    reader = objs[("ClusterRole", "chelonia-metrics-reader")]
    check("metrics proxy: a reader role for scrapers", reader["rules"] == [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}])
    svc = objs[("Service", "chelonia-agent-metrics")]["spec"]
    check("metrics proxy: headless Service on the proxy's port",
          svc["clusterIP"] == "None" and svc["ports"][0]["targetPort"] == "https-metrics", svc)


def check_seccomp(objs, pod, agent, seccomp, kubelet_root):
    """agent.seccompProfile: Localhost, the chart's profile installed on the node by an init container
    running under the runtime's default profile; or RuntimeDefault, nothing written on the node."""
    sc = agent["securityContext"]
    init = pod.get("initContainers", [])
    profile = read("helm/chelonia/files/seccomp/chelonia-agent.json")
    annotations = objs[("DaemonSet", "chelonia-agent")]["spec"]["template"]["metadata"].get("annotations", {})
    check("agent: no pod-level seccomp profile (the init container cannot run under the agent's)",
          "seccompProfile" not in pod.get("securityContext", {}), pod.get("securityContext"))
    if seccomp == "RuntimeDefault":
        check("agent: seccomp RuntimeDefault, no init container, nothing written on the node",
              sc.get("seccompProfile") == {"type": "RuntimeDefault"} and not init
              and ("ConfigMap", "chelonia-seccomp") not in objs
              and "chelonia.io/seccomp-profile-sha256" not in annotations, (sc.get("seccompProfile"), init))
        return
    check("agent: seccomp Localhost, the chart's profile",
          sc.get("seccompProfile") == {"type": "Localhost", "localhostProfile": "chelonia/chelonia-agent.json"},
          sc.get("seccompProfile"))
    cm = objs.get(("ConfigMap", "chelonia-seccomp"), {}).get("data", {})
    check("seccomp: ConfigMap is files/seccomp/chelonia-agent.json",
          list(cm) == ["chelonia-agent.json"] and json.loads(cm["chelonia-agent.json"]) == json.loads(profile))
    doc = json.loads(profile)
    check("seccomp: default refuse (EPERM), x86_64 and aarch64, one allow list",
          doc["defaultAction"] == "SCMP_ACT_ERRNO" and doc["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]
          and [r["action"] for r in doc["syscalls"]] == ["SCMP_ACT_ALLOW"]
          and {"bpf", "clone3", "futex", "rseq", "execve"} <= set(doc["syscalls"][0]["names"]),
          (doc["defaultAction"], doc["architectures"]))
    check("seccomp: the pod template changes with the profile (sha256 annotation)",
          annotations.get("chelonia.io/seccomp-profile-sha256") == hashlib.sha256(profile.encode()).hexdigest(),
          annotations.get("chelonia.io/seccomp-profile-sha256"))
    names = [c["name"] for c in init]
    check("seccomp: one init container installs the profile", names == ["seccomp-profile"], names)
    if names != ["seccomp-profile"]:
        return
    c = init[0]
    isc = c["securityContext"]
    check("seccomp installer: runtime's default profile, no capabilities, no escalation, read-only root",
          isc.get("seccompProfile") == {"type": "RuntimeDefault"} and isc["capabilities"] == {"drop": ["ALL"]}
          and isc.get("allowPrivilegeEscalation") is False and isc.get("privileged") is False
          and isc.get("readOnlyRootFilesystem") is True, isc)
    check("seccomp installer: the agent's image", c["image"] == agent["image"], c["image"])
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    check("seccomp installer: the ConfigMap read-only, the kubelet's directory for the profile writable",
          volumes[mounts["/etc/chelonia/seccomp"]["name"]].get("configMap") == {"name": "chelonia-seccomp"}
          and mounts["/etc/chelonia/seccomp"].get("readOnly") is True
          and volumes[mounts["/host-seccomp"]["name"]].get("hostPath")
          == {"path": f"{kubelet_root}/seccomp/chelonia", "type": "DirectoryOrCreate"}, sorted(mounts))
    script = " ".join(c["command"] + c["args"])
    check("seccomp installer: copies, then renames into place as chelonia-agent.json",
          "cp /etc/chelonia/seccomp/chelonia-agent.json /host-seccomp/.chelonia-agent.json.new" in script
          and "mv -f /host-seccomp/.chelonia-agent.json.new /host-seccomp/chelonia-agent.json" in script, script)
    check("seccomp installer: small resources", c["resources"]["limits"] == {"memory": "32Mi"}, c["resources"])


# No SYS_ADMIN: with hostPID the harvest reaches every network namespace without setns(2).
MODERN = ["BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE", "DAC_READ_SEARCH", "NET_ADMIN"]
LEGACY = ["SYS_ADMIN", "SYS_RESOURCE", "SYS_PTRACE", "DAC_READ_SEARCH", "NET_ADMIN"]
RULES = [{"apiGroups": [""], "resources": ["pods", "services", "nodes"], "verbs": ["get", "list", "watch"]},
         {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["get", "list", "watch"]},
         {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch"]}]

for name, caps, docker, pipeline, seccomp, kubelet_root in (
        ("default.yaml", MODERN, False, "collector.yaml", "Localhost", "/var/lib/kubelet"),
        ("full-values.yaml", LEGACY, True, "collector.yaml", "Localhost", "/var/lib/k0s/kubelet"),
        ("otlp-forward-values.yaml", MODERN, False, "collector-otlp-forward.yaml", "RuntimeDefault", None)):
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
    check_seccomp(objs, pod, c, seccomp, kubelet_root)
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    host_mounts = {p: m for p, m in mounts.items() if "hostPath" in volumes[m["name"]]}
    check("agent: every host path read-only", all(m.get("readOnly") for m in host_mounts.values()), sorted(host_mounts))
    want_host = {"/sys/kernel/btf", "/run/netns"} | ({"/var/run/docker.sock"} if docker else set())
    check("agent: host paths", set(host_mounts) == want_host, sorted(host_mounts))
    env = env_of(c)
    want = {"CHELONIA_RTT_BUCKETS": "explicit", "CHELONIA_OBSERVERS": "all", "CHELONIA_SCRAPE_INTERVAL": "30"} if docker \
        else {"CHELONIA_RTT_BUCKETS": "none", "CHELONIA_OBSERVERS": "once", "CHELONIA_SCRAPE_INTERVAL": "0"}
    check("agent: RTT buckets, observers and scrape interval from the values",
          {k: env.get(k) for k in want} == want, {k: env.get(k) for k in want})
    check("agent: node name from the downward API",
          env.get("CHELONIA_NODE_NAME") == {"fieldRef": {"fieldPath": "spec.nodeName"}}, env.get("CHELONIA_NODE_NAME"))
    # The vendor variant's values also turn mTLS between agents and Collector on.
    tls = pipeline != "collector.yaml"
    check("agent: OTLP to the chart's Collector Service",
          env.get("OTEL_EXPORTER_OTLP_ENDPOINT") == ("https" if tls else "http") + "://chelonia-collector:4317"
          and ("Service", "chelonia-collector") in objs
          and 4317 in [p["port"] for p in objs[("Service", "chelonia-collector")]["spec"]["ports"]],
          env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    check_collector_tls(objs, pod, c, tls)
    metrics_port = int(env["OTEL_EXPORTER_PROMETHEUS_PORT"])
    check("agent: Prometheus endpoint on the node's loopback only",
          env.get("OTEL_EXPORTER_PROMETHEUS_HOST") == "127.0.0.1", env.get("OTEL_EXPORTER_PROMETHEUS_HOST"))
    for probe in ("livenessProbe", "readinessProbe"):
        check(f"agent: {probe} on its own /metrics, through the node's loopback",
              c[probe]["httpGet"] == {"host": "127.0.0.1", "path": "/metrics", "port": metrics_port}, c[probe]["httpGet"])
    # With the proxy (full values), the proxy claims the node's port; without, the agent does.
    proxied = docker
    check("agent: map page on, on the node's loopback, no host port claimed for it",
          env.get("CHELONIA_MAP") == "true" and env.get("CHELONIA_MAP_BIND_ADDRESS") == "127.0.0.1"
          and env.get("CHELONIA_MAP_PORT") == "9465"
          and [p["containerPort"] for p in c.get("ports", [])] == ([] if proxied else [metrics_port]),
          (env.get("CHELONIA_MAP"), env.get("CHELONIA_MAP_BIND_ADDRESS"), c.get("ports")))
    containers = [x["name"] for x in pod["containers"]]
    if not proxied:
        check("agent: no metrics proxy by default", containers == ["agent"], containers)
    else:
        check_metrics_proxy(objs, pod, metrics_port)
    check("agent: resources", c["resources"] == {"requests": {"cpu": "100m", "memory": "160Mi"},
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
        # Full values: Mimir's tenant header, merged over the pipeline; none by default.
        headers = {"exporters": {"prometheus_remote_write": {"http": {"headers": {"X-Scope-OrgID": "ci-tenant"}}}}}
        overlay = yaml.safe_load(cm["data"].get("remote-write.yaml", "{}")) or {}
        check("collector: remote-write headers merged over the pipeline only when set",
              (overlay == headers and "--config=/conf/remote-write.yaml" in col["args"]) if docker
              else (overlay == {} and "--config=/conf/remote-write.yaml" not in col["args"]), (overlay, col["args"]))
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
