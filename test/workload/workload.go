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

// Package workload is the job mix that the poll policy's simulations and the
// benchmark share, and its seeded draws: kinds by weight, log-normal
// durations, and outliers that take 2 to 10 times their kind's usual time. The
// draws come in a fixed order, so one seed gives the same jobs everywhere.
package workload

import (
	"math"
	"math/rand/v2"
	"time"
)

// PickKind draws the index of one of n kinds, each as likely as its weight.
func PickKind(r *rand.Rand, n int, weight func(i int) float64) int {
	var total float64
	for i := range n {
		total += weight(i)
	}
	u, kind := r.Float64()*total, 0
	for kind < n-1 && u >= weight(kind) {
		u -= weight(kind)
		kind++
	}
	return kind
}

// Duration draws a log-normal duration around median with the given sigma;
// with probability outlierShare it is an outlier, 2 to 10 times longer.
func Duration(r *rand.Rand, median time.Duration, sigma, outlierShare float64) (d time.Duration, outlier bool) {
	secs := median.Seconds() * math.Exp(sigma*r.NormFloat64())
	if r.Float64() < outlierShare {
		outlier = true
		secs *= 2 + 8*r.Float64()
	}
	return time.Duration(secs * float64(time.Second)), outlier
}
