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

// Package bench measures the operator against a fixed-interval poller on a
// seeded workload: a real kube-apiserver and etcd, the cloud simulator in
// process, the real operator binary as a child process, and CloudJobs created
// on a schedule. It prints a table, writes the same figures as JSON under
// bench/results/, and says which targets hold. docs/benchmarks.md explains the
// method, the time scaling and the results. hack/bench is its command.
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
)

// Main runs one benchmark with the command-line arguments and returns the exit
// code: 0 once the figures are out, whether or not the targets hold; 1 when the
// run itself failed; 2 when the arguments are wrong.
func Main(args []string) int {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	bindFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg.Progress = os.Stderr
	return benchMain(cfg)
}

func benchMain(cfg config) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		defer func() { _ = f.Close() }()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	fmt.Print(rep.text())
	if cfg.ResultsDir != "" {
		paths, err := rep.write(cfg.ResultsDir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: writing the results:", err)
			return 1
		}
		fmt.Printf("\nresults: %s\n", strings.Join(paths, ", "))
	}
	if rep.Failed {
		fmt.Fprintln(os.Stderr, "bench: a phase failed; its figures cover what was done until then")
		return 1
	}
	return 0
}
