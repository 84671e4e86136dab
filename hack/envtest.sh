#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kubectl, etcd) from the Go module
# proxy into DIR, skipping every binary that is already there; with --node also the
# test node's kubelet, kube-controller-manager, kube-scheduler and kube-proxy. There
# is no download of prebuilt binaries: the wrapper modules under hack/envtest pin the
# versions.
set -euo pipefail

node=false
if [ "${1:-}" = --node ]; then
  node=true
  shift
fi
dir=${1:?usage: hack/envtest.sh [--node] DIR}
k8s_version=${K8S_VERSION:?K8S_VERSION is not set}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

major=${k8s_version%%.*}
minor=${k8s_version#*.}
minor=${minor%%.*}
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v${k8s_version} -X k8s.io/component-base/version.gitMajor=${major} -X k8s.io/component-base/version.gitMinor=${minor} -X k8s.io/component-base/version.gitTreeState=clean"

build() { # name module-dir package
  local name=$1 mod=$2 pkg=$3
  if [ -x "$dir/$name" ]; then
    return 0
  fi
  echo "envtest: building $name from $pkg (the first build takes several minutes; later ones use the Go build cache)..."
  local start=$SECONDS
  (cd "$here/envtest/$mod" && go build -ldflags "$ldflags" -o "$dir/$name.tmp" "$pkg")
  mv "$dir/$name.tmp" "$dir/$name"
  echo "envtest: built $dir/$name in $((SECONDS - start))s"
}

build etcd etcd go.etcd.io/etcd/server/v3
build kube-apiserver kubernetes k8s.io/kubernetes/cmd/kube-apiserver
build kubectl kubernetes k8s.io/kubernetes/cmd/kubectl
if [ "$node" = true ]; then
  for cmd in kubelet kube-controller-manager kube-scheduler kube-proxy; do
    build "$cmd" kubernetes "k8s.io/kubernetes/cmd/$cmd"
  done
  echo "envtest: node binaries ready in $dir"
  exit 0
fi
echo "envtest: control plane ready in $dir (kube-apiserver $("$dir/kube-apiserver" --version 2>/dev/null | awk '{print $2}'), $("$dir/etcd" --version 2>/dev/null | head -1))"
