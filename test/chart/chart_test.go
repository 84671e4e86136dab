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

package chart

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

func everyValue(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "every-value.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	v := map[string]any{}
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestChartLints runs Helm's linter with the defaults and with every value set:
// nothing of warning severity or worse.
func TestChartLints(t *testing.T) {
	for name, values := range map[string]map[string]any{"defaults": nil, "every value": everyValue(t)} {
		msgs, err := Lint("cloudjob-system", values, support.WarningSev)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			t.Errorf("%s: %s", name, m)
		}
	}
}

func TestChartRendersDefaults(t *testing.T) {
	rel, err := Render("cloudjob-operator", "cloudjob-system", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CustomResourceDefinition/cloudjobs.jobs.cloudjob.io", "CustomResourceDefinition/cloudcredentials.jobs.cloudjob.io",
		"CustomResourceDefinition/clustercloudcredentials.jobs.cloudjob.io",
		"Deployment/cloudjob-operator", "ServiceAccount/cloudjob-operator", "Service/cloudjob-operator-metrics",
		"ClusterRole/cloudjob-operator-manager", "ClusterRoleBinding/cloudjob-operator-manager",
		"Role/cloudjob-operator-leader-election", "RoleBinding/cloudjob-operator-leader-election",
		"ClusterRole/cloudjob-operator-metrics-auth", "ClusterRoleBinding/cloudjob-operator-metrics-auth",
		"ClusterRole/cloudjob-operator-metrics-reader",
		"ClusterRole/cloudjob-operator-cloudjob-editor", "ClusterRole/cloudjob-operator-cloudjob-viewer",
	}
	got := rel.Kinds()
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("rendered\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, o := range rel.Objects {
		if o.GetKind() == "CustomResourceDefinition" && o.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
			t.Errorf("%s is not kept on uninstall by default", o.GetName())
		}
	}

	pod := podSpec(t, rel, "cloudjob-operator")
	c := pod.Containers[0]
	if c.Image != "ghcr.io/cloudjob-operator/cloudjob-operator:0.1.0" {
		t.Errorf("image %s, want the appVersion tag", c.Image)
	}
	sc := c.SecurityContext
	if sc == nil || !ptrTrue(sc.RunAsNonRoot) || !ptrTrue(sc.ReadOnlyRootFilesystem) || sc.AllowPrivilegeEscalation == nil ||
		*sc.AllowPrivilegeEscalation || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("the container's security context is not restricted: %+v", sc)
	}
	// The kustomize Deployment and the chart's default Deployment run the same
	// container the same way.
	kustomized := kustomizedPodSpec(t)
	kc := kustomized.Containers[0]
	if !reflect.DeepEqual(c.SecurityContext, kc.SecurityContext) || !reflect.DeepEqual(pod.SecurityContext, kustomized.SecurityContext) {
		t.Errorf("security contexts differ from config/manager:\n chart %+v %+v\n config %+v %+v", pod.SecurityContext, c.SecurityContext, kustomized.SecurityContext, kc.SecurityContext)
	}
	if !reflect.DeepEqual(c.Resources, kc.Resources) || *pod.TerminationGracePeriodSeconds != *kustomized.TerminationGracePeriodSeconds {
		t.Errorf("resources or grace period differ from config/manager")
	}
	for _, arg := range kc.Args {
		if !slices.Contains(c.Args, arg) && arg != "--leader-elect" {
			t.Errorf("config/manager passes %s, the chart does not (chart args %v)", arg, c.Args)
		}
	}
	if !strings.Contains(rel.Notes, "kubectl wait cloudjob/") {
		t.Errorf("NOTES.txt does not say how to wait on a CloudJob:\n%s", rel.Notes)
	}
}

func TestChartRendersEveryValue(t *testing.T) {
	rel, err := Render("cj", "platform", everyValue(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ServiceMonitor/cloudjobs", "PrometheusRule/cloudjobs", "ConfigMap/cloudjobs-dashboard",
		"ConfigMap/cloudjobs-kube-state-metrics", "NetworkPolicy/cloudjobs", "PodDisruptionBudget/cloudjobs",
		"ConfigMap/cloudjobs-extra", "ConfigMap/cj-extra-text", "ServiceAccount/cloudjobs-operator"} {
		kind, name, _ := strings.Cut(k, "/")
		if rel.Find(kind, name) == nil {
			t.Errorf("%s not rendered; rendered %v", k, rel.Kinds())
		}
	}
	for _, o := range rel.Objects {
		if o.GetKind() == "CustomResourceDefinition" && o.GetAnnotations()["helm.sh/resource-policy"] != "" {
			t.Errorf("%s is kept on uninstall with crd.keep=false", o.GetName())
		}
	}
	pod := podSpec(t, rel, "cloudjobs")
	c := pod.Containers[0]
	if want := "registry.example.com/platform/cloudjob-operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"; c.Image != want {
		t.Errorf("image %s, want %s (digest wins over tag)", c.Image, want)
	}
	for _, want := range []string{
		"--leader-elect=true", "--leader-election-id=cloudjobs-leader", "--leader-elect-lease-duration=20s",
		"--leader-elect-renew-deadline=15s", "--leader-elect-retry-period=3s", "--graceful-shutdown-timeout=30s",
		"--health-probe-bind-address=:9081", "--metrics-bind-address=:9443", "--metrics-secure=true",
		"--shard-selector=cloudjob.io/shard=a", "--max-concurrent-reconciles=20", "--cloud-domain=otc.t-systems.com",
		"--allowed-endpoint-domains=otc.t-systems.com,myhuaweicloud.com", "--cloud-requests-per-minute=1500",
		"--cloud-request-timeout=20s", "--send-project-id-header=true", "--ca-bundle=/etc/cloudjob-operator/ca/bundle.pem",
		"--min-poll-interval=3s", "--max-poll-interval=2m", "--max-poll-interval-before-window=4m",
		"--awaiting-payment-poll-interval=10m", "--poll-detection-lag=5s", "--job-not-found-grace=3m",
		"--auth-retry-interval=10m", "--stalled-retry-interval=6m", "--cluster-credentials=platform-default",
		"--operator-namespace=cloudjob-secrets", "--identity-requests-per-minute=30",
		"--iam-endpoint=https://iam.eu-de.otc.t-systems.com", "--namespace-agencies=0a1b*/cloudjob-*,0c2d*/cloudjob",
		"--federation-token-file=/var/run/secrets/cloudjob.io/federation/token", "--allow-node-metadata-credentials=true",
		"--node-metadata-endpoint=http://169.254.169.254", "--zap-log-level=debug", "--zap-encoder=console",
		"--cloud-request-timeout=25s", "--metrics-cert-dir=/etc/cloudjob-operator/metrics-tls",
	} {
		if !slices.Contains(c.Args, want) {
			t.Errorf("args lack %s: %v", want, c.Args)
		}
	}
	var token *corev1.ServiceAccountTokenProjection
	for _, v := range pod.Volumes {
		if v.Name == "federation-token" && v.Projected != nil && len(v.Projected.Sources) == 1 {
			token = v.Projected.Sources[0].ServiceAccountToken
		}
	}
	if token == nil || token.Audience != "cloudjob-operator" || token.ExpirationSeconds == nil || *token.ExpirationSeconds != 7200 {
		t.Errorf("no projected federation token with audience cloudjob-operator for 7200 s: %+v", token)
	}
	if pod.PriorityClassName != "system-cluster-critical" || len(pod.Tolerations) != 1 || pod.Affinity == nil ||
		len(pod.TopologySpreadConstraints) != 1 || pod.NodeSelector["kubernetes.io/os"] != "linux" ||
		len(pod.ImagePullSecrets) != 1 || *pod.TerminationGracePeriodSeconds != 45 || len(pod.HostAliases) != 1 {
		t.Errorf("scheduling values not rendered: %+v", pod)
	}
	var metricsTLS bool
	for _, v := range pod.Volumes {
		metricsTLS = metricsTLS || (v.Secret != nil && v.Secret.SecretName == "cloudjobs-metrics-tls")
	}
	if !metricsTLS {
		t.Error("metrics.certSecret is not mounted")
	}
	monitor := rel.Find("ServiceMonitor", "cloudjobs")
	endpoints, _, _ := unstructured.NestedSlice(monitor.Object, "spec", "endpoints")
	serverName, _, _ := unstructured.NestedString(endpoints[0].(map[string]any), "tlsConfig", "serverName")
	if serverName != "metrics.platform.example.com" {
		t.Errorf("the ServiceMonitor verifies server name %q, want serviceMonitor.tlsConfig's", serverName)
	}
	rules := rel.Find("PrometheusRule", "cloudjobs")
	groups, _, _ := unstructured.NestedSlice(rules.Object, "spec", "groups")
	if len(groups) == 0 {
		t.Error("the PrometheusRule has no groups")
	}
	dashboard := rel.Find("ConfigMap", "cloudjobs-dashboard")
	text, _, _ := unstructured.NestedString(dashboard.Object, "data", "cloudjob-operator.json")
	var parsed map[string]any
	if err := json.Unmarshal([]byte(text), &parsed); err != nil || parsed["uid"] != "cloudjob-operator" {
		t.Errorf("the dashboard ConfigMap does not hold the dashboard JSON: %v", err)
	}
}

// TestChartServiceMonitorVerifiesTheMetricsCertificate: with metrics.certSecret
// the ServiceMonitor verifies the endpoint against the Secret's CA and the
// Service's name; without, it cannot (self-signed) and says so.
func TestChartServiceMonitorVerifiesTheMetricsCertificate(t *testing.T) {
	tlsConfig := func(values map[string]any) map[string]any {
		t.Helper()
		rel, err := Render("cj", "ops", values)
		if err != nil {
			t.Fatal(err)
		}
		monitor := rel.Find("ServiceMonitor", "cj-cloudjob-operator")
		if monitor == nil {
			t.Fatalf("no ServiceMonitor: %v", rel.Kinds())
		}
		endpoints, _, _ := unstructured.NestedSlice(monitor.Object, "spec", "endpoints")
		cfg, _, _ := unstructured.NestedMap(endpoints[0].(map[string]any), "tlsConfig")
		return cfg
	}
	verified := tlsConfig(map[string]any{"serviceMonitor": map[string]any{"enabled": true}, "metrics": map[string]any{"certSecret": "metrics-tls"}})
	name, _, _ := unstructured.NestedString(verified, "ca", "secret", "name")
	if verified["serverName"] != "cj-cloudjob-operator-metrics.ops.svc" || name != "metrics-tls" || verified["insecureSkipVerify"] != nil {
		t.Errorf("with metrics.certSecret the ServiceMonitor's tlsConfig is %v", verified)
	}
	if self := tlsConfig(map[string]any{"serviceMonitor": map[string]any{"enabled": true}}); self["insecureSkipVerify"] != true {
		t.Errorf("with a self-signed certificate the ServiceMonitor's tlsConfig is %v", self)
	}
}

// TestChartSchemaRefusesBadValues: a misspelt key or a wrong type fails the
// install, naming the value.
func TestChartSchemaRefusesBadValues(t *testing.T) {
	for _, c := range []struct {
		name   string
		values string
		want   []string
	}{
		{"unknown top-level key", "replica: 2", []string{"replica"}},
		{"unknown nested key", "image: {tags: v1}", []string{"tags"}},
		{"wrong type", "replicas: two", []string{"replicas", "integer"}},
		{"bad pull policy", "image: {pullPolicy: Sometimes}", []string{"pullPolicy"}},
		{"bad duration", "polling: {minInterval: 5 seconds}", []string{"minInterval"}},
		{"bad digest", "image: {digest: latest}", []string{"digest"}},
		{"zero quota", "cloud: {requestsPerMinute: 0}", []string{"requestsPerMinute"}},
		{"flag without dashes", "extraArgs: [leader-elect]", []string{"extraArgs"}},
		{"bad log level", "logging: {level: verbose}", []string{"level"}},
		{"port out of range", "metrics: {port: 70000}", []string{"port"}},
		{"federation without audience", "identity: {federation: {enabled: true}}", []string{"identity.federation.audience is required"}},
		{"cluster default in namespaced mode", "watchNamespace: team-a\nidentity: {clusterCredentials: platform}", []string{"identity.clusterCredentials needs the cluster-wide mode"}},
		{"agency pattern without a domain", "identity: {namespaceAgencies: [cloudjob]}", []string{"namespaceAgencies"}},
		{"IAM endpoint with a path", "identity: {iamEndpoint: 'https://iam.example.com/collect'}", []string{"iamEndpoint"}},
		{"both PDB bounds", "podDisruptionBudget: {enabled: true, minAvailable: 1, maxUnavailable: 1}", []string{"not both"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := map[string]any{}
			if err := yaml.Unmarshal([]byte(c.values), &v); err != nil {
				t.Fatal(err)
			}
			_, err := Render("cj", "ops", v)
			if err == nil {
				t.Fatalf("%s was accepted", c.values)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// TestChartGrantsTheGeneratedRBAC: the chart's roles have exactly the rules of
// config/rbac (the manager's generated from the RBAC markers), as a ClusterRole
// by default and as a Role in the watched namespace with watchNamespace.
func TestChartGrantsTheGeneratedRBAC(t *testing.T) {
	cluster, err := Render("cj", "ops", nil)
	if err != nil {
		t.Fatal(err)
	}
	namespaced, err := Render("cj", "ops", map[string]any{"watchNamespace": "team-a"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rel        *Release
		kind, name string
		namespace  string
		config     string
	}{
		{cluster, "ClusterRole", "cj-cloudjob-operator-manager", "", "config/rbac/role.yaml"},
		{namespaced, "Role", "cj-cloudjob-operator-manager", "team-a", "config/rbac-namespaced/role.yaml"},
		{cluster, "Role", "cj-cloudjob-operator-leader-election", "ops", "config/rbac/leader_election_role.yaml"},
		{cluster, "ClusterRole", "cj-cloudjob-operator-metrics-auth", "", "config/rbac/metrics_auth_role.yaml"},
		{cluster, "ClusterRole", "cj-cloudjob-operator-metrics-reader", "", "config/rbac/metrics_reader_role.yaml"},
		{cluster, "ClusterRole", "cj-cloudjob-operator-cloudjob-editor", "", "config/rbac/cloudjob_editor_role.yaml"},
		{cluster, "ClusterRole", "cj-cloudjob-operator-cloudjob-viewer", "", "config/rbac/cloudjob_viewer_role.yaml"},
	} {
		obj := c.rel.Find(c.kind, c.name)
		if obj == nil {
			t.Errorf("%s %s not rendered", c.kind, c.name)
			continue
		}
		if obj.GetNamespace() != c.namespace {
			t.Errorf("%s %s in namespace %q, want %q", c.kind, c.name, obj.GetNamespace(), c.namespace)
		}
		var rendered rbacv1.ClusterRole
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &rendered); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), c.config))
		if err != nil {
			t.Fatal(err)
		}
		var generated rbacv1.ClusterRole
		if err := yaml.Unmarshal(data, &generated); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rendered.Rules, generated.Rules) {
			t.Errorf("%s %s grants\n  %v\nbut %s grants\n  %v", c.kind, c.name, rendered.Rules, c.config, generated.Rules)
		}
	}
	if namespaced.Find("ClusterRole", "cj-cloudjob-operator-manager") != nil {
		t.Error("with watchNamespace the manager still gets a ClusterRole")
	}
	for _, o := range namespaced.Objects {
		if o.GetKind() == "ClusterRoleBinding" && o.GetName() != "cj-cloudjob-operator-metrics-auth" {
			t.Errorf("with watchNamespace the chart binds ClusterRole %s", o.GetName())
		}
	}
}

// TestChartInstallsOnTheAPIServer applies what the chart renders, server-side,
// to a real API server: a cluster-wide release with every value set, and a
// namespaced release beside it. The Prometheus Operator's CRDs come from its Go
// module, so the ServiceMonitor and PrometheusRule are checked against their
// real schemas.
func TestChartInstallsOnTheAPIServer(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	scheme := testenv.Scheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}

	for _, crd := range monitoringCRDs(t) {
		if err := c.Create(ctx, crd); err != nil {
			t.Fatalf("installing %s: %v", crd.Name, err)
		}
	}
	for _, ns := range []string{"platform", "team-a", "team-a-operator", "monitoring"} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	everything, err := Render("cj", "platform", everyValue(t))
	if err != nil {
		t.Fatal(err)
	}
	namespaced, err := Render("team-a", "team-a-operator", map[string]any{"watchNamespace": "team-a", "crd": map[string]any{"enable": false}})
	if err != nil {
		t.Fatal(err)
	}
	for name, rel := range map[string]*Release{"cluster-wide release": everything, "namespaced release": namespaced} {
		for _, obj := range rel.Objects {
			obj := obj.DeepCopy()
			if err := Apply(ctx, c, "helm", obj); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		t.Logf("%s: applied %d objects", name, len(rel.Objects))
	}
	// Applying the same release again changes nothing: what the server stores is
	// what the chart renders.
	for _, obj := range everything.Objects {
		obj := obj.DeepCopy()
		if err := Apply(ctx, c, "helm", obj); err != nil {
			t.Errorf("again: %v", err)
		}
		if obj.GetGeneration() > 1 {
			t.Errorf("re-applying %s %s changed it (generation %d)", obj.GetKind(), obj.GetName(), obj.GetGeneration())
		}
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := c.Get(ctx, client.ObjectKey{Name: "cloudjobs.jobs.cloudjob.io"}, crd); err != nil {
		t.Fatal(err)
	}
	if crd.Labels["app.kubernetes.io/managed-by"] != "Helm" {
		t.Errorf("the CloudJob CRD on the server has labels %v", crd.Labels)
	}
}

// monitoringCRDs are the ServiceMonitor and PrometheusRule CRDs of the
// Prometheus Operator module the Makefile downloads.
func monitoringCRDs(t *testing.T) []*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	dir, err := PrometheusOperatorDir()
	if err != nil {
		t.Fatal(err)
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, name := range []string{"servicemonitors", "prometheusrules"} {
		data, err := os.ReadFile(filepath.Join(dir, "example", "prometheus-operator-crd", "monitoring.coreos.com_"+name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(data, crd); err != nil {
			t.Fatal(err)
		}
		out = append(out, crd)
	}
	return out
}

// PrometheusOperatorModule is the Prometheus Operator release whose CRDs the
// chart's ServiceMonitor and PrometheusRule are checked against.
const PrometheusOperatorModule = "github.com/prometheus-operator/prometheus-operator@v0.85.0"

// PrometheusOperatorDir downloads the Prometheus Operator module (once; the
// module cache keeps it) and returns its directory.
func PrometheusOperatorDir() (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", PrometheusOperatorModule).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", PrometheusOperatorModule, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go mod download %s: %w", PrometheusOperatorModule, err)
	}
	if m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", PrometheusOperatorModule, m.Error)
	}
	return m.Dir, nil
}

func podSpec(t *testing.T, rel *Release, name string) corev1.PodSpec {
	t.Helper()
	spec, err := rel.PodSpec(name)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func kustomizedPodSpec(t *testing.T) corev1.PodSpec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "manager", "manager.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var d struct {
			Kind string
			Spec struct {
				Template corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind == "Deployment" {
			return d.Spec.Template.Spec
		}
	}
	t.Fatal("config/manager/manager.yaml has no Deployment")
	return corev1.PodSpec{}
}

func ptrTrue(b *bool) bool { return b != nil && *b }
