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

package installer

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

func deployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	only(t, "Deployment", prefix+"controller-manager", &d)
	return &d
}

// TestDeploymentImage: the manager runs IMG, as build-installer promises.
func TestDeploymentImage(t *testing.T) {
	d := deployment(t)
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want the manager only", len(d.Spec.Template.Spec.Containers))
	}
	if got := d.Spec.Template.Spec.Containers[0].Image; got != image {
		t.Errorf("image %q, want %q", got, image)
	}
}

// TestGracePeriodOutlastsTheShutdown: the kubelet kills the pod after its
// grace period; the operator's graceful shutdown (ending with the Lease's
// release) must fit in it with room to spare, or a standby waits a whole lease.
func TestGracePeriodOutlastsTheShutdown(t *testing.T) {
	pod := deployment(t).Spec.Template.Spec
	shutdown, err := time.ParseDuration(harness.DefaultFlags()["graceful-shutdown-timeout"])
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range pod.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, "--graceful-shutdown-timeout="); ok {
			if shutdown, err = time.ParseDuration(v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if pod.TerminationGracePeriodSeconds == nil {
		t.Fatal("no terminationGracePeriodSeconds")
	}
	grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
	if grace < shutdown+5*time.Second {
		t.Errorf("terminationGracePeriodSeconds %s leaves less than 5s past --graceful-shutdown-timeout %s", grace, shutdown)
	}
}

// TestDeploymentIsHardened checks what the restricted Pod Security Standard and
// the usual admission policies ask of an operator: non-root, read-only root
// filesystem, no capabilities, no privilege escalation, RuntimeDefault seccomp,
// probes, and bounded resources.
func TestDeploymentIsHardened(t *testing.T) {
	pod := deployment(t).Spec.Template.Spec
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("pod securityContext.runAsNonRoot is not true")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext.seccompProfile is not RuntimeDefault")
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Errorf("the pod shares a host namespace")
	}
	for _, c := range append(pod.InitContainers, pod.Containers...) {
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("container %s has no securityContext", c.Name)
			continue
		}
		if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("container %s: runAsNonRoot is not true", c.Name)
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			t.Errorf("container %s: runAsUser 0", c.Name)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("container %s: readOnlyRootFilesystem is not true", c.Name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("container %s: allowPrivilegeEscalation is not false", c.Name)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("container %s is privileged", c.Name)
		}
		if sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
			t.Errorf("container %s: capabilities %+v, want drop [ALL] and no add", c.Name, sc.Capabilities)
		}
		// A container's own profile overrides the pod's.
		if sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("container %s: seccompProfile %s", c.Name, sc.SeccompProfile.Type)
		}
		if c.LivenessProbe == nil || c.ReadinessProbe == nil {
			t.Errorf("container %s: liveness probe %v, readiness probe %v; both are needed", c.Name, c.LivenessProbe != nil, c.ReadinessProbe != nil)
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[r]
			limit, hasLimit := c.Resources.Limits[r]
			if !hasReq || !hasLimit {
				t.Errorf("container %s: %s request set %v, limit set %v; both are needed", c.Name, r, hasReq, hasLimit)
				continue
			}
			if req.Cmp(limit) > 0 {
				t.Errorf("container %s: %s request %s above its limit %s", c.Name, r, req.String(), limit.String())
			}
		}
	}
}

// flagPort is the port of the manager's --name=host:port argument.
func flagPort(t *testing.T, c corev1.Container, name string) int {
	t.Helper()
	for _, arg := range c.Args {
		if value, ok := strings.CutPrefix(arg, "--"+name+"="); ok {
			_, port, err := net.SplitHostPort(value)
			if err != nil {
				t.Fatalf("--%s=%s: %v", name, value, err)
			}
			n, err := strconv.Atoi(port)
			if err != nil {
				t.Fatalf("--%s=%s: %v", name, value, err)
			}
			return n
		}
	}
	t.Fatalf("the manager has no --%s argument: %v", name, c.Args)
	return 0
}

// portNumber resolves a probe or Service target port, by number or by the
// container's port name.
func portNumber(c corev1.Container, p intstr.IntOrString) int {
	if p.Type == intstr.Int {
		return p.IntValue()
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort)
		}
	}
	return -1
}

// TestProbesAndServiceReachTheManager: the probes ask /healthz and /readyz on
// the port the manager serves them on (--health-probe-bind-address), and the
// metrics Service selects the manager's pods and targets --metrics-bind-address.
// A mismatch would restart the pod forever or leave metrics unreachable.
func TestProbesAndServiceReachTheManager(t *testing.T) {
	d := deployment(t)
	c := d.Spec.Template.Spec.Containers[0]
	probePort := flagPort(t, c, "health-probe-bind-address")
	for name, probe := range map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
		if probe == nil || probe.HTTPGet == nil {
			t.Errorf("probe for %s is not an HTTP GET", name)
			continue
		}
		if probe.HTTPGet.Path != name || portNumber(c, probe.HTTPGet.Port) != probePort {
			t.Errorf("probe asks %s on port %s, want %s on %d", probe.HTTPGet.Path, probe.HTTPGet.Port.String(), name, probePort)
		}
	}

	var svc corev1.Service
	only(t, "Service", prefix+"controller-manager-metrics-service", &svc)
	labels := d.Spec.Template.Labels
	if len(svc.Spec.Selector) == 0 {
		t.Errorf("the metrics Service selects nothing")
	}
	for k, v := range svc.Spec.Selector {
		if labels[k] != v {
			t.Errorf("the metrics Service selects %s=%s, which the manager's pods do not carry", k, v)
		}
	}
	metricsPort := flagPort(t, c, "metrics-bind-address")
	if len(svc.Spec.Ports) != 1 || portNumber(c, svc.Spec.Ports[0].TargetPort) != metricsPort {
		t.Errorf("the metrics Service ports %+v do not target --metrics-bind-address port %d", svc.Spec.Ports, metricsPort)
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if labels[k] != v {
			t.Errorf("the Deployment selector %s=%s does not match its own pods", k, v)
		}
	}
}
