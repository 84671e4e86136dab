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

package signer

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	cred := Credentials{AccessKey: "MYACCESSKEY", SecretKey: "S3CR3T-KEY-VALUE", SecurityToken: "T0KEN-VALUE"}
	holder := struct {
		Name string
		Cred Credentials
		Ptr  *Credentials
	}{"x", cred, &cred}
	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outputs[verb] = fmt.Sprintf(verb, cred)
		outputs[verb+" pointer"] = fmt.Sprintf(verb, &cred)
		outputs[verb+" in struct"] = fmt.Sprintf(verb, holder)
	}
	outputs["String"] = cred.String()
	outputs["GoString"] = cred.GoString()
	js, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(js)
	for what, out := range outputs {
		for _, secret := range []string{cred.SecretKey, cred.SecurityToken} {
			if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
				t.Errorf("%s prints a secret: %s", what, out)
			}
		}
	}
	if !strings.Contains(outputs["%v"], "MYACCESSKEY") || !strings.Contains(outputs["%v"], "[redacted]") {
		t.Errorf("%%v = %s, want the access key and [redacted]", outputs["%v"])
	}
	if got := (Credentials{AccessKey: "AK"}).String(); !strings.Contains(got, `SecurityToken: ""`) {
		t.Errorf("empty token should show as empty: %s", got)
	}
}
