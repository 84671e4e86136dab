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

// Package container runs the operator's real image (make image) with runc under
// its Deployment's security context, against a real API server and the cloud
// simulator, with in-cluster configuration as a kubelet gives it.
package container

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/chart"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/image"
	"github.com/cloudjob-operator/cloudjob-operator/test/podrun"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

const (
	namespace   = "cloudjob-system"
	release     = "cloudjob-operator"
	accessKey   = "CONTAINERTESTAK0000"
	secretKey   = "container-test-secret-key-do-not-log"
	leaseName   = "cloudjob-operator.jobs.cloudjob.io"
	jobsNS      = "team-a"
	runcMissing = "runc is not installed: run 'make container-runtime' (installs Debian's runc; needs root), or 'make test', which does"
)

// syncBuffer is the container's output, written by runc and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	log io.Writer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, _ = b.log.Write(p)
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestImageRunsUnderTheDeploymentSecurityContext runs the image the way the
// chart's Deployment says, and checks what a cluster would: probes, a CloudJob
// tracked to its end, secure metrics, least privilege and a clean stop.
func TestImageRunsUnderTheDeploymentSecurityContext(t *testing.T) {
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Fatal(runcMissing)
	}
	img, err := image.Load(filepath.Join(testenv.RepoRoot(), "bin", "image", "oci"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := env.Client
	clientset, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}

	sim, err := cloudsim.Start(cloudsim.Config{
		Credentials:       []cloudsim.Credential{{AccessKey: accessKey, SecretKey: secretKey}},
		RequestsPerMinute: 1_000_000, TimeScale: 1, Seed: 17,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })

	// Install the chart as `helm install` would, with ports of its own so the
	// container (on the host's network) does not collide with other tests.
	probePort, metricsPort := freePort(t), freePort(t)
	rel, err := chart.Render(release, namespace, map[string]any{
		"probes":    map[string]any{"port": probePort},
		"metrics":   map[string]any{"port": metricsPort},
		"extraArgs": []any{"--allow-loopback-endpoints"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{namespace, jobsNS} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, obj := range rel.Objects {
		if obj.GetKind() == "CustomResourceDefinition" {
			continue // testenv installed them
		}
		if err := chart.Apply(ctx, c, "helm", obj.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	podSpec, err := rel.PodSpec(release)
	if err != nil {
		t.Fatal(err)
	}

	// The kubelet's part: a token for the pod's ServiceAccount from the
	// TokenRequest API, the cluster CA, and the API server's address.
	token := requestToken(ctx, t, clientset, namespace, podSpec.ServiceAccountName)
	host, port, err := net.SplitHostPort(strings.TrimPrefix(env.Config.Host, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(t.TempDir(), "operator.log"))
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{log: logFile}
	podName := fmt.Sprintf("cloudjob-operator-%d", time.Now().UnixNano()%100000)
	ctr, err := podrun.Start(podrun.Pod{
		Name: podName, Namespace: namespace, Spec: podSpec, Image: img,
		APIServerHost: host, APIServerPort: port, Token: token, CA: env.Config.CAData,
		Runc: runc, Dir: t.TempDir(), Output: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ctr.Remove(); err != nil {
			t.Error(err)
		}
	})
	failed := func() string { return "\noperator log:\n" + tail(out.String(), 40) }

	// It starts and its probes answer.
	plain := &http.Client{Timeout: 2 * time.Second}
	for _, path := range []string{"/healthz", "/readyz"} {
		if err := waitHTTP(ctx, plain, fmt.Sprintf("http://127.0.0.1:%d%s", probePort, path), "", http.StatusOK, ctr); err != nil {
			t.Fatalf("%s: %v%s", path, err, failed())
		}
	}
	t.Log("/healthz and /readyz answer 200")

	// It runs as the Deployment says: checked on the process itself.
	state, err := ctr.State()
	if err != nil {
		t.Fatal(err)
	}
	confinement, problems, err := podrun.Restricted(state.Pid, *podSpec.Containers[0].SecurityContext.RunAsUser)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("the operator's process: %s", p)
	}
	t.Log(confinement)

	// It holds the Lease.
	var lease coordinationv1.Lease
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: leaseName}, &lease)
		return err == nil && ptr.Deref(lease.Spec.HolderIdentity, "") != "", client.IgnoreNotFound(err)
	}); err != nil {
		t.Fatalf("the operator did not take Lease %s/%s: %v%s", namespace, leaseName, err, failed())
	}

	// A CloudJob against the simulator finishes.
	jobs, err := sim.AddJobs(cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: "containertest", JobID: "ff80808288d41e1b018990260955686a",
		Init: cloudsim.Duration(time.Second), Running: cloudsim.Duration(2 * time.Second), Outcome: cloudsim.OutcomeSuccess})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: jobsNS, Name: "cloud"},
		Data: map[string][]byte{"accessKey": []byte(accessKey), "secretKey": []byte(secretKey)}}); err != nil {
		t.Fatal(err)
	}
	job := &jobsv1alpha1.CloudJob{ObjectMeta: metav1.ObjectMeta{Namespace: jobsNS, Name: "create-server"},
		Spec: jobsv1alpha1.CloudJobSpec{Service: jobsv1alpha1.Service(jobs[0].Spec.Service), ProjectID: "containertest",
			JobID: jobs[0].Spec.JobID, Endpoint: sim.APIURL, CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "cloud"}}}
	if err := c.Create(ctx, job); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(job), job)
		return err == nil && job.Status.Phase == jobsv1alpha1.PhaseSucceeded, err
	}); err != nil {
		t.Fatalf("CloudJob %s/%s did not succeed: phase %q, %s: %v%s", jobsNS, job.Name, job.Status.Phase, testenv.ConditionsText(job), err, failed())
	}
	t.Logf("CloudJob %s/%s: %s, %s", jobsNS, job.Name, job.Status.Phase, testenv.ConditionsText(job))

	// Secure metrics: no token is refused, a token without the metrics-reader
	// role is forbidden, a token bound to it is served.
	metricsURL := fmt.Sprintf("https://127.0.0.1:%d/metrics", metricsPort)
	// The operator's self-signed certificate is not what is under test.
	insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	if err := waitHTTP(ctx, insecure, metricsURL, "", http.StatusUnauthorized, ctr); err != nil {
		t.Errorf("anonymous scrape: %v", err)
	}
	for _, sa := range []string{"scraper", "stranger"} {
		if err := c.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: sa}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "scraper-metrics-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: release + "-metrics-reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "scraper", Namespace: "team-a"}}}); err != nil {
		t.Fatal(err)
	}
	if err := waitHTTP(ctx, insecure, metricsURL, requestToken(ctx, t, clientset, "team-a", "stranger"), http.StatusForbidden, ctr); err != nil {
		t.Errorf("scrape without the metrics-reader role: %v", err)
	}
	scraperToken := requestToken(ctx, t, clientset, "team-a", "scraper")
	if err := waitHTTP(ctx, insecure, metricsURL, scraperToken, http.StatusOK, ctr); err != nil {
		t.Errorf("scrape with the metrics-reader role: %v", err)
	} else {
		// cloudjob_jobs counts the operator's cache, which follows the
		// status the test saw by a moment.
		wants := []string{`cloudjob_cloud_requests_total{result="ok",service="ecs"}`, `cloudjob_jobs{phase="Succeeded",service="ecs",state="SUCCESS"} 1`}
		var lacking []string
		if err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			body := get(t, insecure, metricsURL, scraperToken)
			lacking = nil
			for _, want := range wants {
				if !strings.Contains(body, want) {
					lacking = append(lacking, want)
				}
			}
			return len(lacking) == 0, nil
		}); err != nil {
			t.Errorf("metrics lack %s: %v", strings.Join(lacking, ", "), err)
		}
	}

	// SIGTERM, as the kubelet sends it: the operator stops within the grace
	// period and gives up its Lease on the way out.
	grace := time.Duration(ptr.Deref(podSpec.TerminationGracePeriodSeconds, 30)) * time.Second
	stopAt := time.Now()
	if err := ctr.Signal("TERM"); err != nil {
		t.Fatal(err)
	}
	exited, err := ctr.Wait(grace)
	took := time.Since(stopAt)
	if !exited {
		t.Fatalf("the operator still runs %s after SIGTERM (terminationGracePeriodSeconds)%s", grace, failed())
	}
	if err != nil {
		t.Errorf("the operator exited with %v after SIGTERM%s", err, failed())
	}
	t.Logf("stopped %s after SIGTERM (grace period %s)", took.Round(time.Millisecond), grace)
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: leaseName}, &lease); err != nil {
		t.Fatal(err)
	}
	if h := ptr.Deref(lease.Spec.HolderIdentity, ""); h != "" {
		t.Errorf("the Lease is still held by %q after the operator stopped", h)
	}

	// Least privilege: nothing it asked for was forbidden, and no secret leaked.
	log := out.String()
	for _, bad := range []string{"forbidden", "Forbidden", secretKey, token, scraperToken} {
		if strings.Contains(log, bad) {
			t.Errorf("the operator's log contains %q%s", redact(bad), failed())
		}
	}
}

func redact(s string) string {
	if len(s) > 12 {
		return s[:6] + "…"
	}
	return s
}

// requestToken is what the kubelet does for a pod's service-account volume.
func requestToken(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, sa string) string {
	t.Helper()
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3607)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("TokenRequest for %s/%s: %v", ns, sa, err)
	}
	return tr.Status.Token
}

func freePort(t *testing.T) int {
	t.Helper()
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// waitHTTP waits until url answers want, failing early if the container exits.
func waitHTTP(ctx context.Context, c *http.Client, rawURL, token string, want int, ctr *podrun.Container) error {
	if _, err := url.Parse(rawURL); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	last := "no answer"
	for time.Now().Before(deadline) {
		if ctr.Exited() {
			return fmt.Errorf("the container exited (last answer: %s)", last)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("%s answered %s, want HTTP %d", rawURL, last, want)
}

func get(t *testing.T, c *http.Client, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
