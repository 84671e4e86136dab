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
	"errors"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// Scenario is a scripted run: access keys, jobs and faults, read from YAML
// or JSON. The package doc shows the format.
type Scenario struct {
	// Settings are defaults for the simulator binary; its flags win.
	Settings    ScenarioSettings `json:"settings,omitzero"`
	Credentials []Credential     `json:"credentials,omitempty"`
	Jobs        []JobSpec        `json:"jobs,omitempty"`
	Faults      []FaultRule      `json:"faults,omitempty"`
}

// ScenarioSettings are Config fields a scenario may suggest.
type ScenarioSettings struct {
	TimeScale         *float64 `json:"timeScale,omitempty"`
	RequestsPerMinute *int     `json:"requestsPerMinute,omitempty"`
	Seed              *uint64  `json:"seed,omitempty"`
}

// ApplyTo copies the settings the scenario sets into cfg.
func (st ScenarioSettings) ApplyTo(cfg *Config) {
	if st.TimeScale != nil {
		cfg.TimeScale = *st.TimeScale
	}
	if st.RequestsPerMinute != nil {
		cfg.RequestsPerMinute = *st.RequestsPerMinute
	}
	if st.Seed != nil {
		cfg.Seed = *st.Seed
	}
}

// LoadScenarioFile reads and checks a scenario file.
func LoadScenarioFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cloudsim: %w", err)
	}
	sc, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sc, nil
}

// ParseScenario reads a YAML or JSON scenario and checks it completely, so a
// mistake is reported with the job or fault it is in before anything runs.
// Unknown fields are errors: a misspelt duration must not silently become 0.
func ParseScenario(data []byte) (*Scenario, error) {
	var sc Scenario
	if err := yaml.UnmarshalStrict(data, &sc); err != nil {
		return nil, fmt.Errorf("cloudsim: scenario: %w", err)
	}
	if err := sc.validate(); err != nil {
		return nil, fmt.Errorf("cloudsim: scenario: %w", err)
	}
	return &sc, nil
}

func (sc *Scenario) validate() error {
	if ts := sc.Settings.TimeScale; ts != nil && !(*ts > 0) {
		return fmt.Errorf("settings.timeScale %v must be positive", *ts)
	}
	for i, c := range sc.Credentials {
		if c.AccessKey == "" || c.SecretKey == "" {
			return fmt.Errorf("credentials[%d]: accessKey and secretKey are required", i)
		}
	}
	seen := map[jobKey]int{}
	for i := range sc.Jobs {
		spec := &sc.Jobs[i]
		if err := spec.validate(true); err != nil {
			return fmt.Errorf("jobs[%d]%s: %w", i, describe(*spec), err)
		}
		k := jobKey{spec.ProjectID, spec.JobID}
		if prev, ok := seen[k]; ok {
			return fmt.Errorf("jobs[%d] (%s/%s): the same project and job id as jobs[%d]", i, spec.ProjectID, spec.JobID, prev)
		}
		seen[k] = i
	}
	for i := range sc.Faults {
		if err := sc.Faults[i].validate(); err != nil {
			return faultError(i, err)
		}
	}
	return nil
}

// Apply adds the scenario's credentials, jobs and faults to the server.
// Job clocks start now (plus each job's startOffset); fault windows too.
func (s *Server) Apply(sc *Scenario) ([]JobInfo, error) {
	if sc == nil {
		return nil, errors.New("cloudsim: nil scenario")
	}
	if err := sc.validate(); err != nil {
		return nil, fmt.Errorf("cloudsim: scenario: %w", err)
	}
	if err := s.AddCredentials(sc.Credentials...); err != nil {
		return nil, err
	}
	out, err := s.addJobs(sc.Jobs, true)
	if err != nil {
		return nil, err
	}
	if err := s.AddFaults(sc.Faults...); err != nil {
		return out, err
	}
	return out, nil
}
