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
	"strconv"
	"time"
)

// The order types bss knows, by the job type a scenario names.
var orderTypes = map[string]int{
	"purchase": 1, "renewal": 2, "change": 3, "unsubscription": 4,
	"toPayPerUse": 10, "toYearlyMonthly": 11, "trial": 13, "trialToCommercial": 14, "feeAdjustment": 15,
}

// defaultPaymentWindow is how long an order may wait for payment when the
// scenario does not say.
const defaultPaymentWindow = 7 * 24 * time.Hour

// bssTime is BSS's time style, UTC to the second: 2019-05-06T08:05:01Z.
func bssTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// bssBody answers either BSS API: the order's details, or the resources of
// the order when the request is the resource query.
func (v jobView) bssBody() object {
	if v.route.style == styleBSSResources {
		return v.orderResources()
	}
	s := &v.job.spec
	status, _ := strconv.Atoi(v.say(v.state))
	orderType, ok := orderTypes[s.JobType]
	if !ok {
		orderType = 1
	}
	var paid, due any
	if p := s.Payment; p != nil {
		window := defaultPaymentWindow
		if p.DueAfter != nil {
			window = p.DueAfter.D()
		}
		due = bssTime(v.tl.begin.Add(window))
		if v.tl.resolved && !v.tl.cancelled && !v.at.Before(v.tl.start) {
			paid = bssTime(v.tl.start)
		}
	} else {
		paid = bssTime(v.tl.begin)
	}
	info := object{
		{"order_id", s.JobID},
		{"customer_id", s.ProjectID},
		{"service_type_code", "hws.service.type.ec2"},
		{"source_type", 1},
		{"status", status},
		{"order_type", orderType},
		{"amount_after_discount", 1198.8},
		{"official_amount", 1332.0},
		{"measure_id", 1},
		{"create_time", bssTime(v.tl.begin)},
		{"payment_time", paid},
		{"currency", "CNY"},
		{"contract_id", nil},
		{"user_name", "cloudsim"},
		{"pending_payment_end_time", due},
	}
	items := []object{{
		{"order_line_item_id", s.JobID + "-000001"},
		{"service_type_code", "hws.service.type.ec2"},
		{"period_type", 2},
		{"period_num", 1},
		{"subscription_num", len(s.OrderResources)},
	}}
	return object{{"total_count", 1}, {"order_info", info}, {"order_line_items", items}}
}

// orderResources is the resource query's answer: nothing until the order
// completed and ResourcesAfter passed, then the scripted resources, main
// only when asked, paged by offset and limit (default 10).
func (v jobView) orderResources() object {
	s := &v.job.spec
	var listed []OrderResource
	if v.ended && !v.failed && !v.at.Before(v.end.Add(s.ResourcesAfter.D())) {
		onlyMain := v.route.query.OnlyMainResource != nil && *v.route.query.OnlyMainResource == 1
		for _, r := range s.OrderResources {
			if r.Main || !onlyMain {
				listed = append(listed, r)
			}
		}
	}
	total := len(listed)
	offset, limit := 0, 10
	if q := v.route.query; q.Offset != nil {
		offset = min(*q.Offset, total)
	}
	if q := v.route.query; q.Limit != nil {
		limit = *q.Limit
	}
	listed = listed[offset:min(total, offset+limit)]
	data := make([]object, len(listed))
	for i, r := range listed {
		main, parent := 0, any(nil)
		if r.Main {
			main = 1
		} else {
			parent = r.ParentID
		}
		data[i] = object{
			{"id", s.JobID + "-" + strconv.Itoa(offset+i)},
			{"resource_id", r.ID},
			{"resource_name", r.Name},
			{"region_code", "cn-north-4"},
			{"service_type_code", "hws.service.type.ec2"},
			{"resource_type_code", r.Type},
			{"parent_resource_id", parent},
			{"is_main_resource", main},
			{"status", 2},
			{"effective_time", bssTime(v.end)},
			{"expire_time", bssTime(v.end.AddDate(0, 1, 0))},
			{"expire_policy", 0},
		}
	}
	return object{{"total_count", total}, {"data", data}}
}
