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

// Package eventrecorder records Kubernetes Events (events.k8s.io/v1) and keeps
// none of them once sent.
//
// client-go's recorder (tools/events, which controller-runtime's
// GetEventRecorder returns) keeps every Event it sends for 6 to 12 minutes, to
// merge repeats of the same Event into a series. The operator records one Event
// per transition of a CloudJob, and a transition never repeats, so there is
// nothing to merge; with 10,000 CloudJobs starting within minutes that cache
// held about 25 MB, a sixth of the operator's memory. This recorder sends each
// Event once, from a bounded queue, and forgets it.
package eventrecorder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/reference"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/cloudjob-operator/cloudjob-operator/internal/metrics"
)

const (
	// DefaultQueueSize bounds the Events waiting to be sent: about 1 KiB each,
	// so a full queue is under 10 MiB. Past it an Event is dropped and counted.
	DefaultQueueSize = 8192
	// DefaultWorkers send Events concurrently. Sending is bound by the API
	// server's latency, so a burst of thousands of CloudJobs changing at once
	// needs many requests in flight, as client-go's recorder has (one goroutine
	// per Event there).
	DefaultWorkers = 16
	// dropLogEvery: drops are logged at most this often, with their count, so a
	// burst does not flood the log.
	dropLogEvery = 10 * time.Second
	// tries is how often an Event is sent while the API server is unreachable
	// or overloaded, over about half a minute; a rejected Event is not retried.
	tries = 6
	// maxNoteBytes is the API server's limit on an Event's note.
	maxNoteBytes = 1024
	// maxNameBytes is the limit on an object name (a DNS subdomain).
	maxNameBytes = 253
	// drainTimeout bounds the time spent at shutdown sending the Events still
	// queued.
	drainTimeout = 5 * time.Second
)

// Recorder implements client-go's events.EventRecorder.
type Recorder struct {
	client     client.Client
	scheme     *runtime.Scheme
	controller string
	instance   string
	log        logr.Logger
	queue      chan *eventsv1.Event
	workers    int
	backoff    wait.Backoff
	now        func() time.Time

	dropMu      sync.Mutex
	drops       int       // dropped since the last log line
	lastDropLog time.Time // when the last log line about drops was written
}

var _ events.EventRecorder = &Recorder{}

// New returns a Recorder that writes Events with c, naming controller as their
// reporting controller. Its Start sends them; it is a manager.Runnable.
func New(c client.Client, scheme *runtime.Scheme, controller string, log logr.Logger) *Recorder {
	host, _ := os.Hostname()
	return &Recorder{
		client:     c,
		scheme:     scheme,
		controller: controller,
		instance:   controller + "-" + host,
		log:        log,
		queue:      make(chan *eventsv1.Event, DefaultQueueSize),
		workers:    DefaultWorkers,
		backoff:    wait.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.1, Steps: tries},
		now:        time.Now,
	}
}

// AddToManager returns a Recorder writing with mgr's client, which mgr starts
// and stops: a Recorder nobody starts queues Events and never sends them.
func AddToManager(mgr manager.Manager, controller string) (*Recorder, error) {
	r := New(mgr.GetClient(), mgr.GetScheme(), controller, mgr.GetLogger().WithName("events"))
	if err := mgr.Add(r); err != nil {
		return nil, err
	}
	return r, nil
}

// Eventf queues an Event about regarding (and related, which may be nil). It
// never blocks: with the queue full the Event is dropped and logged.
func (r *Recorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	ev, err := r.makeEvent(regarding, related, eventtype, reason, action, fmt.Sprintf(note, args...))
	if err != nil {
		metrics.Events.WithLabelValues(metrics.EventFailed).Inc()
		r.log.Error(err, "cannot record Event", "reason", reason)
		return
	}
	select {
	case r.queue <- ev:
	default:
		metrics.Events.WithLabelValues(metrics.EventDropped).Inc()
		r.dropped(ev)
	}
}

// dropped logs a dropped Event, or only counts it if a drop was logged less than
// dropLogEvery ago; the next log line gives the count.
func (r *Recorder) dropped(ev *eventsv1.Event) {
	r.dropMu.Lock()
	defer r.dropMu.Unlock()
	r.drops++
	if now := r.now(); now.Sub(r.lastDropLog) >= dropLogEvery {
		r.log.Error(nil, "Events dropped: too many waiting to be sent to the API server", "dropped", r.drops,
			"queued", cap(r.queue), "last", klog.KRef(ev.Regarding.Namespace, ev.Regarding.Name), "reason", ev.Reason)
		r.drops, r.lastDropLog = 0, now
	}
}

func (r *Recorder) makeEvent(regarding, related runtime.Object, eventtype, reason, action, note string) (*eventsv1.Event, error) {
	ref, err := reference.GetReference(r.scheme, regarding)
	if err != nil {
		return nil, err
	}
	ev := &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Name:      eventName(ref.Name, r.now().UnixNano()),
			Namespace: ref.Namespace,
		},
		EventTime:           metav1.NewMicroTime(r.now()),
		ReportingController: r.controller,
		ReportingInstance:   r.instance,
		Action:              action,
		Reason:              reason,
		Regarding:           *ref,
		Note:                fitNote(note),
		Type:                eventtype,
	}
	if ev.Namespace == "" {
		ev.Namespace = metav1.NamespaceDefault
	}
	if related != nil {
		if ev.Related, err = reference.GetReference(r.scheme, related); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// Start sends queued Events until ctx ends, then for at most drainTimeout what
// is still queued. Sends have a context of their own, so that an Event being
// sent when ctx ends is not cut off.
func (r *Recorder) Start(ctx context.Context) error {
	sendCtx, cancelSends := context.WithCancel(context.Background())
	defer cancelSends()
	var wg sync.WaitGroup
	for range r.workers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case ev := <-r.queue:
					r.send(sendCtx, ev)
				}
			}
		})
	}
	<-ctx.Done()
	stop := time.AfterFunc(drainTimeout, cancelSends)
	defer stop.Stop()
	wg.Wait()
	for sendCtx.Err() == nil {
		select {
		case ev := <-r.queue:
			r.send(sendCtx, ev)
		default:
			return nil
		}
	}
	return nil
}

// NeedLeaderElection is false: a standby replica records no Events, and the
// elected one must be able to send as soon as it leads.
func (r *Recorder) NeedLeaderElection() bool { return false }

// send creates ev, trying again while the API server is unreachable or
// overloaded.
func (r *Recorder) send(ctx context.Context, ev *eventsv1.Event) {
	var last error
	err := wait.ExponentialBackoffWithContext(ctx, r.backoff, func(ctx context.Context) (bool, error) {
		last = r.client.Create(ctx, ev.DeepCopy())
		switch {
		case last == nil, apierrors.IsAlreadyExists(last):
			metrics.Events.WithLabelValues(metrics.EventRecorded).Inc()
			return true, nil
		case retriable(last):
			return false, nil
		default:
			return false, last
		}
	})
	if err != nil {
		if last == nil {
			last = err
		}
		metrics.Events.WithLabelValues(metrics.EventFailed).Inc()
		r.log.Error(last, "Event not recorded", "reason", ev.Reason, "regarding", klog.KRef(ev.Regarding.Namespace, ev.Regarding.Name))
	}
}

// retriable reports whether an error may go away by itself: the API server
// unreachable, overloaded or timing out, rather than rejecting the Event.
func retriable(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return true // no answer from the API server
	}
	return apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err)
}

// eventName is the name of an Event about the object named name: the name, a
// dot and the time in hex, as client-go names Events. A name too long to take
// the suffix is cut (the Event's regarding reference still names the object in
// full).
func eventName(name string, unixNano int64) string {
	suffix := fmt.Sprintf(".%x", unixNano)
	if room := maxNameBytes - len(suffix); len(name) > room {
		// A DNS subdomain's labels end with a letter or digit.
		name = strings.TrimRight(name[:room], ".-")
	}
	return name + suffix
}

// fitNote keeps a note within the API server's limit: a longer one is cut at a
// character boundary and says how much was cut, since an Event over the limit
// is rejected whole.
func fitNote(note string) string {
	if len(note) <= maxNoteBytes {
		return note
	}
	// The marker's length depends on the count; reserve room for the largest.
	marker := func(n int) string { return fmt.Sprintf(" [%d bytes cut]", n) }
	keep := maxNoteBytes - len(marker(len(note)))
	for keep > 0 && !utf8.RuneStart(note[keep]) {
		keep--
	}
	return note[:keep] + marker(len(note)-keep)
}
