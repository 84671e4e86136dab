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

// Package frontier compares a poller with fixed-interval pollers of the same
// cost. Fixed pollers at several intervals draw a curve of lag against
// requests per job; a poller worth its complexity lies below that curve at its
// own cost. The benchmark and the poll policy's simulation both use it.
package frontier

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The figures every Point carries.
const (
	P50 = "p50"
	P95 = "p95"
	P99 = "p99"
)

// Percentiles are the figures the comparison is made on, in order.
var Percentiles = []string{P50, P95, P99}

// kindPrefix starts the figure of one kind's median lag.
const kindPrefix = "p50 "

// KindFigure names the median lag of one kind of job among a point's figures.
func KindFigure(service, jobType string) string { return kindPrefix + service + "/" + jobType }

// KindOf returns the kind ("service/jobType") a figure is the median lag of; ok
// is false for the other figures.
func KindOf(figure string) (kind string, ok bool) { return strings.CutPrefix(figure, kindPrefix) }

// Point is what one poller cost and achieved.
type Point struct {
	// Label names the poller ("fixed 10s", "operator").
	Label string `json:"label"`
	// RequestsPerJob is the poller's cost.
	RequestsPerJob float64 `json:"requestsPerJob"`
	// Lags maps a figure (P50, P95, P99, or any other name the caller uses,
	// such as a kind's median) to a lag in seconds.
	Lags map[string]float64 `json:"lags"`
}

// At returns the figure's lag a fixed poller would have at exactly
// requestsPerJob, interpolated between the two fixed pollers around it. A fixed
// poller's lag is close to a power of its cost (half its period, and its
// period inversely proportional to its cost), so the interpolation is linear in
// log-log. It fails when the cost lies outside the curve or a point lacks the
// figure, rather than guess by extrapolating.
func At(curve []Point, requestsPerJob float64, figure string) (float64, error) {
	pts := slices.Clone(curve)
	slices.SortFunc(pts, func(a, b Point) int { return cmp.Compare(a.RequestsPerJob, b.RequestsPerJob) })
	if len(pts) < 2 {
		return 0, fmt.Errorf("a frontier needs at least 2 fixed pollers, got %d", len(pts))
	}
	lo, hi := pts[0].RequestsPerJob, pts[len(pts)-1].RequestsPerJob
	if !(requestsPerJob >= lo && requestsPerJob <= hi) {
		return 0, fmt.Errorf("%.2f requests per job is outside the fixed pollers' range [%.2f, %.2f]: add a fixed poller with a longer or shorter interval",
			requestsPerJob, lo, hi)
	}
	i := 1
	for i < len(pts)-1 && pts[i].RequestsPerJob < requestsPerJob {
		i++
	}
	a, b := pts[i-1], pts[i]
	ya, oka := a.Lags[figure]
	yb, okb := b.Lags[figure]
	if !oka || !okb {
		return 0, fmt.Errorf("fixed pollers %q and %q do not both have figure %q", a.Label, b.Label, figure)
	}
	if a.RequestsPerJob == b.RequestsPerJob || ya <= 0 || yb <= 0 {
		// No slope to follow in log-log: interpolate linearly.
		if a.RequestsPerJob == b.RequestsPerJob {
			return ya, nil
		}
		f := (requestsPerJob - a.RequestsPerJob) / (b.RequestsPerJob - a.RequestsPerJob)
		return ya + f*(yb-ya), nil
	}
	f := (math.Log(requestsPerJob) - math.Log(a.RequestsPerJob)) / (math.Log(b.RequestsPerJob) - math.Log(a.RequestsPerJob))
	return math.Exp(math.Log(ya) + f*(math.Log(yb)-math.Log(ya))), nil
}

// Comparison is a poller against the fixed poller of the same cost.
type Comparison struct {
	Poller Point `json:"poller"`
	// Matched is the fixed poller interpolated at the poller's requests per
	// job, with the compared figures.
	Matched Point `json:"matched"`
	// Ratio maps each compared figure to Poller's lag over Matched's: below 1
	// the poller is below the frontier.
	Ratio map[string]float64 `json:"ratio"`
}

// Compare places p on the curve for each of figures.
func Compare(curve []Point, p Point, figures ...string) (Comparison, error) {
	c := Comparison{
		Poller:  p,
		Matched: Point{Label: "fixed, same cost", RequestsPerJob: p.RequestsPerJob, Lags: map[string]float64{}},
		Ratio:   map[string]float64{},
	}
	for _, f := range figures {
		m, err := At(curve, p.RequestsPerJob, f)
		if err != nil {
			return Comparison{}, err
		}
		got, ok := p.Lags[f]
		if !ok {
			return Comparison{}, fmt.Errorf("%s has no figure %q", p.Label, f)
		}
		c.Matched.Lags[f] = m
		if m > 0 {
			c.Ratio[f] = got / m
		} else {
			c.Ratio[f] = math.Inf(1)
		}
	}
	return c, nil
}
