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

package metrics

import (
	"maps"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
)

// The tally is tested with ConfigMaps standing in for CloudJobs: service, state
// and the start time (RFC 3339, empty when finished) are data keys.
func configMap(ns, name, service, state string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Data:       map[string]string{"service": service, "state": state},
	}
}

func running(cm *corev1.ConfigMap, since string) *corev1.ConfigMap {
	cm.Data["since"] = since
	return cm
}

func configMapEntry(obj any) (JobEntry, bool) {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok {
		return JobEntry{}, false
	}
	e := JobEntry{Service: cm.Data["service"], State: cm.Data["state"]}
	if s := cm.Data["since"]; s != "" {
		e.RunningSince, _ = time.Parse(time.RFC3339, s)
	}
	return e, true
}

func TestJobTallyOldestRunning(t *testing.T) {
	tally := NewJobTally(configMapEntry)
	now, _ := time.Parse(time.RFC3339, "2026-12-03T12:00:00Z")
	tally.OnAdd(running(configMap("a", "one", "bms", "RUNNING"), "2026-12-03T11:50:00Z"), true)
	tally.OnAdd(running(configMap("a", "two", "bms", "INIT"), "2026-12-03T11:00:00Z"), true)
	tally.OnAdd(running(configMap("b", "one", "evs", "RUNNING"), "2026-12-03T11:59:00Z"), true)
	tally.OnAdd(configMap("b", "two", "evs", "SUCCESS"), true)
	tally.OnAdd(configMap("b", "three", "rds", "FAIL"), true)
	want := map[string]time.Duration{"bms": time.Hour, "evs": time.Minute}
	if got := tally.OldestRunning(now); !maps.Equal(got, want) {
		t.Fatalf("oldest running %v, want %v (finished services left out)", got, want)
	}
	tally.OnUpdate(nil, configMap("a", "two", "bms", "SUCCESS"))
	want["bms"] = 10 * time.Minute
	if got := tally.OldestRunning(now); !maps.Equal(got, want) {
		t.Fatalf("after the oldest finished: %v, want %v", got, want)
	}
	tally.OnDelete(configMap("a", "one", "bms", "RUNNING"))
	delete(want, "bms")
	if got := tally.OldestRunning(now); !maps.Equal(got, want) {
		t.Fatalf("after the last running bms job was deleted: %v, want %v", got, want)
	}
}

func TestJobTallyFollowsInformerEvents(t *testing.T) {
	tally := NewJobTally(configMapEntry)
	a1 := configMap("a", "one", "bms", "")
	a2 := configMap("a", "two", "bms", "RUNNING")
	b1 := configMap("b", "one", "evs", "RUNNING")

	steps := []struct {
		name string
		do   func()
		want map[[3]string]int
	}{
		{"initial list", func() { tally.OnAdd(a1, true); tally.OnAdd(a2, true); tally.OnAdd(b1, true) },
			map[[3]string]int{{"bms", "", ""}: 1, {"bms", "", "RUNNING"}: 1, {"evs", "", "RUNNING"}: 1}},
		{"first poll", func() { tally.OnUpdate(a1, configMap("a", "one", "bms", "RUNNING")) },
			map[[3]string]int{{"bms", "", "RUNNING"}: 2, {"evs", "", "RUNNING"}: 1}},
		{"same name in another namespace finishes", func() { tally.OnUpdate(b1, configMap("b", "one", "evs", "SUCCESS")) },
			map[[3]string]int{{"bms", "", "RUNNING"}: 2, {"evs", "", "SUCCESS"}: 1}},
		{"deleted", func() { tally.OnDelete(a2) },
			map[[3]string]int{{"bms", "", "RUNNING"}: 1, {"evs", "", "SUCCESS"}: 1}},
		{"deleted while the watch was lost", func() {
			tally.OnDelete(toolscache.DeletedFinalStateUnknown{Key: "b/one", Obj: b1})
		}, map[[3]string]int{{"bms", "", "RUNNING"}: 1}},
		{"other objects are ignored", func() { tally.OnAdd(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "x"}}, false) },
			map[[3]string]int{{"bms", "", "RUNNING"}: 1}},
	}
	for _, s := range steps {
		s.do()
		if got := tally.Count(); !maps.Equal(got, s.want) {
			t.Fatalf("after %s: count %v, want %v", s.name, got, s.want)
		}
	}
}
