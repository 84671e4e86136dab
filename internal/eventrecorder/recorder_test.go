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

package eventrecorder

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cloudjob-operator/cloudjob-operator/internal/metrics"
	"k8s.io/apimachinery/pkg/util/validation"
)

// counted returns how much the cloudjob_events_total counter of result grew
// while f ran.
func counted(result string, f func()) float64 {
	c := metrics.Events.WithLabelValues(result)
	before := testutil.ToFloat64(c)
	f()
	return testutil.ToFloat64(c) - before
}

// These are unit tests of the queue and the retries; the controller's envtest
// suite checks the Events it records through a real API server.

var regarding = &corev1.ConfigMap{
	TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
	ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "batch-1", UID: "uid-1"},
}

// creates counts Create calls and fails the first failures of them with err.
type creates struct {
	mu       sync.Mutex
	calls    int
	failures int
	err      error
}

func (c *creates) create(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
	c.mu.Lock()
	c.calls++
	fail := c.calls <= c.failures
	c.mu.Unlock()
	if fail {
		return c.err
	}
	return cl.Create(ctx, obj, opts...)
}

func (c *creates) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

func newRecorder(t *testing.T, c *creates, queue int) (*Recorder, client.Client) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	cl := fake.NewClientBuilder().WithScheme(scheme).WithInterceptorFuncs(interceptor.Funcs{Create: c.create}).Build()
	r := New(cl, scheme, "cloudjob-operator", logr.Discard())
	r.queue = make(chan *eventsv1.Event, queue)
	r.backoff = wait.Backoff{Duration: time.Millisecond, Factor: 2, Steps: tries}
	return r, cl
}

func recorded(t *testing.T, cl client.Client) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	if err := cl.List(context.Background(), &list); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// run starts r, lets it send what was queued, and stops it.
func run(t *testing.T, r *Recorder) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Start drains the queue before it returns.
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRecordsEventsAPIEvent(t *testing.T) {
	c := &creates{}
	r, cl := newRecorder(t, c, 10)
	r.Eventf(regarding, nil, corev1.EventTypeWarning, "JobFailed", "Poll", "job %s failed: %s", "ff80", "BMS.0001")
	run(t, r)

	evs := recorded(t, cl)
	if len(evs) != 1 {
		t.Fatalf("recorded %d Events, want 1", len(evs))
	}
	ev := evs[0]
	checks := []struct {
		field, got, want string
	}{
		{"namespace", ev.Namespace, "team-a"},
		{"regarding.kind", ev.Regarding.Kind, "ConfigMap"},
		{"regarding.name", ev.Regarding.Name, "batch-1"},
		{"regarding.uid", string(ev.Regarding.UID), "uid-1"},
		{"type", ev.Type, corev1.EventTypeWarning},
		{"reason", ev.Reason, "JobFailed"},
		{"action", ev.Action, "Poll"},
		{"note", ev.Note, "job ff80 failed: BMS.0001"},
		{"reportingController", ev.ReportingController, "cloudjob-operator"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if !strings.HasPrefix(ev.Name, "batch-1.") {
		t.Errorf("name %q, want batch-1.<hex>", ev.Name)
	}
	if !strings.HasPrefix(ev.ReportingInstance, "cloudjob-operator-") {
		t.Errorf("reportingInstance %q, want cloudjob-operator-<host>", ev.ReportingInstance)
	}
	if ev.EventTime.IsZero() || ev.Series != nil {
		t.Errorf("eventTime %v, series %v: want a time and no series", ev.EventTime, ev.Series)
	}
	if len(r.queue) != 0 {
		t.Errorf("%d Events still queued after sending", len(r.queue))
	}
}

func TestRetriesWhileTheAPIServerIsUnavailable(t *testing.T) {
	c := &creates{failures: 3, err: apierrors.NewServiceUnavailable("etcd is down")}
	r, cl := newRecorder(t, c, 10)
	r.Eventf(regarding, nil, corev1.EventTypeNormal, "Started", "Poll", "started")
	if got := counted(metrics.EventRecorded, func() { run(t, r) }); got != 1 {
		t.Errorf("cloudjob_events_total{result=recorded} grew by %v, want 1", got)
	}
	if n := len(recorded(t, cl)); n != 1 || c.count() != 4 {
		t.Errorf("recorded %d Events in %d calls, want 1 in 4 (3 answered 503)", n, c.count())
	}
}

func TestGivesUpOnARejectedEventOrAfterItsTries(t *testing.T) {
	gr := schema.GroupResource{Group: "events.k8s.io", Resource: "events"}
	for _, tc := range []struct {
		name      string
		err       error
		wantCalls int
	}{
		{"rejected", apierrors.NewInvalid(schema.GroupKind{Group: "events.k8s.io", Kind: "Event"}, "x", nil), 1},
		{"forbidden", apierrors.NewForbidden(gr, "x", nil), 1},
		{"unavailable for longer than the tries", apierrors.NewTooManyRequests("slow down", 1), tries},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &creates{failures: 100, err: tc.err}
			r, cl := newRecorder(t, c, 10)
			r.Eventf(regarding, nil, corev1.EventTypeNormal, "Started", "Poll", "started")
			if got := counted(metrics.EventFailed, func() { run(t, r) }); got != 1 {
				t.Errorf("cloudjob_events_total{result=failed} grew by %v, want 1", got)
			}
			if n := len(recorded(t, cl)); n != 0 || c.count() != tc.wantCalls {
				t.Errorf("recorded %d Events in %d calls, want 0 in %d", n, c.count(), tc.wantCalls)
			}
		})
	}
}

func TestAFullQueueDropsInsteadOfBlocking(t *testing.T) {
	c := &creates{}
	r, cl := newRecorder(t, c, 2)
	var logLines atomic.Int32
	r.log = funcr.New(func(_, _ string) { logLines.Add(1) }, funcr.Options{})
	dropped := counted(metrics.EventDropped, func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 5 {
				r.Eventf(regarding, nil, corev1.EventTypeNormal, "Started", "Poll", "started")
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Eventf blocked on a full queue")
		}
	})
	if dropped != 3 {
		t.Errorf("cloudjob_events_total{result=dropped} grew by %v, want 3", dropped)
	}
	if n := logLines.Load(); n != 1 {
		t.Errorf("%d log lines about 3 drops within a second, want 1", n)
	}
	run(t, r)
	if n := len(recorded(t, cl)); n != 2 {
		t.Errorf("recorded %d Events, want the 2 that fit in the queue", n)
	}
}

func TestFitNoteKeepsNotesWithinTheLimit(t *testing.T) {
	short := "the cloud job failed"
	if got := fitNote(short); got != short {
		t.Errorf("a short note changed: %q", got)
	}
	exact := strings.Repeat("a", maxNoteBytes)
	if got := fitNote(exact); got != exact {
		t.Error("a note of exactly the limit changed")
	}
	// Chinese text is three bytes a character: the cut must not split one.
	long := "the cloud job failed: " + strings.Repeat("镜像不可用", 120)
	got := fitNote(long)
	if len(got) > maxNoteBytes || !utf8.ValidString(got) {
		t.Fatalf("cut note: %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
	var cut int
	if _, err := fmt.Sscanf(got[strings.LastIndex(got, " ["):], " [%d bytes cut]", &cut); err != nil {
		t.Fatalf("the cut note %q does not say how much was cut: %v", got[len(got)-30:], err)
	}
	if kept := len(got) - len(fmt.Sprintf(" [%d bytes cut]", cut)); kept+cut != len(long) || !strings.HasPrefix(long, got[:kept]) {
		t.Errorf("kept %d and cut %d bytes of %d", kept, cut, len(long))
	}
}

func TestEventNameIsAValidNameForLongObjectNames(t *testing.T) {
	for _, n := range []int{1, 63, 236, 237, 253} {
		name := strings.Repeat("a", n-1) + "z"
		if n > 10 {
			name = strings.Repeat("a", n-12) + ".b-c.d-e-f-z"
		}
		got := eventName(name, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC).UnixNano())
		if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
			t.Errorf("object name of %d bytes: event name %q is invalid: %v", n, got, errs)
		}
		if n <= 200 && !strings.HasPrefix(got, name+".") {
			t.Errorf("object name of %d bytes was cut: %q", n, got)
		}
	}
}
