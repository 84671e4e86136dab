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

package poll

import (
	"strconv"
	"testing"
	"time"
)

func BenchmarkPolicyNext(b *testing.B) {
	learned := Policy{Learner: learnedKind(90*time.Second, 0.4), Rand: noJitter}
	byAge := Policy{Rand: noJitter}
	for _, bc := range []struct {
		name string
		p    Policy
	}{{"learned", learned}, {"age-based", byAge}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			in := Input{Service: "svc", JobType: "job", Phase: PhaseActive}
			var sink time.Duration
			for i := 0; b.Loop(); i++ {
				in.Age = time.Duration(i%300) * time.Second
				sink += bc.p.Next(in)
			}
			_ = sink
		})
	}
}

// BenchmarkPolicyDeferPriced: a reconcile under a quota price asks Defer, whose
// bisection finds when the job's claim reaches the price.
func BenchmarkPolicyDeferPriced(b *testing.B) {
	p := Policy{Learner: learnedKind(90*time.Second, 0.4), Rand: noJitter}
	b.ReportAllocs()
	in := Input{Service: "svc", JobType: "job", Phase: PhaseActive, Price: 20 * time.Second}
	var sink time.Duration
	for i := 0; b.Loop(); i++ {
		in.Age = time.Duration(i%300) * time.Second
		in.LastPoll = in.Age - time.Duration(i%40)*time.Second
		sink += p.Defer(in)
	}
	_ = sink
}

// BenchmarkQuotaAdmit: 10,000 jobs over 10 buckets, each coming back when told,
// the clock moving 1 ms per call.
func BenchmarkQuotaAdmit(b *testing.B) {
	const jobs = 10000
	names := make([]string, jobs)
	buckets := make([]string, jobs)
	for j := range jobs {
		names[j] = "job-" + strconv.Itoa(j)
		buckets[j] = "bucket-" + strconv.Itoa(j%10)
	}
	clock := newFakeClock()
	q := NewQuota(2000, WithClock(clock.Now), WithSeed(1))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		clock.Step(time.Millisecond)
		j := i % jobs
		q.Admit(buckets[j], names[j])
	}
}
