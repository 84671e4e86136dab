/*
Copyright 2026 The cloudjob-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

// operator is one running operator replica, stamped with its own version so
// that the simulator can tell the replicas' requests apart.
type operator struct {
	*harness.Operator
	version string
}

// userAgent is the User-Agent the replica sends.
func (o *operator) userAgent() string { return huaweicloud.UserAgent(o.version) }

// startReplica starts replica i of the operator for phase p, with its flags at
// the operator's defaults scaled to the benchmark's time and its share of the
// quota.
func (b *bench) startReplica(ctx context.Context, p *phase, i int, version string) (*operator, error) {
	// Only the phase's own namespace: with the anchor running alongside, an
	// operator watching every namespace would poll the anchor's jobs too.
	flags := b.cfg.operatorFlags().With("watch-namespace", p.namespace)
	if shard := b.cfg.shardOf(i); shard != "" {
		flags = flags.With("shard-selector", shardLabel+"="+shard)
	}
	op, err := harness.StartOperator(ctx, harness.OperatorOptions{
		Name:       "operator-" + version,
		Binary:     b.bins[version],
		Kubeconfig: b.kubeconfig,
		Flags:      flags,
		Env:        splitEnv(b.cfg.OperatorEnv),
		Dir:        b.logs,
		Pprof:      b.cfg.OperatorPprof != "",
	})
	if err != nil {
		return nil, err
	}
	return &operator{Operator: op, version: version}, nil
}

// operatorMetrics are the operator's own counters, summed over their labels.
type operatorMetrics struct {
	Requests        float64 `json:"requests"`
	Throttled       float64 `json:"throttled"`
	QuotaDeferrals  float64 `json:"quotaDeferrals"`
	ReconcileErrors float64 `json:"reconcileErrors"`
	EventsRecorded  float64 `json:"eventsRecorded"`
	EventsDropped   float64 `json:"eventsDropped"`
	EventsFailed    float64 `json:"eventsFailed"`
}

// metricsOf picks the benchmark's figures out of a scrape.
func metricsOf(m harness.Metrics) operatorMetrics {
	events := func(result string) float64 {
		return m.Sum("cloudjob_events_total", map[string]string{"result": result})
	}
	return operatorMetrics{
		Requests:        m.Sum("cloudjob_cloud_requests_total", nil),
		Throttled:       m.Sum("cloudjob_cloud_throttled_total", nil),
		QuotaDeferrals:  m.Sum("cloudjob_quota_deferrals_total", nil),
		ReconcileErrors: m.Sum("controller_runtime_reconcile_errors_total", nil),
		EventsRecorded:  events("recorded"),
		EventsDropped:   events("dropped"),
		EventsFailed:    events("failed"),
	}
}

// saveMetrics writes a scrape of the operator's metrics to file.
func (o *operator) saveMetrics(ctx context.Context, file string) error {
	m, err := o.Scrape(ctx)
	if err != nil {
		return err
	}
	return os.WriteFile(file, []byte(m.Text), 0o644)
}

// splitEnv splits a comma-separated KEY=VALUE list.
func splitEnv(s string) []string {
	var out []string
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv != "" {
			out = append(out, kv)
		}
	}
	return out
}

// profilePath is where a replica's profile of the given kind goes.
func (b *bench) profilePath(o *operator, kind string) string {
	return filepath.Join(b.cfg.OperatorPprof, "operator-"+o.version+"-"+kind)
}
