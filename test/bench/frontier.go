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
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cloudjob-operator/cloudjob-operator/test/frontier"
)

// maxKindRatio: no kind of job may wait, at the median, more than this times
// what the fixed poller of the same cost makes it wait.
const maxKindRatio = 1.5

// frontierReport is the operator against the fixed pollers at its own cost.
type frontierReport struct {
	// Curve are the fixed pollers, the anchor included.
	Curve    []frontier.Point `json:"curve"`
	Operator frontier.Point   `json:"operator"`
	// Comparison is nil when the operator's cost lies outside the curve
	// (Error says why).
	Comparison *frontier.Comparison `json:"comparison,omitempty"`
	Error      string               `json:"error,omitempty"`
}

// pointOf is a poller's result as a point of the frontier.
func pointOf(r pollerResult) frontier.Point {
	p := frontier.Point{Label: r.Poller, RequestsPerJob: r.RequestsPerJob, Lags: map[string]float64{
		frontier.P50: float64(r.LagP50), frontier.P95: float64(r.LagP95), frontier.P99: float64(r.LagP99),
	}}
	for _, k := range r.ByKind {
		p.Lags[frontier.KindFigure(k.Service, k.JobType)] = float64(k.LagP50)
	}
	return p
}

func newFrontierReport(op pollerResult, fixed []pollerResult) *frontierReport {
	f := &frontierReport{Operator: pointOf(op)}
	for _, r := range fixed {
		f.Curve = append(f.Curve, pointOf(r))
	}
	figures := slices.Clone(frontier.Percentiles)
	for _, k := range op.ByKind {
		figures = append(figures, frontier.KindFigure(k.Service, k.JobType))
	}
	cmp, err := frontier.Compare(f.Curve, f.Operator, figures...)
	if err != nil {
		f.Error = err.Error()
		return f
	}
	f.Comparison = &cmp
	return f
}

// kindFigures are the per-kind figures of the comparison, in the operator's
// order.
func (f *frontierReport) kindFigures() []string {
	var out []string
	for fig := range f.Comparison.Ratio {
		if _, ok := frontier.KindOf(fig); ok {
			out = append(out, fig)
		}
	}
	slices.Sort(out)
	return out
}

// targets are the frontier's targets: each percentile at most the fixed
// poller's of the same cost, and no kind's median more than maxKindRatio
// times its.
func (f *frontierReport) targets(quotaBound bool) []target {
	names := []string{
		"operator p50 lag <= the fixed poller's of the same cost",
		"operator p95 lag <= the fixed poller's of the same cost",
		"operator p99 lag <= the fixed poller's of the same cost",
	}
	kinds := fmt.Sprintf("no kind's p50 lag > %.1fx the fixed poller's of the same cost", maxKindRatio)
	out := make([]target, 0, 4)
	na := func(why string) []target {
		for _, n := range append(names, kinds) {
			out = append(out, target{Name: n, Detail: why})
		}
		return out
	}
	switch {
	case quotaBound:
		return na("quota-bound run: the quota, not the interval, sets the cost")
	case f == nil:
		return na("no fixed pollers run")
	case f.Comparison == nil:
		return na(f.Error)
	}
	c := f.Comparison
	for i, fig := range frontier.Percentiles {
		out = append(out, target{Name: names[i], Holds: verdict(c.Ratio[fig] <= 1),
			Detail: fmt.Sprintf("%.1f s vs %.1f s at %.2f requests/job (ratio %.2f)", c.Poller.Lags[fig], c.Matched.Lags[fig], c.Poller.RequestsPerJob, c.Ratio[fig])})
	}
	worst, worstRatio := "", 0.0
	for _, fig := range f.kindFigures() {
		if c.Ratio[fig] > worstRatio {
			worst, worstRatio = fig, c.Ratio[fig]
		}
	}
	out = append(out, target{Name: kinds, Holds: verdict(worstRatio <= maxKindRatio),
		Detail: fmt.Sprintf("worst %s: %.1f s vs %.1f s (ratio %.2f)", kindName(worst), c.Poller.Lags[worst], c.Matched.Lags[worst], worstRatio)})
	return out
}

// text is the frontier's part of the printed report.
func (f *frontierReport) text() string {
	var b strings.Builder
	fmt.Fprintln(&b, "\nfrontier: fixed pollers, and the operator against the fixed poller of its cost (interpolated in log-log)")
	lines := []string{"poller\trequests/job\tp50 (s)\tp95 (s)\tp99 (s)\t"}
	pts := slices.Clone(f.Curve)
	slices.SortFunc(pts, func(a, b frontier.Point) int { return cmp.Compare(b.RequestsPerJob, a.RequestsPerJob) })
	row := func(p frontier.Point) string {
		return fmt.Sprintf("%s\t%.2f\t%.1f\t%.1f\t%.1f\t", p.Label, p.RequestsPerJob, p.Lags[frontier.P50], p.Lags[frontier.P95], p.Lags[frontier.P99])
	}
	for _, p := range pts {
		lines = append(lines, row(p))
	}
	lines = append(lines, row(f.Operator))
	if f.Comparison == nil {
		b.WriteString(table(lines))
		fmt.Fprintf(&b, "  no comparison: %s\n", f.Error)
		return b.String()
	}
	c := f.Comparison
	lines = append(lines, row(c.Matched))
	lines = append(lines, fmt.Sprintf("operator / same cost\t\t%.2f\t%.2f\t%.2f\t", c.Ratio[frontier.P50], c.Ratio[frontier.P95], c.Ratio[frontier.P99]))
	b.WriteString(table(lines))
	fmt.Fprintln(&b, "\nby kind: p50 lag (s), operator against the fixed poller of its cost")
	lines = []string{"kind\toperator\tsame cost\tratio\t"}
	for _, fig := range f.kindFigures() {
		lines = append(lines, fmt.Sprintf("%s\t%.1f\t%.1f\t%.2f\t", kindName(fig), c.Poller.Lags[fig], c.Matched.Lags[fig], c.Ratio[fig]))
	}
	b.WriteString(table(lines))
	return b.String()
}

// kindName is the kind a per-kind figure is about.
func kindName(figure string) string {
	kind, _ := frontier.KindOf(figure)
	return kind
}

// plot draws the frontier into path (.svg or .png): for p50, p95 and p99, the
// fixed pollers' lag against their requests per job, and the operator's point,
// on log-log axes, with the cost of the operator marked.
func (f *frontierReport) plot(path, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "cloud requests per job"
	p.Y.Label.Text = "detection lag (simulated seconds)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = roundTicks{}, roundTicks{}
	// Lags fall as requests grow: the upper right is empty.
	p.Legend.Top = true
	p.Add(plotter.NewGrid())

	colors := map[string]color.Color{
		frontier.P50: color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
		frontier.P95: color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
		frontier.P99: color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	}
	pts := slices.Clone(f.Curve)
	slices.SortFunc(pts, func(a, b frontier.Point) int { return cmp.Compare(a.RequestsPerJob, b.RequestsPerJob) })
	lo, hi := math.Inf(1), 0.0
	for _, fig := range frontier.Percentiles {
		xy := make(plotter.XYs, 0, len(pts))
		for _, pt := range pts {
			if v := pt.Lags[fig]; v > 0 {
				xy = append(xy, plotter.XY{X: pt.RequestsPerJob, Y: v})
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		line.Color, points.Color = colors[fig], colors[fig]
		points.Shape = draw.CircleGlyph{}
		p.Add(line, points)
		p.Legend.Add("fixed pollers, "+fig, line, points)

		if v := f.Operator.Lags[fig]; v > 0 {
			op, err := plotter.NewScatter(plotter.XYs{{X: f.Operator.RequestsPerJob, Y: v}})
			if err != nil {
				return err
			}
			op.Color, op.Shape, op.Radius = colors[fig], draw.PyramidGlyph{}, vg.Points(5)
			p.Add(op)
			p.Legend.Add("operator, "+fig, op)
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	// The operator's cost, where the comparison is made.
	cost, err := plotter.NewLine(plotter.XYs{{X: f.Operator.RequestsPerJob, Y: lo / 1.5}, {X: f.Operator.RequestsPerJob, Y: hi * 1.5}})
	if err != nil {
		return err
	}
	cost.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	cost.Color = color.Gray{Y: 0x80}
	p.Add(cost)
	p.Legend.Add(fmt.Sprintf("operator's cost, %.2f requests/job", f.Operator.RequestsPerJob), cost)
	p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
	return p.Save(8*vg.Inch, 5.5*vg.Inch, path)
}

// roundTicks labels a log axis at 1, 2 and 5 times the powers of ten, which
// plot.LogTicks does not: it labels the powers alone, too few on an axis
// spanning less than two decades.
type roundTicks struct{}

func (roundTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			if v := m * math.Pow(10, e); v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
			}
		}
	}
	return ticks
}
