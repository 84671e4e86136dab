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

package controller

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
)

// The seams between the API, the cloud client and the poll policy are plain
// conversions; these tests keep them whole.

// TestEveryServiceHasAnAdapter reads spec.service's enum from the generated CRD,
// which is what the API server admits.
func TestEveryServiceHasAnAdapter(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "jobs.cloudjob.io_cloudjobs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	enum := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["service"].Enum
	if len(enum) == 0 {
		t.Fatal("the CRD has no enum for spec.service")
	}
	for _, raw := range enum {
		var service string
		if err := yaml.Unmarshal(raw.Raw, &service); err != nil {
			t.Fatal(err)
		}
		if _, ok := huaweicloud.AdapterFor(huaweicloud.Service(service)); !ok {
			t.Errorf("spec.service %q is admitted but has no adapter in internal/huaweicloud", service)
		}
	}
	if len(enum) != len(huaweicloud.Services()) {
		t.Errorf("the CRD admits %d services, the cloud client has %d adapters: add the enum value or remove the adapter", len(enum), len(huaweicloud.Services()))
	}
}

// TestEveryCloudPhaseMapsToAPollPhase finds the huaweicloud.Phase constants in
// the source, so that a new phase cannot slip past pollPhase unnoticed.
func TestEveryCloudPhaseMapsToAPollPhase(t *testing.T) {
	want := map[huaweicloud.Phase]poll.Phase{
		huaweicloud.PhasePending:         poll.PhaseActive,
		huaweicloud.PhaseRunning:         poll.PhaseActive,
		huaweicloud.PhaseUnknown:         poll.PhaseActive,
		huaweicloud.PhaseAwaitingPayment: poll.PhaseAwaitingPayment,
		huaweicloud.PhaseSucceeded:       poll.PhaseFinished,
		huaweicloud.PhaseFailed:          poll.PhaseFinished,
	}
	phases := phaseConstants(t, filepath.Join("..", "huaweicloud", "job.go"))
	if len(phases) != len(want) {
		t.Errorf("internal/huaweicloud has the phases %v; this test knows %d of them", phases, len(want))
	}
	if got := pollPhase(&jobsv1alpha1.CloudJobStatus{}); got != poll.PhaseNotPolled {
		t.Errorf("pollPhase(status of a job never answered for) = %v, want PhaseNotPolled", got)
	}
	for _, p := range phases {
		expected, known := want[p]
		if !known {
			t.Errorf("phase %q: say here which poll phase it is, and make pollPhase agree", p)
			continue
		}
		polled := jobsv1alpha1.CloudJobStatus{StartTime: &metav1.Time{}, Phase: phaseOf(p)}
		if got := pollPhase(&polled); got != expected {
			t.Errorf("pollPhase(status after the cloud said %q) = %v, want %v", p, got, expected)
		}
		if p.Finished() != (expected == poll.PhaseFinished) {
			t.Errorf("phase %q: Finished() = %v, but the policy would see %v", p, p.Finished(), expected)
		}
	}
}

// phaseConstants returns the values of the constants of type Phase in file.
func phaseConstants(t *testing.T, file string) []huaweicloud.Phase {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []huaweicloud.Phase
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Phase" {
				continue
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok {
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, huaweicloud.Phase(s))
				}
			}
		}
	}
	return out
}

// TestEveryCloudPhaseHasAStatusPhase: status.phase speaks the same words for
// every service, whatever the cloud client calls the phase.
func TestEveryCloudPhaseHasAStatusPhase(t *testing.T) {
	want := map[huaweicloud.Phase]jobsv1alpha1.Phase{
		huaweicloud.PhasePending:         jobsv1alpha1.PhasePending,
		huaweicloud.PhaseRunning:         jobsv1alpha1.PhaseRunning,
		huaweicloud.PhaseUnknown:         jobsv1alpha1.PhaseUnknown,
		huaweicloud.PhaseAwaitingPayment: jobsv1alpha1.PhaseAwaitingPayment,
		huaweicloud.PhaseSucceeded:       jobsv1alpha1.PhaseSucceeded,
		huaweicloud.PhaseFailed:          jobsv1alpha1.PhaseFailed,
	}
	for _, p := range phaseConstants(t, filepath.Join("..", "huaweicloud", "job.go")) {
		expected, known := want[p]
		if !known {
			t.Errorf("phase %q: say here which status.phase it is, and make phaseOf agree", p)
			continue
		}
		if got := phaseOf(p); got != expected {
			t.Errorf("phaseOf(%q) = %q, want %q", p, got, expected)
		}
	}
	if got := phaseOf("SOMETHING_NEW"); got != jobsv1alpha1.PhaseUnknown {
		t.Errorf("an unknown cloud phase reads as %q, want Unknown", got)
	}
}
