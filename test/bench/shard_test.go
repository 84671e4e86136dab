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

import "testing"

// TestShardsAreDisjoint runs two operator replicas with --shard-selector
// cloudjob.io/shard=a and =b on 40 jobs labelled half and half, sharing one
// access key. Every job must finish, and the simulator must have seen each
// job's requests from the replica owning its shard only (each replica's build
// sends its own User-Agent), with each replica's own request count matching.
func TestShardsAreDisjoint(t *testing.T) {
	c := testConfig(t, 40)
	c.Replicas = 2
	c.Anchor = anchorOff
	rep := runForTest(t, c)

	s := rep.Shards
	if s == nil {
		t.Fatal("no shard check in the report")
	}
	if !s.Complete {
		t.Errorf("not every job finished: %d of %d", rep.Results[0].Finished, c.N)
	}
	if !s.Disjoint {
		t.Errorf("shards not disjoint: %+v", *s)
	}
	for _, r := range s.Replicas {
		if r.Jobs != c.N/2 || r.SimRequests < int64(r.Jobs) {
			t.Errorf("replica %s: %d jobs, %d requests; want %d jobs, each polled", r.Version, r.Jobs, r.SimRequests, c.N/2)
		}
		if r.Throttled != 0 {
			t.Errorf("replica %s got %d 429s: the replicas' shares of the quota add up to more than the key's", r.Version, r.Throttled)
		}
	}
}
