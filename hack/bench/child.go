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

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/procstat"
)

// procUsage is a child's CPU time and memory, read from /proc.
type procUsage = procstat.Usage

// stopGrace is how long a child gets to exit after SIGTERM before SIGKILL.
const stopGrace = 15 * time.Second

// child is a process the harness started: the operator or the anchor. It is
// sampled every second, so its peak memory and CPU time are known even if it
// dies, and it is always stopped and reaped.
type child struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	log     *os.File
	exited  chan struct{}
	waitErr error

	mu   sync.Mutex
	last procUsage

	stopOnce     sync.Once
	stopSampling context.CancelFunc
	sampling     sync.WaitGroup
}

// startChild starts bin with args and extra environment, its output going to
// logPath.
func startChild(name, bin string, args, env []string, logPath string) (*child, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Should the harness die without cleaning up, the kernel kills the child
	// too, so no operator is left polling a dead simulator.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &child{name: name, cmd: cmd, logPath: logPath, log: logFile, exited: make(chan struct{}), stopSampling: cancel}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	c.sampling.Add(1)
	go c.sampleEvery(ctx, time.Second)
	return c, nil
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) sampleEvery(ctx context.Context, every time.Duration) {
	defer c.sampling.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		c.sample()
		select {
		case <-ctx.Done():
			return
		case <-c.exited:
			return
		case <-t.C:
		}
	}
}

// sample reads /proc now and returns the latest figures read, which stay
// available after the child exits.
func (c *child) sample() procUsage {
	u, err := procstat.Read(c.pid())
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.last = u
	}
	return c.last
}

// running reports whether the child has not exited.
func (c *child) running() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// stop samples the child a last time, sends SIGTERM, waits up to stopGrace,
// then kills it, and reaps it in every case. It returns the last figures read.
func (c *child) stop() procUsage {
	c.stopOnce.Do(func() {
		c.sample()
		c.stopSampling()
		if c.running() {
			_ = c.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-c.exited:
			case <-time.After(stopGrace):
				_ = c.cmd.Process.Kill()
				<-c.exited
			}
		}
		c.sampling.Wait()
		_ = c.log.Close()
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// failure describes a child that exited on its own, with the end of its log.
func (c *child) failure() error {
	if c.running() {
		return nil
	}
	err := c.waitErr
	if err == nil {
		err = errors.New("exit status 0")
	}
	return fmt.Errorf("%s exited early (%w); last lines of its log:\n%s", c.name, err, c.logTail(30))
}

// logTail returns the last n lines of the child's log.
func (c *child) logTail(n int) string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// anchorStats finds the counts the anchor prints when it stops; nil when it
// printed none.
func (c *child) anchorStats() *anchorStats {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return nil
	}
	const prefix = "anchor stats "
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			var st anchorStats
			if json.Unmarshal([]byte(rest), &st) == nil {
				return &st
			}
		}
	}
	return nil
}

// errorLines counts log lines of the child that report an error, so a run that
// went wrong quietly does not pass for a good one.
func (c *child) errorLines() int {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return 0
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `"level":"error"`) || strings.HasPrefix(l, "E") && strings.Contains(l, "]") {
			n++
		}
	}
	return n
}
