#!/usr/bin/env bash
# Builds the agent's container image without any registry:
#   1. a minimal Debian bookworm root file system (debootstrap --variant=minbase) with libbpf1,
#      cached as a tarball keyed by suite, variant and package list (rebuilds skip debootstrap);
#   2. a Java runtime cut from the JDK 25 with jlink (the modules jdeps finds in the agent jar,
#      plus the ones it loads reflectively or that TLS needs);
#   3. the agent's distribution (otel-agent/target/chelonia-agent/: bin/chelonia-agent, the launcher
#      with the agent's JVM options, and lib/chelonia-agent.jar; built here when missing);
#   4. the image's SBOM (image/sbom.py): its Debian packages, the Java runtime and the agent's jar
#      (the Maven build's CycloneDX SBOM), as /opt/chelonia/sbom.cdx.json and
#      /opt/chelonia/debian-packages.txt in the image and in image/target/;
#   5. `docker import` of that tree, with ENTRYPOINT (the launcher), CMD, ENV and WORKDIR set by --change.
# Usage: image/build.sh [IMAGE]   (default chelonia/agent:dev). Needs root, debootstrap, docker.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
IMAGE=${1:-chelonia/agent:dev}
CACHE=${CHELONIA_CACHE:-/var/cache/chelonia}/image
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=libbpf1
DIST=otel-agent/target/chelonia-agent
JAR=$DIST/lib/chelonia-agent.jar
export PATH="$PATH:/usr/sbin:/sbin"

mkdir -p "$CACHE"
key=$(printf '%s|%s|minbase|%s' "$SUITE" "$MIRROR" "$PACKAGES" | sha256sum | cut -c1-12)
base=$CACHE/rootfs-$SUITE-minbase-$key.tar
if [[ ! -f $base ]]; then
  echo "image: debootstrap $SUITE (minbase, $PACKAGES) from $MIRROR" >&2
  tmp=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  timeout 1200 debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$tmp/root" "$MIRROR" >&2
  # Keep what a container needs at run time: no package caches, docs or locales.
  rm -rf "$tmp"/root/var/cache/apt/* "$tmp"/root/var/lib/apt/lists/* "$tmp"/root/usr/share/doc/* \
    "$tmp"/root/usr/share/man/* "$tmp"/root/usr/share/locale/* "$tmp"/root/var/log/*
  tar -C "$tmp/root" --numeric-owner -cf "$base.part" .
  mv "$base.part" "$base"
  rm -rf "$tmp"
  trap - EXIT
else
  echo "image: cached root file system $base" >&2
fi

if [[ ! -f $JAR ]]; then
  JAVA_HOME=$JDK PATH="$JDK/bin:$PATH" mvn -B -ntp -q package -DskipTests >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Modules: what jdeps sees, plus jdk.crypto.ec (TLS to an OTLP endpoint with EC certificates),
# jdk.unsupported (sun.misc.Unsafe for protobuf and OkHttp) and jdk.zipfs / jdk.management
# (loaded by name, which jdeps cannot see).
modules=$("$JDK/bin/jdeps" --ignore-missing-deps --multi-release 25 --print-module-deps "$JAR" 2>/dev/null | tail -1)
modules="$modules,jdk.crypto.ec,jdk.unsupported,jdk.zipfs,jdk.management"
echo "image: jlink modules $modules" >&2
"$JDK/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$work/jre" >&2

mkdir -p "$work/root"
tar -C "$work/root" -xf "$base"
mkdir -p "$work/root/opt/chelonia"
mv "$work/jre" "$work/root/opt/chelonia/jre"
cp -r "$DIST/bin" "$DIST/lib" "$work/root/opt/chelonia/"
[[ -f $DIST/lib/chelonia-agent.cdx.json ]] || { echo "image: $DIST/lib/chelonia-agent.cdx.json missing: run mvn -B -ntp package" >&2; exit 1; }
python3 image/sbom.py "$work/root" "$IMAGE" "$DIST/lib/chelonia-agent.cdx.json" \
  "$work/root/opt/chelonia/sbom.cdx.json" "$work/root/opt/chelonia/debian-packages.txt"
mkdir -p image/target
cp "$work/root/opt/chelonia/sbom.cdx.json" "$work/root/opt/chelonia/debian-packages.txt" image/target/

# The launcher finds the runtime through JAVA_HOME and starts the agent with the same JVM options
# as everywhere else (-XX:-UsePerfData among them: no hsperfdata file on a read-only root);
# CHELONIA_JAVA_OPTS replaces them (the chart's agent.javaOpts).
tar -C "$work/root" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/opt/chelonia/jre/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV JAVA_HOME=/opt/chelonia/jre' \
  --change 'WORKDIR /opt/chelonia' \
  --change 'ENTRYPOINT ["/opt/chelonia/bin/chelonia-agent"]' \
  --change 'CMD ["run"]' \
  --change 'EXPOSE 9464/tcp' \
  --message "chelonia agent $(git rev-parse --short HEAD 2>/dev/null || echo dev)" \
  - "$IMAGE" >&2
echo "image: $IMAGE $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')" >&2
