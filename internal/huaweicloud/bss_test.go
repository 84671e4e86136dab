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

package huaweicloud

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

const (
	testDomain = "0a4c6b1e2d8f4a5b9c7d3e1f2a4b6c8d"
	testOrder  = "CS2612030816VYZ8K"
)

// orderRequest asks the fake cloud for the test order, lastState being the
// state the previous poll recorded.
func (fc *fakeCloud) orderRequest(lastState string) Request {
	return Request{
		Endpoint:    fc.srv.URL,
		Service:     ServiceBSS,
		JobRef:      JobRef{DomainID: testDomain, OrderID: testOrder, LastState: lastState},
		Credentials: testCred,
	}
}

// TestOrderSteps: the order is asked for with a signed GET until it is
// completed, then its resources with a signed POST whose body the signature
// covers; both carry the account's X-Domain-Id.
func TestOrderSteps(t *testing.T) {
	fc := newFakeCloud(t)
	client := newTestClient(Options{})
	const detailsPath = "/v2/orders/customer-orders/details/" + testOrder
	const queryPath = "/v2/orders/suscriptions/resources/query"
	fc.set(detailsPath, answer{body: readFixture(t, "bss-order-pending-payment.json")})
	fc.set(queryPath, answer{body: readFixture(t, "bss-resources.json")})

	order, err := client.GetJob(context.Background(), fc.orderRequest(""))
	if err != nil {
		t.Fatalf("order: %v", err)
	}
	r := fc.lastRequest()
	if r.Method != http.MethodGet || r.URL.Path != detailsPath || len(fc.lastBody()) != 0 {
		t.Errorf("asked %s %s with %d body bytes, want GET %s without a body", r.Method, r.URL.Path, len(fc.lastBody()), detailsPath)
	}
	if got := r.Header.Get("X-Domain-Id"); got != testDomain {
		t.Errorf("X-Domain-Id = %q, want %q", got, testDomain)
	}
	if order.Phase != PhaseAwaitingPayment || order.JobID != "" {
		t.Errorf("order: phase %s, job id %q; want AwaitingPayment and no job id", order.Phase, order.JobID)
	}

	resources, err := client.GetJob(context.Background(), fc.orderRequest("5"))
	if err != nil {
		t.Fatalf("resources: %v", err)
	}
	r = fc.lastRequest()
	if r.Method != http.MethodPost || r.URL.Path != queryPath {
		t.Errorf("asked %s %s, want POST %s", r.Method, r.URL.Path, queryPath)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if got := r.Header.Get("X-Domain-Id"); got != testDomain {
		t.Errorf("X-Domain-Id = %q, want %q", got, testDomain)
	}
	var body map[string]any
	if err := json.Unmarshal(fc.lastBody(), &body); err != nil {
		t.Fatalf("body %q: %v", fc.lastBody(), err)
	}
	if body["order_id"] != testOrder || body["only_main_resource"] != 0.0 || body["limit"] != float64(maxOrderResources) {
		t.Errorf("body = %v, want the order, every resource (only_main_resource 0) and limit %d", body, maxOrderResources)
	}
	if resources.Phase != PhaseSucceeded || len(resources.OrderResources) != 3 {
		t.Errorf("resources: phase %s with %d resources, want Succeeded with 3", resources.Phase, len(resources.OrderResources))
	}
}

// TestOrderPostWithAnotherBodyIsRejected: the fake gateway checks the body's
// hash, so a signed POST whose body changed on the way fails authentication.
func TestOrderPostWithAnotherBodyIsRejected(t *testing.T) {
	fc := newFakeCloud(t)
	fc.set("/v2/orders/suscriptions/resources/query", answer{body: `{"total_count":0,"data":[]}`})
	client := newTestClient(Options{Transport: rewriteBody{http.DefaultTransport}})
	_, err := client.GetJob(context.Background(), fc.orderRequest("5"))
	if ClassOf(err) != ErrAuthenticationFailed {
		t.Fatalf("GetJob with a changed body: %v, want AuthenticationFailed", err)
	}
}

// rewriteBody changes a request's body after it was signed.
type rewriteBody struct{ next http.RoundTripper }

func (t rewriteBody) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	const other = `{"order_id":"CS0000000000OTHER","only_main_resource":0,"limit":500}`
	r.Body = readCloser{strings.NewReader(other)}
	r.ContentLength = int64(len(other))
	return t.next.RoundTrip(r)
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func TestOrderAnswers(t *testing.T) {
	tests := []struct {
		name, fixture, body, last string
		want                      Job
		entitiesOrderID           string
	}{
		{
			name: "pending payment, with its payment deadline", fixture: "bss-order-pending-payment.json",
			want: Job{JobType: "purchase", State: "6", Phase: PhaseAwaitingPayment, BeginTime: at("2026-12-03T08:16:40Z"),
				Summary: "order status 6 (pending payment), to be paid by 2026-12-10T08:16:40Z"},
			entitiesOrderID: testOrder,
		},
		{
			name: "cancelled", fixture: "bss-order-cancelled.json",
			want: Job{JobType: "purchase", State: "4", Phase: PhaseFailed, BeginTime: at("2026-12-02T11:05:12Z"),
				Summary: "order status 4 (cancelled)", Cancelled: true, FailReason: "the order was cancelled"},
			entitiesOrderID: "CS2612021105QWE1R",
		},
		{
			name: "completed: its resources are asked for next",
			body: `{"order_info":{"order_id":"o","status":"5","order_type":2,"create_time":"2026-12-03T08:16:40Z"}}`,
			want: Job{JobType: "renewal", State: "5", Phase: PhaseRunning, BeginTime: at("2026-12-03T08:16:40Z"),
				Summary: "order status 5 (completed); its resources are asked for next"},
			entitiesOrderID: "o",
		},
		{
			name:            "pending payment without a deadline, unknown order type",
			body:            `{"order_info":{"order_id":"o","status":6,"order_type":99}}`,
			want:            Job{JobType: "orderType99", State: "6", Phase: PhaseAwaitingPayment, Summary: "order status 6 (pending payment)"},
			entitiesOrderID: "o",
		},
		{
			name: "unreadable payment deadline is named and left out",
			body: `{"order_info":{"order_id":"o","status":6,"pending_payment_end_time":"next week"}}`,
			want: Job{State: "6", Phase: PhaseAwaitingPayment, Summary: "order status 6 (pending payment)",
				UnreadTimes: []string{`pending_payment_end_time="next week"`}},
			entitiesOrderID: "o",
		},
		{
			name: "resources, main first", fixture: "bss-resources.json", last: "5",
			want: Job{State: "5", Phase: PhaseSucceeded, FollowUp: true, OrderResourcesTotal: 3,
				Summary: "order status 5 (completed) with 3 resources",
				OrderResources: []OrderResource{
					{ID: "8c2d4e6f-0a1b-4c3d-8e5f-7a9b1c3d5e70", Type: "hws.resource.type.vm", Name: "web-0001", Main: true},
					{ID: "2f4a6c8e-1b3d-4f5a-9c7e-0d2f4a6c8e10", Type: "hws.resource.type.vm", Name: "web-0002", Main: true},
					{ID: "4b1e6f0c-7a2d-4c8e-9f3b-1d5a7c9e2b40", Type: "hws.resource.type.volume", Name: "web-0001",
						ParentID: "8c2d4e6f-0a1b-4c3d-8e5f-7a9b1c3d5e70"},
				}},
		},
		{
			name: "no resources yet", fixture: "bss-resources-empty.json", last: "5",
			want: Job{State: "5", Phase: PhaseRunning, FollowUp: true,
				Summary: "order status 5 (completed); its resources are not listed yet"},
		},
		{
			name: "a total larger than the page is kept", last: "5",
			body: `{"total_count":"700","data":[{"resource_id":"r1","resource_type_code":"hws.resource.type.vm","is_main_resource":"1"}]}`,
			want: Job{State: "5", Phase: PhaseSucceeded, FollowUp: true, OrderResourcesTotal: 700,
				Summary:        "order status 5 (completed) with 700 resources",
				OrderResources: []OrderResource{{ID: "r1", Type: "hws.resource.type.vm", Main: true}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if tt.fixture != "" {
				body = readFixture(t, tt.fixture)
			}
			job, err := bssAdapter.Decode([]byte(body), JobRef{DomainID: testDomain, OrderID: "o", LastState: tt.last})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			// The order's details are its entities; the resource query has none.
			var entities struct {
				OrderID string `json:"order_id"`
			}
			if tt.entitiesOrderID == "" {
				if job.Entities != nil {
					t.Errorf("entities = %s, want none", job.Entities)
				}
			} else if err := json.Unmarshal(job.Entities, &entities); err != nil || entities.OrderID != tt.entitiesOrderID {
				t.Errorf("entities = %s (%v), want the order_info of %s", job.Entities, err, tt.entitiesOrderID)
			}
			tt.want.Entities = job.Entities
			assertJob(t, "order", *job, tt.want)
		})
	}
}

// TestOrderStatuses: every documented status has its phase and is named in
// words; an undocumented one is Unknown and keeps the order polled.
func TestOrderStatuses(t *testing.T) {
	for status, want := range map[int]struct {
		phase   Phase
		summary string
	}{
		1:  {PhaseRunning, "order status 1 (pending approval)"},
		2:  {PhaseRunning, "order status 2 (pending refund)"},
		3:  {PhaseRunning, "order status 3 (processing)"},
		9:  {PhaseRunning, "order status 9 (to be confirmed)"},
		6:  {PhaseAwaitingPayment, "order status 6 (pending payment)"},
		4:  {PhaseFailed, "order status 4 (cancelled)"},
		5:  {PhaseRunning, "order status 5 (completed); its resources are asked for next"},
		10: {PhaseUnknown, "order status 10"},
	} {
		body, _ := json.Marshal(map[string]any{"order_info": map[string]any{"status": status}})
		job, err := bssAdapter.Decode(body, JobRef{OrderID: "o"})
		if err != nil {
			t.Errorf("status %d: %v", status, err)
			continue
		}
		if job.Phase != want.phase || job.Summary != want.summary || job.Cancelled != (status == 4) {
			t.Errorf("status %d: phase %s, summary %q, cancelled %v; want %s, %q", status, job.Phase, job.Summary, job.Cancelled, want.phase, want.summary)
		}
	}
}

// TestOrderAnswersThatAreNotOrders: what the client reports for answers that
// hold no order.
func TestOrderAnswersThatAreNotOrders(t *testing.T) {
	for _, tt := range []struct {
		body, last string
		notFound   bool
		wantErr    string
	}{
		{body: `{"total_count":0}`, notFound: true},
		{body: `{"order_info":null}`, notFound: true},
		{body: `{"order_info":{"order_id":"o"}}`, wantErr: "order_info.status is missing"},
		{body: `{"order_info":{"status":{"code":5}}}`, wantErr: "order_info.status is an object"},
		{body: `{"order_info":[]}`, wantErr: "order_info"},
		{body: `[]`, wantErr: "not a JSON object"},
		{body: `{"orders":[]}`, last: "5", wantErr: "neither total_count nor data"},
		{body: `{"total_count":1,"data":[7]}`, last: "5", wantErr: "data[0]"},
	} {
		job, err := bssAdapter.Decode([]byte(tt.body), JobRef{OrderID: "o", LastState: tt.last})
		switch {
		case job != nil:
			t.Errorf("%s: decoded %+v, want an error", tt.body, job)
		case tt.notFound && !errors.Is(err, errJobNotListed):
			t.Errorf("%s: %v, want errJobNotListed", tt.body, err)
		case !tt.notFound && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: %v, want an error naming %q", tt.body, err, tt.wantErr)
		}
	}
}

// TestOrderIDIsChecked: the order id is checked as job ids are, and a job id
// is not asked for.
func TestOrderIDIsChecked(t *testing.T) {
	fc := newFakeCloud(t)
	req := fc.orderRequest("")
	req.OrderID = "../x"
	if _, err := newTestClient(Options{}).GetJob(context.Background(), req); ClassOf(err) != ErrInvalidRequest || !strings.Contains(err.Error(), "order id") {
		t.Errorf("GetJob(order ../x) = %v, want InvalidRequest naming the order id", err)
	}
	if n := fc.requestCount(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
