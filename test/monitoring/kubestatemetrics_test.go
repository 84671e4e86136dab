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

package monitoring

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// ksmConfig is the part of kube-state-metrics' CustomResourceStateMetrics
// format the configuration uses; unknown fields fail the strict decoding, so a
// misspelt key is caught.
type ksmConfig struct {
	Kind string `json:"kind"`
	Spec struct {
		Resources []struct {
			GroupVersionKind struct {
				Group   string `json:"group"`
				Version string `json:"version"`
				Kind    string `json:"kind"`
			} `json:"groupVersionKind"`
			LabelsFromPath map[string][]string `json:"labelsFromPath"`
			Metrics        []struct {
				Name string `json:"name"`
				Help string `json:"help"`
				Each struct {
					Type string `json:"type"`
					Info *struct {
						LabelsFromPath map[string][]string `json:"labelsFromPath"`
					} `json:"info"`
					StateSet *struct {
						LabelName string   `json:"labelName"`
						Path      []string `json:"path"`
						List      []string `json:"list"`
					} `json:"stateSet"`
					Gauge *struct {
						Path           []string            `json:"path"`
						LabelsFromPath map[string][]string `json:"labelsFromPath"`
						ValueFrom      []string            `json:"valueFrom"`
						LabelFromKey   string              `json:"labelFromKey"`
						NilIsZero      bool                `json:"nilIsZero"`
					} `json:"gauge"`
				} `json:"each"`
			} `json:"metrics"`
		} `json:"resources"`
	} `json:"spec"`
}

// schemaAt walks the CRD's schema along path; metadata fields, which the CRD
// does not describe, are the ones kube-state-metrics users read.
func schemaAt(root *apiextensionsv1.JSONSchemaProps, path []string) (*apiextensionsv1.JSONSchemaProps, bool) {
	if len(path) == 2 && path[0] == "metadata" {
		switch path[1] {
		case "name", "namespace":
			return &apiextensionsv1.JSONSchemaProps{Type: "string"}, true
		case "creationTimestamp":
			return &apiextensionsv1.JSONSchemaProps{Type: "string", Format: "date-time"}, true
		}
		return nil, false
	}
	s := root
	for _, p := range path {
		next, ok := s.Properties[p]
		if !ok {
			return nil, false
		}
		s = &next
	}
	return s, true
}

func isValue(s *apiextensionsv1.JSONSchemaProps) bool {
	return s.Type == "integer" || s.Type == "number" || (s.Type == "string" && s.Format == "date-time")
}

// testKubeStateMetrics checks every path of the configuration against the
// CloudJob CRD's schema (right kind, right type, the phase list equal to the
// CRD's enum), and resolves it on the CloudJobs of the run, where each metric
// must find a value on at least one of them.
func testKubeStateMetrics(t *testing.T, r *run) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "kube-state-metrics", "cloudjob-metrics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg ksmConfig
	if err := yaml.UnmarshalStrict(data, &cfg); err != nil {
		t.Fatalf("cloudjob-metrics.yaml: %v", err)
	}
	crdData, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "jobs.cloudjob.io_cloudjobs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(crdData, &crd); err != nil {
		t.Fatal(err)
	}
	if cfg.Kind != "CustomResourceStateMetrics" || len(cfg.Spec.Resources) != 1 {
		t.Fatalf("kind %q with %d resources", cfg.Kind, len(cfg.Spec.Resources))
	}
	res := cfg.Spec.Resources[0]
	gvk := res.GroupVersionKind
	if gvk.Group != crd.Spec.Group || gvk.Kind != crd.Spec.Names.Kind || gvk.Version != crd.Spec.Versions[0].Name {
		t.Errorf("groupVersionKind %+v is not the CRD's", gvk)
	}
	root := crd.Spec.Versions[0].Schema.OpenAPIV3Schema

	found := func(path []string) int {
		n := 0
		for _, j := range r.jobs {
			if v, ok, _ := unstructured.NestedFieldNoCopy(j.Object, path...); ok && v != nil {
				n++
			}
		}
		return n
	}
	checkLabels := func(metric string, base []string, labels map[string][]string) {
		for label, path := range labels {
			s, ok := schemaAt(root, append(slices.Clone(base), path...))
			if !ok || s.Type != "string" {
				t.Errorf("%s: label %s reads %v, which the CRD has no string at", metric, label, append(slices.Clone(base), path...))
			}
		}
	}
	checkLabels("every metric", nil, res.LabelsFromPath)
	for _, m := range res.Metrics {
		if m.Help == "" || !strings.HasPrefix(m.Name, "cloudjob_") {
			t.Errorf("metric %q: a name starting cloudjob_ and a help text, please", m.Name)
		}
		var valuePath []string
		switch e := m.Each; e.Type {
		case "Info":
			if e.Info == nil {
				t.Fatalf("%s: Info without info", m.Name)
			}
			checkLabels(m.Name, nil, e.Info.LabelsFromPath)
			valuePath = e.Info.LabelsFromPath["job_id"]
		case "StateSet":
			s, ok := schemaAt(root, e.StateSet.Path)
			if !ok {
				t.Errorf("%s: no %v in the CRD", m.Name, e.StateSet.Path)
				continue
			}
			var enum []string
			for _, v := range s.Enum {
				enum = append(enum, strings.Trim(string(v.Raw), `"`))
			}
			if !slices.Equal(enum, e.StateSet.List) {
				t.Errorf("%s lists %v, the CRD's %v allows %v", m.Name, e.StateSet.List, e.StateSet.Path, enum)
			}
			valuePath = e.StateSet.Path
		case "Gauge":
			g := e.Gauge
			s, ok := schemaAt(root, g.Path)
			switch {
			case !ok:
				t.Errorf("%s: no %v in the CRD", m.Name, g.Path)
				continue
			case s.Type == "array":
				item := s.Items.Schema
				for label, p := range g.LabelsFromPath {
					if ls, ok := schemaAt(item, p); !ok || ls.Type != "string" {
						t.Errorf("%s: label %s reads %v, which %v's items lack", m.Name, label, p, g.Path)
					}
				}
				if vs, ok := schemaAt(item, g.ValueFrom); !ok || (vs.Type != "string" && !isValue(vs)) {
					t.Errorf("%s: valueFrom %v is not in %v's items", m.Name, g.ValueFrom, g.Path)
				}
			case g.LabelFromKey != "":
				if s.Type != "object" || len(s.Properties) == 0 {
					t.Errorf("%s: labelFromKey needs an object at %v", m.Name, g.Path)
				}
				for key, p := range s.Properties {
					if !isValue(&p) {
						t.Errorf("%s: %v.%s is not a number", m.Name, g.Path, key)
					}
				}
			case !isValue(s):
				t.Errorf("%s: %v is %s %s in the CRD, not a number or a time", m.Name, g.Path, s.Type, s.Format)
			}
			valuePath = g.Path
		default:
			t.Errorf("%s: type %s is not one this test knows", m.Name, e.Type)
			continue
		}
		// Progress is only for the database services' jobs.
		if n := found(valuePath); n == 0 && m.Name != "cloudjob_status_progress_percent" {
			t.Errorf("%s: none of the run's %d CloudJobs has %v", m.Name, len(r.jobs), valuePath)
		}
	}
}
