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

// Package chart loads, lints and renders the operator's Helm chart
// (charts/cloudjob-operator) with Helm's own Go packages, for the chart's tests
// and for the tests that install what it renders.
package chart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// Dir is the chart's directory in the source tree.
func Dir() string { return filepath.Join(testenv.RepoRoot(), "charts", "cloudjob-operator") }

// Load loads the chart from Dir.
func Load() (*chartv2.Chart, error) { return loader.LoadDir(Dir()) }

// capabilities are those of the test control plane's Kubernetes version.
func capabilities() (*common.Capabilities, error) {
	kv, err := common.ParseKubeVersion("v" + testenv.KubernetesVersion)
	if err != nil {
		return nil, err
	}
	caps := common.DefaultCapabilities.Copy()
	caps.KubeVersion = *kv
	return caps, nil
}

// Lint runs Helm's chart linter with values over values.yaml and returns its
// messages of at least the given severity (support.WarningSev, say).
func Lint(namespace string, values map[string]any, least int) ([]support.Message, error) {
	caps, err := capabilities()
	if err != nil {
		return nil, err
	}
	linter := lint.RunAll(Dir(), values, namespace, lint.WithKubeVersion(&caps.KubeVersion))
	var out []support.Message
	for _, m := range linter.Messages {
		if m.Severity >= least {
			out = append(out, m)
		}
	}
	return out, nil
}

// Release is a rendered release.
type Release struct {
	// Objects are the rendered objects in the order helm install creates them.
	Objects []*unstructured.Unstructured
	// Notes is the rendered NOTES.txt.
	Notes string
}

// Render renders the chart as release name in namespace with values over
// values.yaml, checking them against values.schema.json as `helm install` does.
func Render(name, namespace string, values map[string]any) (*Release, error) {
	ch, err := Load()
	if err != nil {
		return nil, err
	}
	caps, err := capabilities()
	if err != nil {
		return nil, err
	}
	vals, err := util.ToRenderValuesWithSchemaValidation(ch, values,
		common.ReleaseOptions{Name: name, Namespace: namespace, IsInstall: true, Revision: 1}, caps, false)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(ch, vals)
	if err != nil {
		return nil, err
	}
	rel := &Release{}
	for name, text := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			rel.Notes = text
			delete(files, name)
		}
	}
	// Helm's own install order: namespaces, CRDs, service accounts and RBAC
	// before the workloads that need them.
	_, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, err
	}
	for _, m := range manifests {
		objs, err := decode(m.Content)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		rel.Objects = append(rel.Objects, objs...)
	}
	return rel, nil
}

// decode splits a rendered file into its objects, skipping empty documents.
func decode(text string) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(text)), 4096)
	for {
		obj := map[string]any{}
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(obj) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
}

// Find returns the rendered object of kind and name, or nil.
func (r *Release) Find(kind, name string) *unstructured.Unstructured {
	for _, o := range r.Objects {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// PodSpec is the pod template's spec of the rendered Deployment named name.
func (r *Release) PodSpec(name string) (corev1.PodSpec, error) {
	obj := r.Find("Deployment", name)
	if obj == nil {
		return corev1.PodSpec{}, fmt.Errorf("no Deployment %s rendered: %v", name, r.Kinds())
	}
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &d); err != nil {
		return corev1.PodSpec{}, err
	}
	return d.Spec.Template.Spec, nil
}

// Apply applies obj server-side, as Helm 4 installs, taking every field for
// fieldOwner; obj becomes what the server stored.
func Apply(ctx context.Context, c client.Client, fieldOwner string, obj *unstructured.Unstructured) error {
	//nolint:staticcheck // client.Apply with an unstructured object is the server-side apply Helm 4 does.
	if err := c.Patch(ctx, obj, client.Apply, client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("applying %s %s/%s: %w", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}

// Kinds lists kind/name of every object, for messages.
func (r *Release) Kinds() []string {
	out := make([]string, 0, len(r.Objects))
	for _, o := range r.Objects {
		out = append(out, o.GetKind()+"/"+o.GetName())
	}
	return out
}
