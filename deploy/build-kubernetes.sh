#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kubectl from the Go module proxy, and installs Helm, for the tests
# that run against a real Kubernetes API server; into a cache keyed by version, so a rerun builds
# nothing. The first build takes about 13 minutes on 2 cores and ~9 GB of Go module and build cache.
# Prints "etcd=PATH", "kube-apiserver=PATH", "kubectl=PATH" and "helm=PATH" on stdout, one a line.
# With --cached it builds nothing: it prints the paths if all are there, else says so and exits 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# ETCD_VERSION, KUBERNETES_VERSION, HELM_VERSION
source deploy/tool-versions.sh
CACHE=${CHELONIA_CACHE:-/var/cache/chelonia}
# The staging modules (k8s.io/api, k8s.io/apiserver, ...) are published as v0.<minor>.<patch>.
STAGING_VERSION=v0.${KUBERNETES_VERSION#v1.}
export PATH="/usr/local/go/bin:$PATH" CGO_ENABLED=0 GOFLAGS=-buildvcs=false

etcd=$CACHE/etcd/$ETCD_VERSION/etcd
kube_out=$CACHE/kubernetes/$KUBERNETES_VERSION
helm=$CACHE/bin/helm-$HELM_VERSION

print_paths() {
  echo "etcd=$etcd"
  echo "kube-apiserver=$kube_out/kube-apiserver"
  echo "kubectl=$kube_out/kubectl"
  echo "helm=$helm"
}

built() { [[ -x $etcd && -x $kube_out/kube-apiserver && -x $kube_out/kubectl && -x $helm ]]; }

if [[ ${1:-} == --cached ]]; then
  if built; then
    print_paths
    exit 0
  fi
  echo "etcd $ETCD_VERSION, kube-apiserver and kubectl $KUBERNETES_VERSION or helm $HELM_VERSION not built under $CACHE: run deploy/build-kubernetes.sh (about 13 min the first time)" >&2
  exit 1
fi

# A wrapper module per tool: neither etcd's server module nor k8s.io/kubernetes can be
# `go install`ed, as their go.mod files replace sibling modules with local directories.
build_etcd() {
  local work=$CACHE/etcd/$ETCD_VERSION.tmp
  rm -rf "$work" && mkdir -p "$work/src"
  (
    cd "$work/src"
    go mod init chelonia.test/etcd-build
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    nice -n 10 go build -trimpath -o "$work/etcd" go.etcd.io/etcd/server/v3
  ) >&2
  rm -rf "$work/src" "$(dirname "$etcd")"
  mv "$work" "$(dirname "$etcd")"
}

build_kubernetes() {
  local work=$kube_out.tmp gomod module package
  local minor=${KUBERNETES_VERSION#v1.}
  minor=${minor%%.*}
  # What hack/lib/version.sh stamps, so that `kubectl version` and /version tell the truth.
  local ldflags=""
  for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $package.gitVersion=$KUBERNETES_VERSION -X $package.gitMajor=1 -X $package.gitMinor=$minor"
    ldflags+=" -X $package.gitTreeState=clean -X $package.buildDate=1970-01-01T00:00:00Z"
  done
  rm -rf "$work" && mkdir -p "$work/src"
  (
    cd "$work/src"
    gomod=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
    {
      echo "module chelonia.test/kubernetes-build"
      grep -E '^(go|godebug) ' "$gomod"
      echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
      # Kubernetes pins its staging modules at v0.0.0 and replaces them with ./staging/...: point
      # every one of them at its published release instead.
      grep -E '^\s+k8s\.io/\S+ v0\.0\.0$' "$gomod" | while read -r module _; do
        echo "replace $module => $module $STAGING_VERSION"
      done
    } >go.mod
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBERNETES_VERSION" "k8s.io/kubernetes/cmd/kubectl@$KUBERNETES_VERSION"
    nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$work/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
    nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$work/kubectl" k8s.io/kubernetes/cmd/kubectl
  ) >&2
  rm -rf "$work/src" "$kube_out"
  mv "$work" "$kube_out"
}

start=$SECONDS
if [[ ! -x $etcd ]]; then
  build_etcd
  echo "kubernetes: built etcd $ETCD_VERSION in $((SECONDS - start)) s" >&2
fi
start=$SECONDS
if [[ ! -x $kube_out/kube-apiserver || ! -x $kube_out/kubectl ]]; then
  build_kubernetes
  echo "kubernetes: built kube-apiserver and kubectl $KUBERNETES_VERSION in $((SECONDS - start)) s" >&2
fi
if [[ ! -x $helm ]]; then
  GOBIN=$CACHE/bin go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  mv "$CACHE/bin/helm" "$helm"
fi
print_paths
