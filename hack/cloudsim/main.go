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

// Command cloudsim serves the cloud simulator of test/cloudsim: the
// Huawei-compatible job APIs on one listener and the admin API on another.
//
// On start it prints one line per listener to stdout, in the form
//
//	cloudsim: api listening on http://127.0.0.1:8480
//	cloudsim: admin listening on http://127.0.0.1:8481
//
// so tools can start it with port 0 and read the ports back. Logs go to
// stderr. SIGINT or SIGTERM shut it down cleanly.
package main

import (
	"os"

	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
)

func main() { os.Exit(cloudsim.Main(os.Args[1:])) }
