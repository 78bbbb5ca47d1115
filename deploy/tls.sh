# OTLP/gRPC over TLS and mTLS to the real Collector: the `tls` test of deploy/test, sourced by it
# (uses its helpers: log, fail, wait_for, free_ports, polled, go_tool, PIDS, WORK, ROOT, DIST, PYTHON,
# HELM_VERSION). The Collector's TLS settings are the chart's own (collector.tls).

# A CA, a server certificate for 127.0.0.1 and a client certificate signed by it, and a second CA
# that signed nothing the Collector shows, in directory $1 (EC P-256 keys in PKCS#8, as openssl
# genpkey writes them).
make_certs() {
  local dir=$1 name
  mkdir -p "$dir"
  for name in ca other-ca; do
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 2 \
      -subj "/CN=chelonia test $name" -keyout "$dir/$name.key" -out "$dir/$name.crt" 2>/dev/null
  done
  for name in server client; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$dir/$name.key"
    openssl req -new -key "$dir/$name.key" -subj "/CN=chelonia test $name" -out "$dir/$name.csr"
  done
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
  printf 'extendedKeyUsage=clientAuth\n' >"$dir/client.ext"
  for name in server client; do
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
      -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  done
  # The Collector's Secret as the chart mounts it (tls.crt, tls.key, ca.crt).
  mkdir -p "$dir/collector"
  cp "$dir/server.crt" "$dir/collector/tls.crt"
  cp "$dir/server.key" "$dir/collector/tls.key"
  cp "$dir/ca.crt" "$dir/collector/ca.crt"
}

# The chart's receiver TLS settings (tls.yaml of the Collector's ConfigMap, with collector.tls on
# as in ci/otlp-forward-values.yaml), their /tls/ paths moved to directory $1.
chart_collector_tls() {
  local helm
  helm=$(go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION")
  "$helm" template chelonia "$ROOT/helm/chelonia" -n chelonia -f "$ROOT/helm/chelonia/ci/otlp-forward-values.yaml" \
    --show-only templates/collector.yaml 2>/dev/null \
    | "$PYTHON" -c 'import sys, yaml
print(next(d for d in yaml.safe_load_all(sys.stdin) if d and d["kind"] == "ConfigMap")["data"]["tls.yaml"])' \
    | sed "s#/tls/#$1/#g"
}

# The value of counter $2 on the agent's endpoint $1 (0 when absent).
agent_counter() {
  curl -sf "$1" | awk -v m="$2" '$1 == m || index($1, m "{") == 1 {v = $NF} END {print v + 0}'
}

# The agent's endpoint counts at least $1 failed exports.
export_failures_at_least() {
  (($(agent_counter "http://127.0.0.1:$TLS_AGENT_PORT/metrics" chelonia_agent_export_failures_total) >= $1))
}

# Starts the agent for 20 s, exporting every second to the TLS receiver: $1 its node name, $2 its
# log, then NAME=VALUE settings. The agent's endpoint is TLS_AGENT_PORT.
tls_agent() {
  local node=$1 log=$2
  shift 2
  env CHELONIA_NODE_NAME="$node" OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1 OTEL_EXPORTER_PROMETHEUS_PORT="$TLS_AGENT_PORT" \
    CHELONIA_MAP=false OTEL_EXPORTER_OTLP_ENDPOINT="https://127.0.0.1:$TLS_GRPC" OTEL_METRIC_EXPORT_INTERVAL=1000 "$@" \
    timeout 120 "$DIST/bin/chelonia-agent" run --duration 20 --poll-interval 1 >/dev/null 2>"$log" &
  TLS_AGENT=$!
  PIDS+=("$TLS_AGENT")
  wait_for 60 "agent ($node)" polled "http://127.0.0.1:$TLS_AGENT_PORT/metrics"
}

# The agent of node $1 has its chelonia_agent_polls_total in Prometheus $2.
series_arrived() {
  curl -sf "$2/api/v1/query" --data-urlencode "query=chelonia_agent_polls_total{k8s_node_name=\"$1\"}" \
    | jq -e '.data.result | length == 1' >/dev/null
}

test_tls() {
  local collector prom http health certs=$WORK/certs metrics failures
  collector=$(deploy/build-collector.sh)
  read -r prom TLS_GRPC http health TLS_AGENT_PORT < <(free_ports 5)
  metrics=http://127.0.0.1:$TLS_AGENT_PORT/metrics
  make_certs "$certs"
  printf 'global:\n  evaluation_interval: 15s\n' >"$WORK/prometheus-tls.yml"
  prometheus --config.file="$WORK/prometheus-tls.yml" --storage.tsdb.path="$WORK/prometheus-tls" \
    --web.listen-address="127.0.0.1:$prom" --web.enable-remote-write-receiver \
    >"$WORK/prometheus-tls.log" 2>&1 &
  PIDS+=($!)
  wait_for 60 prometheus curl -sf "http://127.0.0.1:$prom/-/ready"
  # The shipped configuration, then the chart's TLS settings (client certificates required) as the
  # chart merges them, then the free ports.
  chart_collector_tls "$certs/collector" >"$WORK/chart-tls.yaml"
  grep -q "client_ca_file: $certs/collector/ca.crt" "$WORK/chart-tls.yaml" \
    || fail "tls: the chart's tls.yaml asks no client certificate: $(cat "$WORK/chart-tls.yaml")"
  cat >"$WORK/tls-ports.yaml" <<EOF
receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:$TLS_GRPC"}, http: {endpoint: "127.0.0.1:$http"}}}}
extensions: {health_check: {endpoint: "127.0.0.1:$health"}}
service: {telemetry: {metrics: {level: none}}}
EOF
  PROMETHEUS_REMOTE_WRITE_ENDPOINT=http://127.0.0.1:$prom/api/v1/write \
    "$collector" --config="$ROOT/collector-config/collector.yaml" --config="$WORK/chart-tls.yaml" \
    --config="$WORK/tls-ports.yaml" >"$WORK/collector-tls.log" 2>&1 &
  PIDS+=($!)
  wait_for 60 collector curl -sf "http://127.0.0.1:$health/"
  tls_agent tls-mtls "$WORK/agent-mtls.log" OTEL_EXPORTER_OTLP_CERTIFICATE="$certs/ca.crt" \
    OTEL_EXPORTER_OTLP_CLIENT_KEY="$certs/client.key" OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE="$certs/client.crt"
  wait_for 60 "the agent's series through the mTLS receiver" series_arrived tls-mtls "http://127.0.0.1:$prom"
  failures=$(agent_counter "$metrics" chelonia_agent_export_failures_total)
  [[ $failures == 0 ]] || fail "tls: $failures failed exports over mTLS: $(cat "$WORK/agent-mtls.log")"
  wait "$TLS_AGENT" || fail "tls: the agent (mTLS) exited non-zero: $(cat "$WORK/agent-mtls.log")"
  log "tls: over mTLS (OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_KEY, _CLIENT_CERTIFICATE) the agent's series are in Prometheus, no failed export"
  # Refused handshakes: a CA that did not sign the Collector's certificate; no client certificate.
  local case log lines
  for case in wrong-ca no-client-cert; do
    log=$WORK/agent-$case.log
    if [[ $case == wrong-ca ]]; then
      tls_agent "tls-$case" "$log" OTEL_EXPORTER_OTLP_CERTIFICATE="$certs/other-ca.crt" \
        OTEL_EXPORTER_OTLP_CLIENT_KEY="$certs/client.key" OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE="$certs/client.crt"
    else
      tls_agent "tls-$case" "$log" OTEL_EXPORTER_OTLP_CERTIFICATE="$certs/ca.crt"
    fi
    wait_for 30 "three failed exports ($case)" export_failures_at_least 3
    failures=$(agent_counter "$metrics" chelonia_agent_export_failures_total)
    wait "$TLS_AGENT" || fail "tls ($case): the agent exited non-zero: $(cat "$log")"
    series_arrived "tls-$case" "http://127.0.0.1:$prom" && fail "tls ($case): series arrived through a refused handshake"
    lines=$(grep -c 'export failed' "$log" || true)
    if [[ $lines != 1 ]] || grep -Eq '^[[:space:]]+at |^Caused by|^[[:space:]]+\.\.\. [0-9]+ more' "$log"; then
      fail "tls ($case): not one line without a stack trace ($lines 'export failed' lines): $(cat "$log")"
    fi
    log "tls ($case): $failures failed exports and retries, one line: $(grep 'export failed' "$log")"
  done
  log "tls: OK"
}
