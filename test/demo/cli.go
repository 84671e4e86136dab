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

// Package demo shows the operator doing its job on one machine, with no
// cluster and no cloud account: it starts a local control plane (etcd and
// kube-apiserver from bin/k8s), the cloud simulator with
// hack/scenarios/demo.yaml, and the real operator binary, creates a CloudJob
// per simulated job, and shows them in a live table until every job has
// finished. Then it prints what the operator recorded and how long after the
// cloud's end it did, and keeps running for kubectl until Ctrl-C.
//
// hack/demo is its command: `make demo` builds what is missing and runs it;
// DEMO_ARGS passes flags, for example DEMO_ARGS=--exit-when-done.
package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main runs the demo with the command-line arguments and returns the exit code
// (see exitCode).
func Main(args []string) int {
	opts, err := parseFlags(args, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2 // the flag package has said what is wrong
	case err != nil:
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 2
	}
	opts.Out = os.Stdout
	opts.Terminal, opts.Width = terminal(os.Stdout)

	// The context ends on the first Ctrl-C or SIGTERM. The handler stays
	// installed until run has cleaned up, so that a second Ctrl-C cannot kill
	// the demo halfway through stopping its processes.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	_, err = run(ctx, opts)
	stop()
	return exitCode(err)
}

// exitCode maps run's error to the process's exit code: 0 when every job
// reached the outcome its scenario scripted, 1 when one did not or the demo
// failed, 130 (as shells report SIGINT) when it was interrupted before every
// job had finished.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(os.Stderr, "demo: interrupted")
		return 130
	default:
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := defaultOptions()
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = fmt.Fprintf(stderr, "Usage: demo [flags]\n\n"+
			"Runs the operator (--manager) against a local control plane and the cloud simulator,\n"+
			"with the jobs of --scenario, and shows what it records. Run it from the repository\n"+
			"root, or with `make demo`, which builds the control plane and the operator first.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.Manager, "manager", o.Manager, "the operator binary to run ('make build' builds it)")
	fs.StringVar(&o.Scenario, "scenario", o.Scenario, "the simulator scenario whose jobs the demo tracks")
	fs.Float64Var(&o.TimeScale, "time-scale", 0,
		"how many times faster than the wall clock the simulated cloud runs (default: the scenario's settings.timeScale, 10 for demo.yaml)")
	fs.DurationVar(&o.PayAfter, "pay-after", o.PayAfter,
		"how long an order is shown AwaitingPayment before the demo pays it in the simulator")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "how long to wait for every job to finish before giving up on them")
	fs.StringVar(&o.Federated, "federated-job", o.Federated,
		"the CloudJob signed with federated temporary keys (the operator's service-account token exchanged at the simulated IAM) instead of the Secret; empty for none")
	fs.BoolVar(&o.ExitWhenDone, "exit-when-done", false,
		"exit once every job has finished: 0 when each reached the outcome its scenario scripted, 1 otherwise")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q; see --help", fs.Args())
	}
	if o.TimeScale < 0 || o.PayAfter < 0 || o.Timeout <= 0 {
		return o, errors.New("--time-scale and --pay-after must not be negative, and --timeout must be positive")
	}
	return o, nil
}

// errUsage: the flags did not parse, and the flag package printed why.
var errUsage = errors.New("bad flags")

// defaultOptions are the flag defaults, relative to the repository root.
func defaultOptions() options {
	return options{
		Manager:   "bin/manager",
		Scenario:  "hack/scenarios/demo.yaml",
		PayAfter:  3 * time.Second,
		Timeout:   5 * time.Minute,
		Federated: "evs-create-volume",
	}
}
