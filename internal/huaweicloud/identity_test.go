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

package huaweicloud

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestNodeKeysUseASessionTokenWhenOffered: the metadata service is asked for
// a session token first; one that has none (404 on the PUT) is asked without.
func TestNodeKeysUseASessionTokenWhenOffered(t *testing.T) {
	const keys = `{"credential":{"access":"AK","secret":"SK-node-0123456789","securitytoken":"ST-node-0123456789","expires_at":"2026-12-03T12:00:00.000000Z"}}`
	for _, offers := range []bool{true, false} {
		var sent string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodPut && r.URL.Path == "/meta-data/latest/api/token" && offers:
				_, _ = w.Write([]byte("session-1\n"))
			case r.Method == http.MethodGet && r.URL.Path == "/openstack/latest/securitykey":
				sent = r.Header.Get("X-Metadata-Token")
				_, _ = w.Write([]byte(keys))
			default:
				http.NotFound(w, r)
			}
		}))
		got, err := newTestClient(Options{}).NodeKeys(context.Background(), srv.URL)
		srv.Close()
		if err != nil || got.AccessKey != "AK" || got.SecurityToken != "ST-node-0123456789" {
			t.Fatalf("offers a session token %v: %+v, %v", offers, got.Expires, err)
		}
		if want := map[bool]string{true: "session-1", false: ""}[offers]; sent != want {
			t.Errorf("offers a session token %v: sent X-Metadata-Token %q, want %q", offers, sent, want)
		}
	}
}
