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

package reliability

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// suiteState is shared by every test of the package: one control plane, one
// operator binary, one work directory for logs and metrics scrapes.
type suiteState struct {
	env        *testenv.Env
	client     client.WithWatch
	kubeconfig string
	managerBin string
	workDir    string
	logDir     string
	metricsDir string
	started    time.Time

	mu        sync.Mutex
	scrapes   int
	summaries []string
	// restarted are control-plane processes a test started again after
	// killing envtest's; they are stopped last.
	restarted []*harness.Process
}

var suite suiteState

// setUp starts the control plane and builds the operator binary at the same
// time, since both take a while on a small machine.
func setUp() error {
	suite.started = time.Now()
	// The suite's own clients log nothing worth reading; without a logger
	// controller-runtime prints a warning with a stack trace.
	ctrllog.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	dir, err := os.MkdirTemp("", "cloudjob-reliability-")
	if err != nil {
		return err
	}
	suite.workDir = dir
	suite.logDir = filepath.Join(dir, "logs")
	suite.metricsDir = filepath.Join(dir, "metrics")
	for _, d := range []string{suite.logDir, suite.metricsDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}

	built := make(chan error, 1)
	go func() {
		start := time.Now()
		bin, err := harness.Build(context.Background(), dir, "reliability")
		suite.managerBin = bin
		if err == nil {
			fmt.Printf("built the operator binary in %s\n", time.Since(start).Round(time.Second))
		}
		built <- err
	}()
	env, envErr := testenv.Start()
	buildErr := <-built
	if envErr != nil {
		return errors.Join(envErr, buildErr)
	}
	suite.env = env
	if buildErr != nil {
		return buildErr
	}
	if suite.kubeconfig, err = env.Kubeconfig(); err != nil {
		return err
	}
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = 1000, 2000
	suite.client, err = client.NewWithWatch(cfg, client.Options{Scheme: env.Scheme})
	return err
}

// tearDown stops the control plane and removes the work directory, unless
// RELIABILITY_KEEP_LOGS is set.
func tearDown() {
	// A restarted process goes first: envtest's stop removes its files.
	for _, p := range suite.restarted {
		p.Kill()
	}
	if suite.env != nil {
		if err := suite.env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
		}
	}
	if suite.workDir == "" {
		return
	}
	if os.Getenv("RELIABILITY_KEEP_LOGS") != "" {
		fmt.Printf("operator logs and metrics scrapes kept in %s\n", suite.workDir)
		return
	}
	_ = os.RemoveAll(suite.workDir)
}

// keepMetrics stores a scrape for the secrets scan.
func (s *suiteState) keepMetrics(name, text string) {
	s.mu.Lock()
	s.scrapes++
	n := s.scrapes
	s.mu.Unlock()
	_ = os.WriteFile(filepath.Join(s.metricsDir, fmt.Sprintf("%03d-%s.txt", n, name)), []byte(text), 0o644)
}

// summary logs a test's figures and keeps them for the table TestMain prints at
// the end, which docs/reliability.md is filled from.
func summary(t *testing.T, start time.Time, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf("%-22s %6.1fs  %s", t.Name(), time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	t.Logf("SUMMARY %s", line)
	suite.mu.Lock()
	suite.summaries = append(suite.summaries, line)
	suite.mu.Unlock()
}

func printSummaries() {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	fmt.Printf("\nreliability suite: %d summaries, %s in all (control plane and build included)\n",
		len(suite.summaries), time.Since(suite.started).Round(time.Second))
	for _, s := range suite.summaries {
		fmt.Println("  " + s)
	}
}

// seed is the seed of the random choices of a test (job durations and outcomes,
// kill moments, fault draws). RELIABILITY_SEED replays another run; the seed is
// always logged.
func seed(t *testing.T, def uint64) uint64 {
	t.Helper()
	s := def
	if v := os.Getenv("RELIABILITY_SEED"); v != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			t.Fatalf("RELIABILITY_SEED=%q: %v", v, err)
		}
		s = n
	}
	t.Logf("seed %d (set RELIABILITY_SEED to replay another)", s)
	return s
}
