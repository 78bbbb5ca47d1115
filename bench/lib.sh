# Shared by the bench/ scripts: sourced, not run. Needs root (probes, namespaces, bpf stats).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$BENCH_DIR")"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH:/usr/sbin:/sbin"
# AGENT_JAR may name another build of the agent (an older one, to compare against).
AGENT_JAR="${AGENT_JAR:-$ROOT_DIR/otel-agent/target/chelonia-agent.jar}"
# The agent as shipped: the distribution's launcher, with its JVM options.
AGENT_LAUNCHER="$ROOT_DIR/otel-agent/target/chelonia-agent/bin/chelonia-agent"
BENCH_JAR="$ROOT_DIR/bench/target/benchmarks.jar"
# The agent's Prometheus port, chosen free at each start (agent_start): other builds and tests
# on the same machine run agents of their own.
METRICS_PORT=
# Where each script writes its raw numbers: one file per script, replaced at each run.
RESULTS_DIR="${BENCH_RESULTS:-$ROOT_DIR/bench/target/results}"
mkdir -p "$RESULTS_DIR"
# Two test hosts joined by a veth pair, apart from those of the unit tests (198.18.0.0/24).
# BENCH_NS_PREFIX keeps two benchmark runs on one machine apart (at most 10 characters).
# BENCH_NET (the first three octets of a /24) and BENCH_PORTS (FIRST-LAST, for the agent's
# endpoints) do the same for addresses and ports.
NS_PREFIX=${BENCH_NS_PREFIX:-chl-bench}
NS_A=$NS_PREFIX-a
NS_B=$NS_PREFIX-b
BENCH_NET=${BENCH_NET:-198.18.10}
ADDR_A=$BENCH_NET.1
ADDR_B=$BENCH_NET.2
BENCH_PORTS=${BENCH_PORTS:-20000-29999}
AGENT_PID=

ensure_built() {
  if [[ ! -f "$AGENT_JAR" || ! -x "$AGENT_LAUNCHER" || ! -f "$BENCH_JAR" ]]; then
    (cd "$ROOT_DIR" && mvn -B -ntp -q package -DskipTests)
  fi
}

hosts_up() {
  hosts_down
  ip netns add "$NS_A"
  ip netns add "$NS_B"
  ip link add "$NS_PREFIX-va" netns "$NS_A" type veth peer name "$NS_PREFIX-vb" netns "$NS_B"
  ip -n "$NS_A" addr add "$ADDR_A/24" dev "$NS_PREFIX-va"
  ip -n "$NS_B" addr add "$ADDR_B/24" dev "$NS_PREFIX-vb"
  local ns
  for ns in "$NS_A" "$NS_B"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "$NS_PREFIX-v${ns: -1}" up
  done
  # Room for 50,000 client connections to one server port.
  ip netns exec "$NS_A" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
}

hosts_down() {
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
}

# Starts a program in the background and waits for the line it prints when ready; its pid is in
# $! afterwards. Usage: start_and_wait PATTERN LOGFILE TIMEOUT COMMAND...
start_and_wait() {
  local pattern=$1 log=$2 timeout=$3
  shift 3
  "$@" >"$log" 2>&1 &
  local pid=$! waited=0
  until grep -qs "$pattern" "$log"; do
    if ! kill -0 "$pid" 2>/dev/null || ((waited >= timeout * 10)); then
      echo "not ready: $*" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  LAST_PID=$pid
}

# The agent as a node runs it (`run`, through the distribution's launcher), keeping loopback
# traffic so that every benchmark's traffic goes all the way to the links. Extra arguments are
# passed on. AGENT_JAVA_OPTS, when set (even empty), replace the launcher's JVM options
# (CHELONIA_JAVA_OPTS; empty: the JVM's own defaults, as `java -jar` gives them); AGENT_EXTRA_OPTS
# are added to them (JAVA_OPTS). Sets AGENT_PID, and AGENT_STARTUP_MS: from the start of the
# launcher to the end of the first poll (probes attached, endpoint serving, kernel harvested once).
agent_start() {
  local first=${BENCH_PORTS%-*} span=$((${BENCH_PORTS#*-} - ${BENCH_PORTS%-*}))
  METRICS_PORT=$((first + RANDOM % span))
  # The map page takes the next port: both must be free.
  while ss -Hltn "( sport = :$METRICS_PORT or sport = :$((METRICS_PORT + 1)) )" | grep -q .; do
    METRICS_PORT=$((first + RANDOM % span))
  done
  MAP_PORT=$((METRICS_PORT + 1))
  local started
  started=$(date +%s%N)
  local env=(OTEL_EXPORTER_PROMETHEUS_PORT="$METRICS_PORT" CHELONIA_MAP_PORT="$MAP_PORT" CHELONIA_INCLUDE_LOOPBACK=true JAVA_OPTS="${AGENT_EXTRA_OPTS:-}")
  if [[ -n ${AGENT_JAVA_OPTS+set} ]]; then env+=(CHELONIA_JAVA_OPTS="$AGENT_JAVA_OPTS"); fi
  local launch=("$AGENT_LAUNCHER")
  # Another build named by AGENT_JAR (an older one, to compare against) runs through its own
  # launcher when the jar is a distribution's (DIST/lib/chelonia-agent.jar), as this build does;
  # else through java -jar, with AGENT_JAVA_OPTS (the JVM's defaults when unset): then set both
  # sides' options alike.
  local other_launcher
  other_launcher="$(dirname "$(dirname "$AGENT_JAR")")/bin/chelonia-agent"
  if [[ $AGENT_JAR != "$ROOT_DIR/otel-agent/target/chelonia-agent.jar" && -x $other_launcher ]]; then
    launch=("$other_launcher")
  elif [[ $AGENT_JAR != "$ROOT_DIR/otel-agent/target/chelonia-agent.jar" ]]; then
    # shellcheck disable=SC2086  # AGENT_JAVA_OPTS is a list of options
    launch=(java ${AGENT_JAVA_OPTS:-} -jar "$AGENT_JAR")
  fi
  start_and_wait "metrics on" "$RESULTS_DIR/agent.log" 60 env "${env[@]}" "${launch[@]}" run --duration 3600 "$@"
  AGENT_PID=$LAST_PID
  # One scrape at a time, read whole (a reader that hangs up early leaves the agent serializing a
  # page nobody reads, and scrapes piling up cost heap a real scraper never asks for).
  local waited=0 page="$RESULTS_DIR/agent-start-scrape.txt"
  until curl -fsS --max-time 10 -o "$page" "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null \
      && grep -Eq '^chelonia_agent_polls_total(\{[^}]*\})? [1-9]' "$page"; do
    kill -0 "$AGENT_PID" 2>/dev/null || { tail -n 3 "$RESULTS_DIR/agent.log" >&2; return 1; }
    ((waited++ < 600)) || { echo "agent: no poll after 60 s" >&2; return 1; }
    sleep 0.1
  done
  AGENT_STARTUP_MS=$((($(date +%s%N) - started) / 1000000))
  # Let the JIT finish the start-up work: what a node pays is the agent's steady state.
  sleep "${AGENT_SETTLE_SECONDS:-3}"
}

# The agent's own CPU time so far (user + system), in clock ticks (getconf CLK_TCK a second).
agent_cpu_ticks() {
  # Fields after the command name, which ends at the last ')': utime and stime are the 12th
  # and 13th of them.
  sed 's/.*) //' /proc/"$AGENT_PID"/stat | awk '{print $12 + $13}'
}

# The sum of a counter's series on the agent's Prometheus endpoint whose labels contain MATCH.
agent_metric_sum() {
  local name=$1 match=$2 also=${3:-}
  curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk -v n="$name" -v m="$match" -v a="$also" \
      'index($0, n "{") == 1 && index($0, m) && index($0, a) {s += $NF} END {print s + 0}'
}

agent_stop() {
  if [[ -n "$AGENT_PID" ]]; then
    kill "$AGENT_PID" 2>/dev/null || true
    wait "$AGENT_PID" 2>/dev/null || true
    AGENT_PID=
  fi
}

# The agent's BPF programs, found through its own file descriptors: other agents (tests running
# on the same machine) load programs with the same names.
agent_prog_ids() {
  grep -h '^prog_id:' /proc/"$AGENT_PID"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u
}

# One line per agent program, "name run_time_ns run_cnt" since it was loaded; needs
# kernel.bpf_stats_enabled=1 (see bpf_stats).
agent_prog_stats() {
  local id
  for id in $(agent_prog_ids); do
    bpftool prog show id "$id" -j | jq -r '"\(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"'
  done
}

# The agent's programs' "name run_time_ns run_cnt" since the lines BEFORE (agent_prog_stats taken
# earlier): what the programs did over a load alone, not the agent's start-up (whose first
# harvest finds every socket on the machine).
agent_prog_stats_since() {
  local before=$1
  agent_prog_stats | awk -v before="$before" 'BEGIN {
      n = split(before, lines, "\n")
      for (i = 1; i <= n; i++) { split(lines[i], f, " "); t[f[1]] = f[2]; c[f[1]] = f[3] }
    }
    { print $1, $2 - t[$1], $3 - c[$1] }'
}

# The kernel's per-program run time accounting. It costs two clock reads per program run, so the
# runs that measure the agent's cost on traffic keep it off, and separate runs turn it on.
bpf_stats() {
  BPF_STATS_BEFORE=${BPF_STATS_BEFORE:-$(sysctl -n kernel.bpf_stats_enabled)}
  sysctl -qw kernel.bpf_stats_enabled="$([[ $1 == on ]] && echo 1 || echo "$BPF_STATS_BEFORE")"
}

# Reads "name run_time_ns run_cnt" lines taken over SECONDS of load; prints, per program, its
# kernel time per run, runs per second, and the share of one core its runs took.
per_run_cost() {
  awk -v s="$1" '{t[$1] += $2; c[$1] += $3} END {
    for (n in t) printf "%-20s %6.0f ns/run %10.0f runs/s %6.2f %% of one core\n",
      n, c[n] ? t[n] / c[n] : 0, c[n] / s, t[n] / s / 1e7 }' | sort
}

# Reads the lines "AGENT VALUE" of alternating runs (AGENT: with or without; other lines are
# skipped) and prints the medians, the ratio of the medians, and the median, lowest and highest
# ratio of the two runs of each round: pairs run back to back share the machine's load of the
# moment, so their ratio is the steadier figure on a busy machine.
compare_runs() {
  # Portable awk (mawk): no arrays of arrays, no sorting; sort(1) orders the values.
  awk '$1 == "with" {w[++nw] = $2} $1 == "without" {o[++no] = $2}
    END {
      for (i = 1; i <= nw && i <= no; i++) print "pair", w[i] / o[i]
      for (i = 1; i <= nw; i++) print "with", w[i]
      for (i = 1; i <= no; i++) print "without", o[i]
    }' | sort -k1,1 -k2g | awk '
    {v[$1, ++n[$1]] = $2}
    function med(k) { return n[k] % 2 ? v[k, (n[k] + 1) / 2] : (v[k, n[k] / 2] + v[k, n[k] / 2 + 1]) / 2 }
    END {
      printf "without %.4g  with %.4g  ratio of medians %.4f  pairwise ratio median %.4f (%.4f to %.4f, %d pairs)\n",
        med("without"), med("with"), med("with") / med("without"), med("pair"), v["pair", 1],
        v["pair", n["pair"]], n["pair"] }'
}

# Prints the receiver's bits per second of one iperf3 run on a path (loopback or netns), of
# SECONDS_PER_RUN seconds on IPERF_PORT. Needs hosts_up for netns.
transfer() {
  local server_ns=() client_ns=() address=127.0.0.1
  if [[ $1 == netns ]]; then
    server_ns=(ip netns exec "$NS_B")
    client_ns=(ip netns exec "$NS_A")
    address=$ADDR_B
  fi
  # -1: the server serves one test and exits.
  "${server_ns[@]}" iperf3 -s -1 -B "$address" -p "$IPERF_PORT" >/dev/null 2>&1 &
  local server=$!
  local waited=0
  until "${server_ns[@]}" ss -Hltn "sport = :$IPERF_PORT" | grep -q LISTEN; do
    sleep 0.1
    waited=$((waited + 1))
    ((waited < 100)) || { echo "iperf3 server did not start" >&2; return 1; }
  done
  "${client_ns[@]}" timeout $((SECONDS_PER_RUN + 30)) \
    iperf3 -c "$address" -p "$IPERF_PORT" -t "$SECONDS_PER_RUN" -J |
    jq -e '.end.sum_received.bits_per_second'
  wait "$server"
}

# Opens CONNECTIONS concurrent connections from host A to host B and holds them for SECONDS, in
# as many client/server process pairs as the open-files limit requires (each connection is a
# descriptor on each side; root may not be allowed to raise the hard limit). Needs hosts_up.
HOLD_PIDS=()
hold_connections() {
  local connections=$1 seconds=$2 shard=0 size
  ulimit -n "$(ulimit -Hn)"
  local per_process=$(($(ulimit -n) - 1000))
  while ((connections > 0)); do
    size=$((connections < per_process ? connections : per_process))
    start_and_wait listening "$RESULTS_DIR/hold-server-$shard.log" 30 \
      ip netns exec "$NS_B" java -cp "$BENCH_JAR" io.chelonia.bench.Hold server \
      "$ADDR_B" $((HOLD_FIRST_PORT + shard)) "$seconds"
    HOLD_PIDS+=("$LAST_PID")
    start_and_wait ready "$RESULTS_DIR/hold-client-$shard.log" 300 \
      ip netns exec "$NS_A" java -cp "$BENCH_JAR" io.chelonia.bench.Hold client \
      "$ADDR_B" $((HOLD_FIRST_PORT + shard)) "$size" "$seconds"
    HOLD_PIDS+=("$LAST_PID")
    connections=$((connections - size))
    shard=$((shard + 1))
  done
}
HOLD_FIRST_PORT=${HOLD_FIRST_PORT:-7200}

# A real API server (KubeCluster) holding PODS realistic pods, one more of Deployment bench-server
# at host B's address, and the chart's ServiceAccount, for SECONDS, on loopback ports
# KUBE_API_PORT (the API server) and the next two (etcd). Sets KUBE_KUBECONFIG: a kubeconfig with
# the account's token. Loading takes minutes (about 100 pods/s on a shared 2-core machine).
KUBE_API_PORT=${KUBE_API_PORT:-7300}
kube_cluster_up() {
  local pods=$1 seconds=$2
  start_and_wait '^ready ' "$RESULTS_DIR/kube-cluster.log" 1200 \
    bash -c 'cd "$1" && shift && exec "$@"' - "$ROOT_DIR" \
    java -cp "$BENCH_JAR" io.chelonia.bench.KubeCluster "$pods" "$seconds" "$KUBE_API_PORT" "$ADDR_B"
  KUBE_KUBECONFIG=$(awk '/^ready / {print $2}' "$RESULTS_DIR/kube-cluster.log")
}

release_connections() {
  if ((${#HOLD_PIDS[@]} > 0)); then
    kill "${HOLD_PIDS[@]}" 2>/dev/null || true
    wait "${HOLD_PIDS[@]}" 2>/dev/null || true
  fi
  HOLD_PIDS=()
}

cleanup() {
  agent_stop
  local pid
  for pid in $(jobs -p); do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  hosts_down
  if [[ -n "${BPF_STATS_BEFORE:-}" ]]; then
    sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_BEFORE"
  fi
}
trap cleanup EXIT
