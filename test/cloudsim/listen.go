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
	"net"
	"net/http"
	"time"
)

// Instance is a Server serving its API and admin handlers on two loopback
// listeners, for tests and tools that need a simulator in-process.
type Instance struct {
	*Server
	// APIURL and AdminURL are http://127.0.0.1:PORT, without a trailing slash.
	APIURL   string
	AdminURL string

	api, admin *http.Server
}

// Start creates a Server from cfg and serves it on ports the kernel picks
// on 127.0.0.1. Close it when done.
func Start(cfg Config) (*Instance, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	adminLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = apiLn.Close() // err is the one worth returning
		return nil, err
	}
	in := &Instance{
		Server:   s,
		APIURL:   "http://" + apiLn.Addr().String(),
		AdminURL: "http://" + adminLn.Addr().String(),
		api:      &http.Server{Handler: s.APIHandler(), ReadHeaderTimeout: 10 * time.Second},
		admin:    &http.Server{Handler: s.AdminHandler(), ReadHeaderTimeout: 10 * time.Second},
	}
	// Serve returns http.ErrServerClosed once Close is called; nothing
	// waits for it.
	go func() { _ = in.api.Serve(apiLn) }()
	go func() { _ = in.admin.Serve(adminLn) }()
	return in, nil
}

// Close releases held requests and closes both listeners and their
// connections.
func (in *Instance) Close() error {
	in.Server.Close()
	return errors.Join(in.api.Close(), in.admin.Close())
}
