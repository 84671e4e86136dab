#!/usr/bin/env bash
# Copies into the Helm chart what it shares with config/: the CRDs, the RBAC roles
# (the chart grants exactly their rules), the Grafana dashboard, the alerting rules
# and the kube-state-metrics configuration. `make manifests` runs it, and
# verify-generated fails when the copies are stale.
set -euo pipefail
cd "$(dirname "$0")/.."

files=charts/cloudjob-operator/files
rm -rf "$files"
mkdir -p "$files/crd" "$files/rbac"
cp config/crd/bases/*.yaml "$files/crd/"
for role in role leader_election_role metrics_auth_role metrics_reader_role cloudjob_editor_role cloudjob_viewer_role; do
  cp "config/rbac/$role.yaml" "$files/rbac/"
done
cp config/grafana/cloudjob-operator-dashboard.json "$files/grafana-dashboard.json"
cp config/prometheus/rules.yaml "$files/prometheus-rules.yaml"
cp config/kube-state-metrics/cloudjob-metrics.yaml "$files/kube-state-metrics.yaml"
