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

package harness

import (
	"os"
	"testing"
)

func TestReadUsageOfOwnProcess(t *testing.T) {
	// Allocate and touch some memory so the figures cannot be zero.
	buf := make([]byte, 8<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	u, err := ReadUsage(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if u.PeakRSS < 8<<20 || u.RSS <= 0 || u.RSS > u.PeakRSS {
		t.Errorf("peak RSS %d, RSS %d: want peak >= 8 MiB and 0 < RSS <= peak", u.PeakRSS, u.RSS)
	}
	if u.CPUSeconds < 0 {
		t.Errorf("CPU seconds %v", u.CPUSeconds)
	}
	if _, err := ReadUsage(1 << 30); err == nil {
		t.Errorf("reading a process that does not exist did not fail")
	}
	_ = buf[len(buf)-1]
}
