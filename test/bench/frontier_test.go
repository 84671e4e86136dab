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
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixedResult is a fixed poller's result with lags in the ratio a fixed
// poller's have to its period.
func fixedResult(name string, period, requestsPerJob float64) pollerResult {
	return pollerResult{Poller: name, RequestsPerJob: requestsPerJob,
		LagP50: num(period / 2), LagP95: num(0.95 * period), LagP99: num(0.99 * period),
		ByKind: []kindResult{{Service: "bms", JobType: "batch", LagP50: num(period / 2)}, {Service: "elb", JobType: "create", LagP50: num(period / 2)}}}
}

func TestFrontierReport(t *testing.T) {
	curve := []pollerResult{fixedResult("anchor", 10, 27), fixedResult("fixed 20s", 20, 14), fixedResult("fixed 40s", 40, 8)}
	below := pollerResult{Poller: "operator", RequestsPerJob: 9, LagP50: 4, LagP95: 30, LagP99: 33,
		ByKind: []kindResult{{Service: "bms", JobType: "batch", LagP50: 20}, {Service: "elb", JobType: "create", LagP50: 3}}}
	f := newFrontierReport(below, curve)
	if f.Comparison == nil {
		t.Fatalf("no comparison: %s", f.Error)
	}
	for _, tg := range f.targets(false) {
		if tg.Holds == nil || !*tg.Holds {
			t.Errorf("target %q: %s, want it to hold", tg.Name, tg.Detail)
		}
	}
	// The same run with a tail above the frontier and one kind far above it.
	above := below
	above.LagP99, above.ByKind = 60, []kindResult{{Service: "bms", JobType: "batch", LagP50: 40}, {Service: "elb", JobType: "create", LagP50: 3}}
	held := map[string]bool{}
	for _, tg := range newFrontierReport(above, curve).targets(false) {
		held[tg.Name] = tg.Holds != nil && *tg.Holds
	}
	if held["operator p99 lag <= the fixed poller's of the same cost"] || !held["operator p95 lag <= the fixed poller's of the same cost"] ||
		held["no kind's p50 lag > 1.5x the fixed poller's of the same cost"] {
		t.Errorf("targets with a p99 of 60 s and bms at 40 s: %v", held)
	}
	for _, tg := range newFrontierReport(below, curve).targets(true) {
		if tg.Holds != nil {
			t.Errorf("quota-bound run: target %q is judged", tg.Name)
		}
	}
	outside := below
	outside.RequestsPerJob = 40
	if g := newFrontierReport(outside, curve); g.Comparison != nil || !strings.Contains(g.Error, "outside") {
		t.Errorf("a cost outside the curve: comparison %v, error %q", g.Comparison, g.Error)
	}
	if txt := f.text(); !strings.Contains(txt, "operator / same cost") || !strings.Contains(txt, "bms/batch") {
		t.Errorf("the printed frontier lacks the ratios or the kinds:\n%s", txt)
	}

	dir := t.TempDir()
	svg, pic := filepath.Join(dir, "f.svg"), filepath.Join(dir, "f.png")
	for _, path := range []string{svg, pic} {
		if err := f.plot(path, "test"); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(svg)
	if err != nil || !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("cloud requests per job")) || !bytes.Contains(b, []byte("operator, p99")) {
		t.Errorf("the SVG lacks its axes or legend (%v, %d bytes)", err, len(b))
	}
	fh, err := os.Open(pic)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fh.Close() }()
	img, err := png.Decode(fh)
	if err != nil || img.Bounds().Dx() < 500 {
		t.Errorf("the PNG: %v, %v", err, img)
	}
}
