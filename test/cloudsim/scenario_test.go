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

package cloudsim

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The example responses of the two seed documents, verbatim.
const (
	seedBMSResponse = `{
    "status": "SUCCESS",
    "entities": {
        "sub_jobs_total": 1,
        "sub_jobs": [
            {
                "status": "SUCCESS",
                "entities": {
                    "server_id": "bae51750-0089-41a1-9b18-5c777978ff6d"
                },
                "job_id": "2c9eb2c5544cbf6101544f0635672b60",
                "job_type": "baremetalSingleCreate",
                "begin_time": "2019-04-25T20:04:47.591Z",
                "end_time": "2019-04-25T20:08:21.328Z",
                "error_code": null,
                "fail_reason": null
            }
        ]
    },
    "job_id": "2c9eb2c5544cbf6101544f0602af2b4f",
    "job_type": "baremetalBatchCreate",
    "begin_time": "2019-04-25T20:04:34.604Z",
    "end_time": "2019-04-25T20:08:41.593Z",
    "error_code": null,
    "fail_reason": null
}`
	seedELBResponse = `{ 
    "status": "SUCCESS", 
    "entities": 
     {
      "elb": 
       {
        "id": "ef265755daf84333baf4ddc1d91cbc2f",
        "name": "1",
        "type": "External",
        "status": "ACTIVE", 
        "bandwidth": 1, 
        "vip_address": "10.154.53.4", 
        "tenant_id": "cbc08e2f8c354c7aa7abb88d0a7d11dc", 
        "admin_state_up": false, 
        "vpc_id": "21838be1-c1ce-4c09-9184-228cdb43038d" 
        } 
      }, 
     "job_id": "ff8080825ecc523f015ecd0a98f82f77", 
     "job_type": "createELB", 
     "begin_time": "2017-09-29T09:49:37.399Z", 
     "end_time": "2017-09-29T09:50:03.272Z", 
     "error_code": null, 
     "fail_reason": null 
}`
)

// relativeTimes replaces every begin_time/end_time in a decoded body by its
// offset from the top-level begin_time, so a simulated answer can be
// compared with a document's example taken years ago.
func relativeTimes(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	origin, err := time.Parse(time.RFC3339Nano, body["begin_time"].(string))
	if err != nil {
		t.Fatalf("begin_time: %v", err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "begin_time" || k == "end_time") {
					ts, err := time.Parse(time.RFC3339Nano, s)
					if err != nil {
						t.Fatalf("%s %q is not ISO 8601: %v", k, s, err)
					}
					v[k] = ts.Sub(origin).String()
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(body)
	return body
}

func TestSeedExamplesScenarioMatchesTheDocuments(t *testing.T) {
	sc, err := LoadScenarioFile("../../hack/scenarios/seed-examples.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Config{})
	if _, err := h.s.Apply(sc); err != nil {
		t.Fatal(err)
	}
	h.clock.Step(5 * time.Minute)
	for _, c := range []struct {
		path, seed string
	}{
		{"/v1/bbf1946d374b44a0a2a95533562ba954/jobs/2c9eb2c5544cbf6101544f0602af2b4f", seedBMSResponse},
		{"/v1.0/cbc08e2f8c354c7aa7abb88d0a7d11dc/jobs/ff8080825ecc523f015ecd0a98f82f77", seedELBResponse},
	} {
		var want map[string]any
		if err := json.Unmarshal([]byte(c.seed), &want); err != nil {
			t.Fatal(err)
		}
		r := h.get(c.path)
		if r.code != 200 {
			t.Fatalf("%s: %d %s", c.path, r.code, r.raw)
		}
		got := relativeTimes(t, r.body)
		want = relativeTimes(t, want)
		if !reflect.DeepEqual(got, want) {
			g, _ := json.MarshalIndent(got, "", "  ")
			w, _ := json.MarshalIndent(want, "", "  ")
			t.Errorf("%s differs from the document\ngot:  %s\nwant: %s", c.path, g, w)
		}
	}
}

func TestParseScenario(t *testing.T) {
	sc, err := ParseScenario([]byte(`
settings: {timeScale: 60, requestsPerMinute: 100, seed: 7}
credentials: [{accessKey: ak, secretKey: sk}]
jobs:
  - {service: evs, projectId: p, jobId: j, init: 1d2h, running: 90s, retention: 14d,
     payment: {after: 1m, resolution: paid}}
faults:
  - {kind: error, status: 503, probability: 0.5, jobId: j, for: 10m}
`))
	if err != nil {
		t.Fatal(err)
	}
	var cfg Config
	sc.Settings.ApplyTo(&cfg)
	if cfg.TimeScale != 60 || cfg.RequestsPerMinute != 100 || cfg.Seed != 7 {
		t.Errorf("settings: %+v", cfg)
	}
	j := sc.Jobs[0]
	if j.Init.D() != 26*time.Hour || j.Running.D() != 90*time.Second || j.Retention.D() != 14*24*time.Hour || j.Payment.Resolution != PaymentPaid {
		t.Errorf("job: %+v", j)
	}
	if f := sc.Faults[0]; f.Kind != FaultError || f.Status != 503 || f.For.D() != 10*time.Minute {
		t.Errorf("fault: %+v", f)
	}
}

func TestParseScenarioErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"unknown service", `jobs: [{service: nat, projectId: p, jobId: j}]`, `jobs[0] (p/j): unknown service "nat"`},
		{"negative duration", `jobs: [{service: ecs, projectId: p, jobId: j, running: -5s}]`, `jobs[0] (p/j): running -5s is negative`},
		{"negative sub-job duration", `jobs: [{service: bms, projectId: p, jobId: j, subJobs: [{delay: -1s}]}]`, `subJobs[0].delay -1s is negative`},
		{"missing job id", `jobs: [{service: ecs, projectId: p}]`, `jobs[0] (p/): jobId is required`},
		{"missing project id", `jobs: [{service: ecs, jobId: j}]`, `jobs[0] (/j): projectId is required`},
		{"id with a slash", `jobs: [{service: ecs, projectId: p, jobId: a/b}]`, `must be one URL path segment`},
		{"duplicate job", `jobs: [{service: ecs, projectId: p, jobId: j}, {service: evs, projectId: p, jobId: j}]`, `jobs[1] (p/j): the same project and job id as jobs[0]`},
		{"numeric duration", `jobs: [{service: ecs, projectId: p, jobId: j, init: 30}]`, `duration must be a string`},
		{"bad duration", `jobs: [{service: ecs, projectId: p, jobId: j, init: soon}]`, `invalid duration "soon"`},
		{"unknown field", `jobs: [{service: ecs, projectId: p, jobId: j, runing: 5s}]`, `unknown field "runing"`}, //nolint:misspell // a typo of "running" is the unknown field under test
		{"bad outcome", `jobs: [{service: ecs, projectId: p, jobId: j, outcome: DONE}]`, `outcome "DONE" must be SUCCESS or FAIL`},
		{"entities not an object", `jobs: [{service: elb, projectId: p, jobId: j, entities: [1]}]`, `entities must be a JSON object`},
		{"bad payment", `jobs: [{service: ecs, projectId: p, jobId: j, payment: {resolution: maybe}}]`, `payment.resolution "maybe"`},
		{"unknown fault", `faults: [{kind: explode}]`, `faults[0]: unknown fault kind "explode"`},
		{"bad probability", `faults: [{kind: error, probability: 2}]`, `faults[0]: fault probability 2 is outside [0, 1]`},
		{"fault status not an error", `faults: [{kind: error, status: 200}]`, `needs a 4xx or 5xx status`},
		{"credential without secret", `credentials: [{accessKey: ak}]`, `credentials[0]: accessKey and secretKey are required`},
		{"bad time scale", `settings: {timeScale: 0}`, `settings.timeScale 0 must be positive`},
		{"not yaml", "jobs: [", `scenario`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestApplyScenarioIsAllOrNothingForJobs(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "taken"})
	sc, err := ParseScenario([]byte(`jobs: [{service: ecs, projectId: p, jobId: new}, {service: ecs, projectId: p, jobId: taken}]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Apply(sc); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("Apply: %v", err)
	}
	if n := len(h.s.Jobs()); n != 1 {
		t.Fatalf("%d jobs after a failed Apply, want the 1 from before", n)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90s": 90 * time.Second, "14d": 14 * 24 * time.Hour, "1d12h": 36 * time.Hour, "-1h": -time.Hour, "-2d": -48 * time.Hour, "0s": 0,
	} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "1x", "xd", "1d-1h", "5"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", in)
		}
	}
}

func TestEveryScenarioFileLoads(t *testing.T) {
	files, err := filepath.Glob("../../hack/scenarios/*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("scenario files: %v %v", files, err)
	}
	for _, file := range files {
		sc, err := LoadScenarioFile(file)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		h := newHarness(t, Config{})
		jobs, err := h.s.Apply(sc)
		if err != nil || len(jobs) != len(sc.Jobs) || len(h.s.Faults()) != len(sc.Faults) {
			t.Errorf("%s: %d jobs, %d faults, %v", file, len(jobs), len(h.s.Faults()), err)
		}
		// Every job answers on its service's path once its clock started.
		if err := h.s.SetFaults(nil); err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.Spec.StartOffset > 0 {
				continue // unknown until its clock starts
			}
			if r := h.getJob(j.Spec); r.code != 200 || j.Spec.Service == ServiceGeminiDB && strings.Contains(string(r.raw), `"jobs":[]`) {
				t.Errorf("%s: %s %s/%s: %d %s", file, j.Spec.Service, j.Spec.ProjectID, j.Spec.JobID, r.code, r.raw)
			}
		}
	}
}

func TestAllServicesScenarioPlaysOut(t *testing.T) {
	sc, err := LoadScenarioFile("../../hack/scenarios/all-services.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Config{})
	if _, err := h.s.Apply(sc); err != nil {
		t.Fatal(err)
	}
	if err := h.s.SetFaults(nil); err != nil {
		t.Fatal(err)
	}
	h.clock.Step(10 * time.Minute)
	const p = "5f0b6c1d2e3a4b5c6d7e8f9a0b1c2d3e"
	for id, want := range map[string]string{
		"/v1/" + p + "/jobs/8a2f1c0e5b7d4e3f9a6b1c2d3e4f5a60":     "FAIL",
		"/v1/" + p + "/jobs/3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e80":     "SUCCESS",
		"/v1/" + p + "/jobs/3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e81":     "FAIL",
		"/v1/" + p + "/jobs/3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e82":     "PENDING_PAYMENT",
		"/v1/" + p + "/jobs/9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b40":     "SUCCESS",
		"/v1/" + p + "/jobs/4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a90":     "SUCCESS",
		"/v1/" + p + "/jobs/6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c10":     "FAIL",
		"/v1.0/" + p + "/jobs/1f2e3d4c5b6a79880f1e2d3c4b5a6970":   "SUCCESS",
		"/v3/" + p + "/elb/jobs/7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a20": "ROLLBACK_FAIL",
	} {
		if got := h.status(id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	// Every service has a job, and each reaches its final state in its own
	// words (unless scripted to wait).
	seen := map[Service]bool{}
	for _, j := range h.s.Jobs() {
		seen[j.Spec.Service] = true
		final := map[Outcome]string{OutcomeSuccess: spelling[j.Spec.Service].say(StateSuccess), OutcomeFail: spelling[j.Spec.Service].say(StateFail)}
		if j.Spec.FinalState == "" && j.Spec.Payment == nil && j.State != final[j.Spec.Outcome] {
			t.Errorf("%s %s: state %q, want %q", j.Spec.Service, j.Spec.JobID, j.State, final[j.Spec.Outcome])
		}
	}
	for _, s := range Services {
		if !seen[s] {
			t.Errorf("the scenario has no %s job", s)
		}
	}
}
