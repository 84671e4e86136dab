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
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// VersionVariable is the variable `make build` stamps the version into with
// -ldflags -X; the operator sends it in its User-Agent.
const VersionVariable = "github.com/cloudjob-operator/cloudjob-operator/internal/version.Version"

// Lines of the operator's log that callers wait for.
const (
	// WorkersStarted: the controller's caches have synced and it reconciles.
	WorkersStarted = "Starting workers"
	// LeaseAcquired: leader election made this process the leader (client-go
	// says "Successfully acquired lease"; older versions in lower case).
	LeaseAcquired = "uccessfully acquired lease"
)

// Build builds the operator from the source tree into dir, stamped with version
// as `make build` does, and returns the binary's path. The go command caches the
// compilation, so builds with other versions only link.
func Build(ctx context.Context, dir, version string) (string, error) {
	return build(ctx, filepath.Join(dir, "manager-"+version), ".", "-X "+VersionVariable+"="+version)
}

// BuildCommand builds a main package of the source tree (for example
// ./hack/bench/anchor) into path.
func BuildCommand(ctx context.Context, path, pkg string) (string, error) {
	return build(ctx, path, pkg, "")
}

func build(ctx context.Context, out, pkg, ldflags string) (string, error) {
	// go test puts the go command that runs it first in PATH.
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building %s needs the go command in PATH: %w", pkg, err)
	}
	args := []string{"build", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	cmd := exec.CommandContext(ctx, goBin, append(args, pkg)...)
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}

// OperatorOptions start an operator.
type OperatorOptions struct {
	// Name names the process in errors and its log file.
	Name string
	// Binary is the operator binary (see Build).
	Binary string
	// Kubeconfig is the API server's kubeconfig.
	Kubeconfig string
	// Flags are the operator's flags; DefaultFlags() when nil. The harness adds
	// the kubeconfig, loopback endpoints and loopback addresses for the probes
	// and plain-http metrics (and pprof when Pprof is set).
	Flags Flags
	// ExtraArgs come last, so that they win over Flags.
	ExtraArgs []string
	// Env is added to a minimal environment (HOME, PATH).
	Env []string
	// Dir holds the log (Name.log) and is the process's HOME.
	Dir string
	// NoMetrics turns the metrics endpoint off.
	NoMetrics bool
	// Pprof serves net/http/pprof on loopback.
	Pprof bool
	// Output, when set, also receives the log as it is written.
	Output io.Writer
	// ReadyTimeout bounds the wait for the readiness probe (default 1 minute).
	ReadyTimeout time.Duration
	// StopGrace overrides DefaultStopGrace.
	StopGrace time.Duration
}

// LogPath is where StartOperator puts the log of the operator named name.
func LogPath(dir, name string) string { return filepath.Join(dir, name+".log") }

// Operator is a running operator.
type Operator struct {
	*Process
	// MetricsURL is its /metrics (empty with NoMetrics); PprofURL its
	// /debug/pprof (empty unless Pprof).
	MetricsURL, PprofURL string
	probeAddr            string
}

// StartOperator starts the operator and waits until its readiness probe
// answers. A leader-elected standby is ready too; WaitWorkers waits until it
// reconciles.
func StartOperator(ctx context.Context, o OperatorOptions) (*Operator, error) {
	probes, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	flags := o.Flags
	if flags == nil {
		flags = DefaultFlags()
	}
	flags = flags.With(
		"kubeconfig", o.Kubeconfig,
		"allow-loopback-endpoints", "true",
		"health-probe-bind-address", probes,
		"metrics-bind-address", "0",
	)
	op := &Operator{probeAddr: probes}
	if !o.NoMetrics {
		addr, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		flags = flags.With("metrics-bind-address", addr, "metrics-secure", "false")
		op.MetricsURL = "http://" + addr + "/metrics"
	}
	if o.Pprof {
		addr, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		flags = flags.With("pprof-bind-address", addr)
		op.PprofURL = "http://" + addr + "/debug/pprof"
	}
	home := o.Dir
	op.Process, err = StartProcess(ProcessOptions{
		Name:      o.Name,
		Path:      o.Binary,
		Args:      append(flags.Args(), o.ExtraArgs...),
		Env:       append([]string{"HOME=" + home, "PATH=/usr/bin:/bin"}, o.Env...),
		LogPath:   LogPath(o.Dir, o.Name),
		Output:    o.Output,
		StopGrace: o.StopGrace,
	})
	if err != nil {
		return nil, err
	}
	timeout := o.ReadyTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	if err := op.waitProbe(ctx, timeout); err != nil {
		op.Stop()
		return nil, err
	}
	return op, nil
}

// waitProbe polls /readyz until it answers 200.
func (o *Operator) waitProbe(ctx context.Context, timeout time.Duration) error {
	hc := &http.Client{Timeout: time.Second}
	url := "http://" + o.probeAddr + "/readyz"
	var last error
	_, ok := WaitUntil(ctx, timeout, 100*time.Millisecond, func() bool {
		if !o.Alive() {
			return true
		}
		resp, err := hc.Get(url)
		if err != nil {
			last = err
			return false
		}
		_ = resp.Body.Close()
		last = fmt.Errorf("HTTP %d", resp.StatusCode)
		return resp.StatusCode == http.StatusOK
	})
	switch {
	case !o.Alive():
		return o.exitError("before it was ready")
	case ctx.Err() != nil:
		return ctx.Err()
	case !ok:
		return fmt.Errorf("%s: %s did not answer within %s (last: %w)\n%s", o.Name, url, timeout, last, o.LogTail(30))
	}
	return nil
}

// WaitWorkers waits until the operator's controller reconciles: its caches have
// synced (and, with leader election, it leads). Jobs created before that wait
// for their first poll, so measurements start here.
func (o *Operator) WaitWorkers(ctx context.Context, timeout time.Duration) error {
	if _, ok := o.WaitLog(ctx, WorkersStarted, timeout); !ok {
		if err := o.Failure(); err != nil {
			return err
		}
		return fmt.Errorf("%s did not start its workers within %s\n%s", o.Name, timeout, o.LogTail(30))
	}
	return nil
}
