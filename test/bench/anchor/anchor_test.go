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

package anchor

import "testing"

func TestParseStatsFindsTheLastWords(t *testing.T) {
	out := "I1203 starting\nanchor stats {\"jobs\":3,\"polls\":12,\"throttled\":1,\"writes\":11}\n"
	st := ParseStats(out)
	if st == nil || st.Jobs != 3 || st.Polls != 12 || st.Throttled != 1 || st.Writes != 11 {
		t.Fatalf("ParseStats = %+v", st)
	}
	if st := ParseStats("anchor: the API server is gone\n"); st != nil {
		t.Errorf("ParseStats of output without counts = %+v, want nil", st)
	}
}
