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

package demo

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/duration"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// tableHeader are the columns of the live table, those of kubectl get
// cloudjobs -o wide without the phase and the job id.
var tableHeader = []string{"NAME", "SERVICE", "STATE", "SUB-JOBS", "PROGRESS", "READY", "REASON", "AGE"}

// tableRow is one CloudJob as the table shows it.
func tableRow(name string, j *jobsv1alpha1.CloudJob, now time.Time) []string {
	if j == nil {
		return []string{name, "", "", "", "", "", "", ""}
	}
	var ready, reason string
	if c := meta.FindStatusCondition(j.Status.Conditions, jobsv1alpha1.ConditionReady); c != nil {
		ready, reason = string(c.Status), c.Reason
	}
	age := ""
	if !j.CreationTimestamp.IsZero() {
		age = duration.HumanDuration(now.Sub(j.CreationTimestamp.Time))
	}
	progress := ""
	if j.Status.Progress != nil {
		progress = fmt.Sprintf("%d%%", *j.Status.Progress)
	}
	return []string{name, string(j.Spec.Service), j.Status.State, j.Status.SubJobsProgress, progress, ready, reason, age}
}

// formatTable lines up rows under the header; empty cells read "-".
func formatTable(rows [][]string) []string {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{tableHeader}, rows...) {
		cells := make([]string, len(r))
		for i, c := range r {
			if c == "" {
				c = "-"
			}
			cells[i] = c
		}
		_, _ = fmt.Fprintln(tw, strings.Join(cells, "\t")) // writes to a bytes.Buffer cannot fail
	}
	_ = tw.Flush()
	return strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
}

// screen is the demo's output: progress lines, and the live table under
// them. On a terminal the table is redrawn in place, and a line printed while
// it is shown goes above it; elsewhere (a pipe, a file, a test's buffer) the
// table is printed again only when something other than its clock changed.
type screen struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	width    int // cut lines to this many columns when more than 0

	shown    []string // the table on the terminal now
	lastKey  string   // what the last printed table showed, without times
	lastDraw []string // the last table drawn, to redraw after a line
}

func newScreen(w io.Writer, terminal bool, width int) *screen {
	return &screen{w: w, terminal: terminal, width: width}
}

// printf prints a progress line (above the table while it is shown).
func (s *screen) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	redraw := s.terminal && len(s.shown) > 0
	var b strings.Builder
	s.erase(&b)
	fmt.Fprintf(&b, format, args...)
	if !strings.HasSuffix(b.String(), "\n") {
		b.WriteByte('\n')
	}
	if redraw {
		s.paint(&b, s.lastDraw)
	}
	_, _ = io.WriteString(s.w, b.String())
}

// table shows lines, the title first. key is what the table says apart from
// its times: without a terminal the table is printed only when key changes.
func (s *screen) table(lines []string, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.terminal {
		if key == s.lastKey {
			return
		}
		s.lastKey = key
		_, _ = io.WriteString(s.w, strings.Join(lines, "\n")+"\n")
		return
	}
	var b strings.Builder
	s.erase(&b)
	s.paint(&b, lines)
	// One write per frame, so that the terminal never shows half a table.
	_, _ = io.WriteString(s.w, b.String())
}

// done leaves the last table on the terminal for good: what is printed next
// goes under it.
func (s *screen) done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shown, s.lastDraw = nil, nil
}

// erase moves the cursor up to where the table starts and clears the screen
// from there.
func (s *screen) erase(b *strings.Builder) {
	if !s.terminal || len(s.shown) == 0 {
		return
	}
	fmt.Fprintf(b, "\x1b[%dA\r\x1b[J", len(s.shown))
	s.shown = nil
}

func (s *screen) paint(b *strings.Builder, lines []string) {
	for _, l := range lines {
		b.WriteString(s.cut(l))
		b.WriteByte('\n')
	}
	s.shown, s.lastDraw = lines, lines
}

// cut shortens l to the terminal's width less one column, so that no line
// wraps (a wrapped line would throw off the cursor-up count).
func (s *screen) cut(l string) string {
	if s.width <= 1 || utf8.RuneCountInString(l) < s.width {
		return l
	}
	return string([]rune(l)[:s.width-1])
}
