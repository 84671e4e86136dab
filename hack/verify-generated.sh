#!/usr/bin/env bash
# Regenerates the CRD, RBAC and deepcopy files and fails when that changed them, so a
# change to the API types or RBAC markers cannot land without its generated files.
set -euo pipefail
cd "$(dirname "$0")/.."

generated=(config/crd/bases config/rbac/role.yaml api/v1alpha1/zz_generated.deepcopy.go charts/cloudjob-operator/files)
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
for p in "${generated[@]}"; do
  mkdir -p "$before/$(dirname "$p")"
  [ -e "$p" ] && cp -r "$p" "$before/$p"
done

echo "verify-generated: regenerating CRD, RBAC, deepcopy and chart files..."
make --no-print-directory -s manifests generate

stale=0
for p in "${generated[@]}"; do
  if ! diff -ruN "$before/$p" "$p" >/dev/null 2>&1; then
    echo "verify-generated: $p was stale:" >&2
    diff -ruN "$before/$p" "$p" | head -40 >&2 || true
    stale=1
  fi
done
if [ "$stale" = 1 ]; then
  echo "verify-generated: FAILED. The files above are now regenerated: review and commit them ('make manifests generate' does the same)." >&2
  exit 1
fi
echo "verify-generated: generated files are current"
