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
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// bssAdapter tracks a yearly/monthly (prepaid) order, which a prepaid create
// answers with instead of, or besides, a job. It reads the order in two steps,
// one request per poll, chosen by the state the previous poll recorded:
//
//   - the order: GET /v2/orders/customer-orders/details/{order_id}, answered
//     {"order_info": {"order_id", "status", "order_type", "create_time",
//     "payment_time", "pending_payment_end_time", ...}, "order_line_items": [...]};
//   - once the order is completed (status 5), its resources: POST
//     /v2/orders/suscriptions/resources/query (the API's spelling) with
//     {"order_id", "only_main_resource": 0, "limit"}, answered {"total_count",
//     "data": [{"resource_id", "resource_type_code", "resource_name",
//     "is_main_resource", "parent_resource_id", ...}]}. Until it lists a
//     resource they are still being provisioned and the order stays Running.
//
// The API is global (host bss, no region) and belongs to the account, so
// requests carry X-Domain-Id, as AK/SK requests to global services must.
var bssAdapter Adapter = orderAdapter{}

// The order statuses (order_info.status).
const (
	orderPendingApproval = 1
	orderPendingRefund   = 2
	orderProcessing      = 3
	orderCancelled       = 4
	orderCompleted       = 5
	orderPendingPayment  = 6
	orderToBeConfirmed   = 9
)

// orderStatuses name the documented statuses and their phases. A completed
// order is Running until its resources are listed.
var orderStatuses = map[int]struct {
	words string
	phase Phase
}{
	orderPendingApproval: {"pending approval", PhaseRunning},
	orderPendingRefund:   {"pending refund", PhaseRunning},
	orderProcessing:      {"processing", PhaseRunning},
	orderCancelled:       {"cancelled", PhaseFailed},
	orderCompleted:       {"completed", PhaseRunning},
	orderPendingPayment:  {"pending payment", PhaseAwaitingPayment},
	orderToBeConfirmed:   {"to be confirmed", PhaseRunning},
}

// orderTypes name the documented order types (order_info.order_type); the
// name is the job type.
var orderTypes = map[int]string{
	1:  "purchase",
	2:  "renewal",
	3:  "change",
	4:  "unsubscription",
	10: "toPayPerUse",
	11: "toYearlyMonthly",
	13: "trial",
	14: "trialToCommercial",
	15: "feeAdjustment",
}

// completedOrderState is the recorded state after which the resources are
// asked for.
var completedOrderState = strconv.Itoa(orderCompleted)

// maxOrderResources is how many resources one query asks for: the API's
// largest page. The total the cloud counts is kept when an order has more.
const maxOrderResources = 500

type orderAdapter struct{}

func (orderAdapter) Host() string { return "bss" }

func (orderAdapter) Needs() Needs { return Needs{Domain: true, Order: true} }

func (orderAdapter) Locate(ref JobRef) Location {
	if ref.LastState == completedOrderState {
		body, _ := json.Marshal(resourceQuery{OrderID: ref.OrderID, OnlyMainResource: 0, Limit: maxOrderResources}) // cannot fail: strings and ints
		return Location{Path: "/v2/orders/suscriptions/resources/query", Body: body}
	}
	return Location{Path: "/v2/orders/customer-orders/details/" + url.PathEscape(ref.OrderID)}
}

// resourceQuery is the body of the resource query: every resource of the
// order, main and attached (only_main_resource 0).
type resourceQuery struct {
	OrderID          string `json:"order_id"`
	OnlyMainResource int    `json:"only_main_resource"`
	Limit            int    `json:"limit"`
}

func (orderAdapter) Decode(body []byte, ref JobRef) (*Job, error) {
	if ref.LastState == completedOrderState {
		return decodeOrderResources(body)
	}
	return decodeOrder(body)
}

// decodeOrder reads the order's details.
func decodeOrder(body []byte) (*Job, error) {
	var answer struct {
		OrderInfo json.RawMessage `json:"order_info"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if isNull(answer.OrderInfo) {
		return nil, errJobNotListed
	}
	var info struct {
		Status         json.RawMessage `json:"status"`
		OrderType      json.RawMessage `json:"order_type"`
		CreateTime     json.RawMessage `json:"create_time"`
		PaymentEndTime json.RawMessage `json:"pending_payment_end_time"`
	}
	if err := json.Unmarshal(answer.OrderInfo, &info); err != nil {
		return nil, fmt.Errorf("order_info: %w", err)
	}
	status, ok := looseInt(info.Status)
	switch {
	case !ok && isNull(info.Status):
		return nil, fmt.Errorf("order_info.status is missing")
	case !ok:
		return nil, fmt.Errorf("order_info.status is %s, want an order status number", jsonKind(info.Status))
	}
	job := &Job{State: strconv.Itoa(status), Phase: PhaseUnknown, Entities: compact(answer.OrderInfo)}
	if t, ok := looseInt(info.OrderType); ok {
		job.JobType = orderTypes[t]
		if job.JobType == "" {
			job.JobType = "orderType" + strconv.Itoa(t)
		}
	}
	job.BeginTime = job.readTime("create_time", info.CreateTime)
	known, isKnown := orderStatuses[status]
	if !isKnown {
		job.Summary = fmt.Sprintf("order status %d", status) // Unknown: messages say it is not known
		return job, nil
	}
	job.Phase = known.phase
	job.Summary = fmt.Sprintf("order status %d (%s)", status, known.words)
	switch status {
	case orderPendingPayment:
		if due := job.readTime("pending_payment_end_time", info.PaymentEndTime); due != nil {
			job.Summary += ", to be paid by " + due.UTC().Format(time.RFC3339)
		}
	case orderCancelled:
		job.Cancelled = true
		job.FailReason = "the order was cancelled"
	case orderCompleted:
		job.Summary += "; its resources are asked for next"
	}
	return job, nil
}

// decodeOrderResources reads the resource query's answer about a completed
// order: Succeeded once it lists a resource, Running before. It decodes the
// resources one answer may decode (maxDecodedEntries, far above the 500 asked
// for) and counts the rest.
func decodeOrderResources(body []byte) (*Job, error) {
	var answer struct {
		TotalCount json.RawMessage `json:"total_count"`
		Data       json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, fmt.Errorf("not a resource list: %w", err)
	}
	total, counted := looseInt(answer.TotalCount)
	if !counted && isNull(answer.Data) {
		return nil, errors.New("neither total_count nor data: not an answer of the resource query")
	}
	job := &Job{State: completedOrderState, Phase: PhaseRunning, FollowUp: true}
	listed, err := job.decodeOrderResourceList(answer.Data)
	if err != nil {
		return nil, err
	}
	// Main resources first, each kind in the cloud's order.
	slices.SortStableFunc(job.OrderResources, func(a, b OrderResource) int {
		switch {
		case a.Main == b.Main:
			return 0
		case a.Main:
			return -1
		default:
			return 1
		}
	})
	job.OrderResourcesTotal = max(total, listed)
	if job.OrderResourcesTotal == 0 {
		job.Summary = "order status 5 (completed); its resources are not listed yet"
		return job, nil
	}
	job.Phase = PhaseSucceeded
	job.Summary = "order status 5 (completed) with 1 resource"
	if job.OrderResourcesTotal > 1 {
		job.Summary = fmt.Sprintf("order status 5 (completed) with %d resources", job.OrderResourcesTotal)
	}
	return job, nil
}

// decodeOrderResourceList sets the order's resources from the list data while
// the answer's budget lasts, and returns how many it lists, decoded or not. An
// entry that is not an object (null aside) is an error, as is data that is
// neither an array nor null.
func (job *Job) decodeOrderResourceList(data json.RawMessage) (listed int, err error) {
	if isNull(data) {
		return 0, nil
	}
	b := newEntryBudget()
	isArray, err := eachEntry(data, func(i int, raw json.RawMessage) error {
		listed++
		if !b.take() {
			return nil
		}
		var item struct {
			ID       json.RawMessage `json:"resource_id"`
			Type     json.RawMessage `json:"resource_type_code"`
			Name     json.RawMessage `json:"resource_name"`
			Main     json.RawMessage `json:"is_main_resource"`
			ParentID json.RawMessage `json:"parent_resource_id"`
		}
		if err := json.Unmarshal(raw, &item); err != nil {
			return fmt.Errorf("data[%d]: %w", i, err)
		}
		main, _ := looseInt(item.Main)
		job.OrderResources = append(job.OrderResources, OrderResource{
			ID:       cleanID(looseString(item.ID)),
			Type:     cleanID(looseString(item.Type)),
			Name:     cleanID(looseString(item.Name)),
			Main:     main == 1,
			ParentID: cleanID(looseString(item.ParentID)),
		})
		return nil
	})
	switch {
	case err != nil:
		return 0, err
	case !isArray:
		return 0, fmt.Errorf("not a resource list: data is %s, want an array", jsonKind(data))
	}
	return listed, nil
}
