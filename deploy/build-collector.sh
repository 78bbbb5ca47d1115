#!/usr/bin/env bash
# Builds the Collector from collector-config/builder-config.yaml with the OpenTelemetry Collector
# Builder, into a cache keyed by the manifest's hash: a rerun with the same manifest builds nothing.
# Prints the binary's path on stdout.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CACHE=${CHELONIA_CACHE:-/var/cache/chelonia}
OCB_VERSION=v0.162.0
MANIFEST=$PWD/collector-config/builder-config.yaml
hash=$(sha256sum "$MANIFEST" | cut -c1-16)
out=$CACHE/collector/$hash
if [[ -x $out/_build/chelonia-otelcol ]]; then
  echo "collector: cached build $out/_build/chelonia-otelcol (manifest $hash)" >&2
  echo "$out/_build/chelonia-otelcol"
  exit 0
fi
export GOBIN=$CACHE/bin
export PATH="$GOBIN:/usr/local/go/bin:$PATH"
if [[ ! -x $GOBIN/builder-$OCB_VERSION ]]; then
  go install go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION >&2
  mv "$GOBIN/builder" "$GOBIN/builder-$OCB_VERSION"
fi
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
start=$SECONDS
(cd "$out.tmp" && "$GOBIN/builder-$OCB_VERSION" --config "$MANIFEST") >&2
rm -rf "$out"
mv "$out.tmp" "$out"
echo "collector: built in $((SECONDS - start)) s (manifest $hash)" >&2
echo "$out/_build/chelonia-otelcol"
