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

// Command helmchart lints the operator's Helm chart and packages it into a .tgz
// that `helm install` and `helm push` take: make helm-chart.
package main

import (
	"flag"
	"fmt"
	"os"

	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"

	"github.com/cloudjob-operator/cloudjob-operator/test/chart"
)

func main() {
	out := flag.String("o", "dist", "Directory to write the packaged chart to.")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "helmchart:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	msgs, err := chart.Lint("cloudjob-operator-system", nil, support.InfoSev)
	if err != nil {
		return err
	}
	failed := false
	for _, m := range msgs {
		fmt.Println(m)
		failed = failed || m.Severity >= support.WarningSev
	}
	if failed {
		return fmt.Errorf("the chart in %s does not lint cleanly", chart.Dir())
	}
	ch, err := chart.Load()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path, err := chartutil.Save(ch, out)
	if err != nil {
		return err
	}
	fmt.Printf("packaged %s %s (app %s) into %s\n", ch.Metadata.Name, ch.Metadata.Version, ch.Metadata.AppVersion, path)
	return nil
}
