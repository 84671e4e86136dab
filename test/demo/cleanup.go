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

package demo

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// cleanup is everything the demo started, stopped by close whatever way run
// ends: the last job's end, Ctrl-C, an error, or a panic.
type cleanup struct {
	out *screen

	stopWatch context.CancelFunc
	watchDone chan struct{}
	manager   *harness.Operator
	sim       *cloudsim.Instance
	cp        *testenv.Env
	dir       string
}

// close stops the parts in an order that keeps each one's last moments
// quiet: the demo's watch, then the operator (while the simulator and the
// API server it talks to still answer), the simulator, the control plane, and
// last the temporary directory with the kubeconfig, the operator's log and
// the control plane's state.
func (c *cleanup) close() error {
	c.out.printf("stopping the operator, the simulator and the control plane...")
	var errs []error
	if c.stopWatch != nil {
		c.stopWatch()
		<-c.watchDone
	}
	if c.manager != nil {
		if _, forced := c.manager.Stop(); forced {
			c.out.printf("the operator (pid %d) did not stop within %s of SIGTERM and was killed", c.manager.PID(), managerStopTimeout)
		}
	}
	if c.sim != nil {
		if err := c.sim.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stopping the simulator: %w", err))
		}
	}
	if c.cp != nil {
		if err := c.cp.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping the control plane: %w", err))
		}
	}
	if c.dir != "" {
		if err := os.RemoveAll(c.dir); err != nil {
			errs = append(errs, fmt.Errorf("removing %s: %w", c.dir, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w; look for processes and files it left (etcd, kube-apiserver, %s)", err, c.dir)
	}
	c.out.printf("stopped; removed %s", c.dir)
	return nil
}
