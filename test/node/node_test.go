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

package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/chart"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/image"
	"github.com/cloudjob-operator/cloudjob-operator/test/podrun"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

const (
	accessKey = "NODETESTACCESSKEY00"
	secretKey = "node-test-secret-key-never-logged"
	simHost   = "jobs.sim.cloudjob.test"
	leaseName = "cloudjob-operator.jobs.cloudjob.io"
)

// TestOperatorOnAKubeletNode installs the operator with the Helm chart, then with
// dist/install.yaml, on a one-node cluster whose kubelet runs the real image on
// containerd, and checks through the Deployment what a user would: the pod
// becomes ready under the restricted security context, takes its Lease, tracks a
// CloudJob against the simulator (over TLS, with a private CA and a host alias,
// as a Huawei Cloud Stack endpoint would be), serves metrics through its Service
// only to the metrics reader, is never refused by the API server, and gives its
// Lease back when scaled to zero.
func TestOperatorOnAKubeletNode(t *testing.T) {
	ociDir := filepath.Join(testenv.RepoRoot(), "bin", "image", "oci")
	ref, err := image.Reference(ociDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "cloudjob-node-")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(ctx, dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Stop()
		if !t.Failed() {
			_ = os.RemoveAll(dir)
		} else {
			t.Logf("the node's files and logs are in %s", dir)
		}
	})
	for _, img := range []string{filepath.Join(testenv.RepoRoot(), "bin", "image", "image.tar"), pauseImage(t)} {
		if err := c.ImportImage(ctx, img); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}

	// The cloud, over TLS on the node's address, with a certificate of the
	// test's CA for a name only the pod's host alias resolves.
	sim, simURL := startTLSSimulator(t, c)

	t.Run("helm chart", func(t *testing.T) {
		const ns, release = "cloudjob-system", "cloudjob-operator"
		if err := c.CreateNamespace(ctx, ns); err != nil {
			t.Fatal(err)
		}
		if err := c.Client.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cloud-ca"},
			Data: map[string]string{"ca.crt": string(c.CA.CertPEM)}}); err != nil {
			t.Fatal(err)
		}
		// The metrics endpoint's certificate, as cert-manager would issue it.
		metricsDNS := release + "-metrics." + ns + ".svc"
		crt, key, err := c.CA.Issue(metricsDNS, nil, []string{metricsDNS}, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "metrics-tls"},
			Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": crt, "tls.key": key, "ca.crt": c.CA.CertPEM}}); err != nil {
			t.Fatal(err)
		}
		repo, tag, _ := strings.Cut(ref, ":")
		rel, err := chart.Render(release, ns, map[string]any{
			"metrics":     map[string]any{"certSecret": "metrics-tls"},
			"image":       map[string]any{"repository": repo, "tag": tag, "pullPolicy": "Never"},
			"hostAliases": []any{map[string]any{"ip": c.NodeIP, "hostnames": []any{simHost}}},
			"cloud": map[string]any{"allowedEndpointDomains": []any{"sim.cloudjob.test"},
				"caBundle": map[string]any{"configMapName": "cloud-ca", "key": "ca.crt"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		apply(ctx, t, c, rel.Objects)
		roots := x509.NewCertPool()
		roots.AddCert(c.CA.Cert)
		verified := &tls.Config{RootCAs: roots, ServerName: metricsDNS, MinVersion: tls.VersionTLS12}
		pod := checkDeployment(ctx, t, c, cs, ns, release, release+"-metrics", release+"-metrics-reader", verified)
		checkCloudJob(ctx, t, c, sim, simURL)
		checkStop(ctx, t, c, ns, release, pod)
	})

	t.Run("install.yaml", func(t *testing.T) {
		const ns, prefix = "cloudjob-operator-system", "cloudjob-operator-"
		objs := installManifest(t, ref)
		apply(ctx, t, c, objs)
		// The kustomize install serves a self-signed certificate.
		selfSigned := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // nothing to verify it against
		pod := checkDeployment(ctx, t, c, cs, ns, prefix+"controller-manager", prefix+"controller-manager-metrics-service", prefix+"metrics-reader", selfSigned)
		checkStop(ctx, t, c, ns, prefix+"controller-manager", pod)
	})
}

// pauseImage builds the sandbox image from test/node/pause.
func pauseImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "pause")
	cmd := exec.Command("go", "build", "-o", bin, "./test/node/pause")
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building pause: %v\n%s", err, out)
	}
	built, err := image.Build(image.Options{Binary: bin, CACertificates: "/etc/ssl/certs/ca-certificates.crt",
		Created: time.Unix(1, 0), Reference: PauseImage, Entrypoint: "/pause"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	return built.Tarball
}

func startTLSSimulator(t *testing.T, c *Cluster) (*cloudsim.Server, string) {
	t.Helper()
	sim, err := cloudsim.New(cloudsim.Config{Credentials: []cloudsim.Credential{{AccessKey: accessKey, SecretKey: secretKey}},
		RequestsPerMinute: 1_000_000, TimeScale: 1, Seed: 23})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := c.CA.Issue(simHost, nil, []string{simHost}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(c.NodeIP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: sim.APIHandler(), ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close(); sim.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return sim, "https://" + simHost + ":" + port
}

// apply installs the objects, and waits until CloudJobs are served if they
// include the CRDs.
func apply(ctx context.Context, t *testing.T, c *Cluster, objs []*unstructured.Unstructured) {
	t.Helper()
	crds := false
	for _, obj := range objs {
		crds = crds || obj.GetKind() == "CustomResourceDefinition"
		if err := chart.Apply(ctx, c.Client, "node-test", obj.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	if !crds {
		return
	}
	if err := poll(ctx, time.Minute, func(context.Context) (bool, error) {
		var l jobsv1alpha1.CloudJobList
		return c.Client.List(ctx, &l) == nil, nil
	}); err != nil {
		t.Fatalf("CloudJobs are not served: %v", err)
	}
}

// installManifest is dist/install.yaml for the image: config/default rendered by
// kustomize with the image set, as make build-installer writes it.
func installManifest(t *testing.T, ref string) []*unstructured.Unstructured {
	t.Helper()
	kubectl := filepath.Join(testenv.RepoRoot(), "bin", "k8s", testenv.KubernetesVersion, "kubectl")
	work := t.TempDir()
	if out, err := exec.Command("cp", "-r", filepath.Join(testenv.RepoRoot(), "config"), work).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	manager := filepath.Join(work, "config", "manager", "manager.yaml")
	data, err := os.ReadFile(manager)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manager, []byte(strings.Replace(string(data), "image: controller:latest", "image: "+ref, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(work, "config", "default")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v", err)
	}
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(string(out), "\n---\n") {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			t.Fatal(err)
		}
		if len(obj.Object) > 0 {
			objs = append(objs, obj)
		}
	}
	return objs
}

// checkDeployment waits until the Deployment is available and checks the pod the
// kubelet runs: its process's confinement, its Lease, its metrics through the
// Service, and its log.
func checkDeployment(ctx context.Context, t *testing.T, c *Cluster, cs kubernetes.Interface, ns, name, metricsService, readerRole string, metricsTLS *tls.Config) *corev1.Pod {
	t.Helper()
	start := time.Now()
	var d appsv1.Deployment
	if err := poll(ctx, 3*time.Minute, func(context.Context) (bool, error) {
		if err := c.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &d); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return d.Status.AvailableReplicas >= 1, nil
	}); err != nil {
		t.Fatalf("Deployment %s/%s not available: %v\n%v\n%s", ns, name, err, c.Failed(), describePods(ctx, c, ns))
	}
	t.Logf("Deployment %s/%s available %s after apply", ns, name, time.Since(start).Round(time.Second))
	var pods corev1.PodList
	if err := c.Client.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(d.Spec.Selector.MatchLabels)); err != nil || len(pods.Items) != 1 {
		t.Fatalf("pods of %s: %v, %d", name, err, len(pods.Items))
	}
	pod := pods.Items[0]
	if !podReady(&pod) {
		t.Errorf("pod %s is not Ready", pod.Name)
	}
	pid, err := c.ContainerPID(ctx, pod.Status.ContainerStatuses[0].ContainerID)
	if err != nil {
		t.Fatal(err)
	}
	confinement, problems, err := podrun.Restricted(pid, 65532)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("the operator's process: %s", p)
	}
	t.Logf("pod %s (%s): %s", pod.Name, pod.Status.PodIP, confinement)

	var lease coordinationv1.Lease
	if err := poll(ctx, time.Minute, func(context.Context) (bool, error) {
		err := c.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: leaseName}, &lease)
		return err == nil && ptr.Deref(lease.Spec.HolderIdentity, "") != "", client.IgnoreNotFound(err)
	}); err != nil {
		t.Errorf("the operator took no Lease %s/%s: %v", ns, leaseName, err)
	}

	// Metrics through the Service's cluster IP, which kube-proxy forwards.
	var svc corev1.Service
	if err := c.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: metricsService}, &svc); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("https://%s:%d/metrics", svc.Spec.ClusterIP, svc.Spec.Ports[0].Port)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: metricsTLS}}
	if code, body := scrape(ctx, hc, url, ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous scrape of %s: HTTP %d (%.200s), want 401", url, code, body)
	}
	scraper := ns + "-scraper"
	if err := c.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: scraper}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Client.Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: scraper},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: readerRole},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: scraper, Namespace: ns}}}); err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, scraper, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var body string
	if err := poll(ctx, 30*time.Second, func(context.Context) (bool, error) {
		code, b := scrape(ctx, hc, url, tr.Status.Token)
		body = b
		return code == http.StatusOK, nil
	}); err != nil {
		t.Errorf("scrape with a metrics-reader token through %s: %v", url, err)
	} else if !strings.Contains(body, "cloudjob_events_total") {
		t.Errorf("the scrape lacks the operator's metrics")
	}

	log, err := c.PodLog(&pod, "manager")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"forbidden", "Forbidden", secretKey, tr.Status.Token} {
		if strings.Contains(log, bad) {
			t.Errorf("the operator's log contains %.12q…", bad)
		}
	}
	return &pod
}

// checkCloudJob tracks a job of the simulator to its end.
func checkCloudJob(ctx context.Context, t *testing.T, c *Cluster, sim *cloudsim.Server, simURL string) {
	t.Helper()
	jobs, err := sim.AddJobs(cloudsim.JobSpec{Service: cloudsim.ServiceEVS, ProjectID: "nodetest", JobID: "ff80808288d41e1b018990260955686b",
		Init: cloudsim.Duration(time.Second), Running: cloudsim.Duration(2 * time.Second), Outcome: cloudsim.OutcomeSuccess})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateNamespace(ctx, "team-a"); err != nil {
		t.Fatal(err)
	}
	if err := c.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "cloud"},
		Data: map[string][]byte{"accessKey": []byte(accessKey), "secretKey": []byte(secretKey)}}); err != nil {
		t.Fatal(err)
	}
	job := &jobsv1alpha1.CloudJob{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "attach-volume"},
		Spec: jobsv1alpha1.CloudJobSpec{Service: jobsv1alpha1.Service(jobs[0].Spec.Service), ProjectID: "nodetest",
			JobID: jobs[0].Spec.JobID, Endpoint: simURL, CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "cloud"}}}
	if err := c.Client.Create(ctx, job); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, time.Minute, func(context.Context) (bool, error) {
		err := c.Client.Get(ctx, client.ObjectKeyFromObject(job), job)
		return err == nil && job.Status.Phase == jobsv1alpha1.PhaseSucceeded, err
	}); err != nil {
		t.Errorf("CloudJob team-a/%s: phase %q, %s: %v", job.Name, job.Status.Phase, testenv.ConditionsText(job), err)
		return
	}
	t.Logf("CloudJob team-a/%s %s against %s", job.Name, job.Status.Phase, simURL)
}

// checkStop scales the Deployment to zero: the kubelet stops the pod with
// SIGTERM within its grace period, and the operator gives its Lease back.
func checkStop(ctx context.Context, t *testing.T, c *Cluster, ns, name string, pod *corev1.Pod) {
	t.Helper()
	start := time.Now()
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := c.Client.Patch(ctx, d, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"replicas":0}}`))); err != nil {
		t.Fatal(err)
	}
	grace := time.Duration(ptr.Deref(pod.Spec.TerminationGracePeriodSeconds, 30)) * time.Second
	if err := poll(ctx, grace+30*time.Second, func(context.Context) (bool, error) {
		err := c.Client.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})
		return client.IgnoreNotFound(err) == nil && err != nil, nil
	}); err != nil {
		t.Fatalf("pod %s not gone after scaling to zero: %v", pod.Name, err)
	}
	took := time.Since(start)
	t.Logf("pod %s gone %s after scaling to zero (grace period %s)", pod.Name, took.Round(100*time.Millisecond), grace)
	if took > grace {
		t.Errorf("the operator took %s to stop, more than its grace period %s: the kubelet killed it", took, grace)
	}
	var lease coordinationv1.Lease
	if err := c.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: leaseName}, &lease); err != nil {
		t.Fatal(err)
	}
	if h := ptr.Deref(lease.Spec.HolderIdentity, ""); h != "" {
		t.Errorf("the Lease is still held by %q after the pod stopped", h)
	}
}

func scrape(ctx context.Context, hc *http.Client, url, token string) (int, string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func describePods(ctx context.Context, c *Cluster, ns string) string {
	var pods corev1.PodList
	_ = c.Client.List(ctx, &pods, client.InNamespace(ns))
	var b strings.Builder
	for _, p := range pods.Items {
		fmt.Fprintf(&b, "pod %s phase %s\n", p.Name, p.Status.Phase)
		for _, s := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, "  %s ready=%v restarts=%d state=%+v last=%+v\n", s.Name, s.Ready, s.RestartCount, s.State, s.LastTerminationState)
		}
		if log, err := c.PodLog(&p, "manager"); err == nil {
			lines := strings.Split(strings.TrimSpace(log), "\n")
			fmt.Fprintf(&b, "  log: %s\n", strings.Join(lines[max(0, len(lines)-15):], "\n  "))
		}
	}
	var events corev1.EventList
	_ = c.Client.List(ctx, &events, client.InNamespace(ns))
	for _, e := range events.Items {
		fmt.Fprintf(&b, "event %s %s: %s\n", e.InvolvedObject.Name, e.Reason, e.Message)
	}
	b.WriteString("kubelet:\n" + c.Log("kubelet", 15))
	return b.String()
}

// poll checks done every 300 ms until it holds, fails or timeout passes.
func poll(ctx context.Context, timeout time.Duration, done wait.ConditionWithContextFunc) error {
	return wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, timeout, true, done)
}
