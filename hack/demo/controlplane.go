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

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/cloudjob-operator/cloudjob-operator/internal/testenv"
)

// controlPlane is etcd and kube-apiserver with the CloudJob CRD installed, and
// an administrator's kubeconfig for the operator and for kubectl.
type controlPlane struct {
	env        *envtest.Environment
	config     *rest.Config
	kubeconfig string
	kubectl    string
}

// startControlPlane starts the control plane from the binaries in assets.
// Its state (etcd's data, the API server's certificates) and the kubeconfig
// go under dir, so that removing dir removes every trace of it. The caller
// stops it with cp.stop even when this fails: a half-started control plane
// may hold a running etcd.
func startControlPlane(cp *controlPlane, assets, dir string) error {
	certDir, dataDir := filepath.Join(dir, "kube-apiserver"), filepath.Join(dir, "etcd")
	for _, d := range []string{certDir, dataDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
	}
	cp.env = &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(testenv.RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	// Explicit paths, so that neither KUBEBUILDER_ASSETS nor $PATH can swap in
	// other binaries than the ones checked.
	api := cp.env.ControlPlane.GetAPIServer()
	api.Path = filepath.Join(assets, "kube-apiserver")
	api.CertDir = certDir
	cp.env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(assets, "etcd"), DataDir: dataDir}
	cp.kubectl = filepath.Join(assets, "kubectl")
	cp.env.ControlPlane.KubectlPath = cp.kubectl
	if _, err := cp.env.Start(); err != nil {
		return fmt.Errorf("starting the control plane from %s: %w", assets, err)
	}

	// A user of its own, rather than envtest's default one, gives a kubeconfig
	// that works with kubectl as it is.
	user, err := cp.env.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("adding the control plane's administrator: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return err
	}
	cp.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(cp.kubeconfig, data, 0o600); err != nil {
		return err
	}
	cp.config = user.Config()
	return nil
}

// stop stops kube-apiserver and etcd, if they were started.
func (cp *controlPlane) stop() error {
	if cp.env == nil {
		return nil
	}
	return cp.env.Stop()
}
