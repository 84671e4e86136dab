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

// Package harness runs the real operator binary for the benchmark, the demo and
// the reliability suite: it builds the binary once with the same version stamp
// as `make build`, starts it with flags built from the operator's own default
// constants (scaled by a time factor where a caller compresses time), waits until
// it is ready, reads its metrics with prometheus/common's parser, keeps its log,
// samples its CPU time and memory, and always stops and reaps it.
package harness
