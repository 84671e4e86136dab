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

package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics is one scrape of a metrics endpoint.
type Metrics struct {
	// Text is the scrape as served, for callers that keep or scan it.
	Text     string
	families map[string]*dto.MetricFamily
}

// ParseMetrics parses the Prometheus text format.
func ParseMetrics(text string) (Metrics, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader([]byte(text)))
	if err != nil {
		return Metrics{}, err
	}
	return Metrics{Text: text, families: families}, nil
}

// Sum adds up the samples of the counter, gauge or untyped family name whose
// labels include every pair in match (nil matches all). As in Prometheus, a
// label that is absent has the empty value.
func (m Metrics) Sum(name string, match map[string]string) float64 {
	var sum float64
	for _, metric := range m.families[name].GetMetric() {
		if hasLabels(metric, match) {
			sum += metric.GetCounter().GetValue() + metric.GetGauge().GetValue() + metric.GetUntyped().GetValue()
		}
	}
	return sum
}

func hasLabels(metric *dto.Metric, match map[string]string) bool {
	for name, want := range match {
		got := ""
		for _, l := range metric.GetLabel() {
			if l.GetName() == name {
				got = l.GetValue()
			}
		}
		if got != want {
			return false
		}
	}
	return true
}

// Scrape reads the operator's metrics endpoint.
func (o *Operator) Scrape(ctx context.Context) (Metrics, error) {
	if o.MetricsURL == "" {
		return Metrics{}, fmt.Errorf("%s serves no metrics", o.Name)
	}
	body, err := get(ctx, o.MetricsURL, 10*time.Second)
	if err != nil {
		return Metrics{}, err
	}
	m, err := ParseMetrics(string(body))
	if err != nil {
		return Metrics{}, fmt.Errorf("%s: %w", o.MetricsURL, err)
	}
	return m, nil
}

// SaveProfile fetches path under the operator's pprof endpoint (for example
// "/heap") into file.
func (o *Operator) SaveProfile(ctx context.Context, path, file string, timeout time.Duration) error {
	if o.PprofURL == "" {
		return fmt.Errorf("%s serves no pprof endpoint", o.Name)
	}
	body, err := get(ctx, o.PprofURL+path, timeout)
	if err != nil {
		return err
	}
	return os.WriteFile(file, body, 0o644)
}

// get fetches url, failing on anything but 200.
func get(ctx context.Context, url string, timeout time.Duration) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: timeout}).Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	return body, nil
}
