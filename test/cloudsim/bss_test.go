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

package cloudsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

const (
	testDomain = "0970dd7a1300f5672ff2c003c60ae115"
	testOrder  = "CS2612030816VYZ8K"
)

// order asks for the order's details as the operator does.
func (h *harness) order(id, domain string) response {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://sim.test/v2/orders/customer-orders/details/"+id, nil)
	if domain != "" {
		req.Header.Set("X-Domain-Id", domain)
	}
	if err := (signer.Signer{Now: h.clock.Now}).Sign(req, nil, signer.Credentials{AccessKey: testCred.AccessKey, SecretKey: testCred.SecretKey}); err != nil {
		h.t.Fatal(err)
	}
	return h.do(req)
}

// resources posts a signed resource query; tamper changes the body after
// signing when set.
func (h *harness) resources(body string, tamper string) response {
	h.t.Helper()
	req := h.postRequest("/v2/orders/suscriptions/resources/query", body,
		map[string]string{"Content-Type": "application/json", "X-Domain-Id": testDomain}, &testCred)
	if tamper != "" {
		req.Body = httptest.NewRequest(http.MethodPost, "http://x", strings.NewReader(tamper)).Body
	}
	return h.do(req)
}

func orderInfo(t *testing.T, r response) map[string]any {
	t.Helper()
	if r.code != http.StatusOK {
		t.Fatalf("order: %d %s", r.code, r.raw)
	}
	info, ok := r.body["order_info"].(map[string]any)
	if !ok {
		t.Fatalf("no order_info in %s", r.raw)
	}
	return info
}

// TestOrderLifecycle: pending payment (with its deadline), paid and
// processing, completed, and the resources listed a little later.
func TestOrderLifecycle(t *testing.T) {
	h := newHarness(t, Config{})
	begin := h.clock.Now()
	h.add(JobSpec{Service: ServiceBSS, ProjectID: testDomain, JobID: testOrder, JobType: "renewal",
		Payment: &PaymentSpec{After: Duration(10 * time.Minute), Resolution: PaymentPaid},
		Running: Duration(5 * time.Minute), ResourcesAfter: Duration(time.Minute),
		OrderResources: []OrderResource{
			{ID: "vm-1", Main: true, Name: "web-1"},
			{ID: "vol-1", Type: "hws.resource.type.volume", ParentID: "vm-1"},
		}})
	all := `{"order_id":"` + testOrder + `","only_main_resource":0,"limit":500}`

	info := orderInfo(t, h.order(testOrder, testDomain))
	if info["status"] != 6.0 || info["order_type"] != 2.0 || info["payment_time"] != nil ||
		info["pending_payment_end_time"] != bssTime(begin.Add(7*24*time.Hour)) || info["create_time"] != bssTime(begin) {
		t.Errorf("pending payment: %v", info)
	}
	if r := h.resources(all, ""); r.code != 200 || r.body["total_count"] != 0.0 {
		t.Errorf("resources while pending payment: %d %s", r.code, r.raw)
	}

	h.clock.Step(11 * time.Minute)
	info = orderInfo(t, h.order(testOrder, testDomain))
	if info["status"] != 3.0 || info["payment_time"] != bssTime(begin.Add(10*time.Minute)) {
		t.Errorf("paid: %v", info)
	}

	h.clock.Step(4 * time.Minute) // completed at 15m, resources from 16m
	if info = orderInfo(t, h.order(testOrder, testDomain)); info["status"] != 5.0 {
		t.Errorf("completed: %v", info)
	}
	if r := h.resources(all, ""); r.body["total_count"] != 0.0 {
		t.Errorf("resources right after completion: %s, want none yet", r.raw)
	}

	h.clock.Step(time.Minute)
	r := h.resources(all, "")
	data, _ := r.body["data"].([]any)
	if r.code != 200 || r.body["total_count"] != 2.0 || len(data) != 2 {
		t.Fatalf("resources: %d %s", r.code, r.raw)
	}
	vol := data[1].(map[string]any)
	if vol["resource_id"] != "vol-1" || vol["is_main_resource"] != 0.0 || vol["parent_resource_id"] != "vm-1" || vol["resource_type_code"] != "hws.resource.type.volume" {
		t.Errorf("attached resource: %v", vol)
	}
	main := `{"order_id":"` + testOrder + `","only_main_resource":1,"limit":1,"offset":0}`
	if r := h.resources(main, ""); r.body["total_count"] != 1.0 || len(r.body["data"].([]any)) != 1 {
		t.Errorf("main only: %s", r.raw)
	}
}

func TestOrderCancelled(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceBSS, ProjectID: testDomain, JobID: testOrder, Payment: &PaymentSpec{}})
	if r := h.admin(http.MethodPost, "/jobs/"+testDomain+"/"+testOrder+"/cancel", ""); r.code != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.code, r.raw)
	}
	if info := orderInfo(t, h.order(testOrder, testDomain)); info["status"] != 4.0 || info["payment_time"] != nil {
		t.Errorf("cancelled: %v", info)
	}
	if r := h.resources(`{"order_id":"`+testOrder+`"}`, ""); r.body["total_count"] != 0.0 {
		t.Errorf("resources of a cancelled order: %s", r.raw)
	}
}

// TestOrderRequestsAreChecked: the order is found only with the account's
// X-Domain-Id; a query's body is validated and covered by the signature.
func TestOrderRequestsAreChecked(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceBSS, ProjectID: testDomain, JobID: testOrder})
	if r := h.order(testOrder, ""); r.code != http.StatusNotFound {
		t.Errorf("without X-Domain-Id: %d %s, want 404", r.code, r.raw)
	}
	if r := h.order("CS0000000000NONE", testDomain); r.code != http.StatusNotFound || !strings.Contains(string(r.raw), "CBC.0101") {
		t.Errorf("unknown order: %d %s", r.code, r.raw)
	}
	for _, bad := range []string{`{"order_id":"x","only_main_resource":2}`, `{"order_id":"x","limit":501}`, `{"only_main_resource":0}`, `[1]`} {
		if r := h.resources(bad, ""); r.code != http.StatusBadRequest || !strings.Contains(string(r.raw), "Invalid parameter") {
			t.Errorf("body %s: %d %s, want 400 Invalid parameter", bad, r.code, r.raw)
		}
	}
	body := `{"order_id":"` + testOrder + `","only_main_resource":0}`
	if r := h.resources(body, strings.Replace(body, testOrder, "CS0000000000NONE", 1)); r.code != http.StatusUnauthorized {
		t.Errorf("a body changed after signing: %d %s, want 401", r.code, r.raw)
	}
	req := httptest.NewRequest(http.MethodGet, "http://sim.test/v2/orders/suscriptions/resources/query", nil)
	if rt, ok := parseRoute(req, nil); ok {
		t.Errorf("a GET of the resource query routed to %+v", rt)
	}
}
