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

// Package testenv starts a real kube-apiserver and etcd (controller-runtime's
// envtest) with the CloudJob CRD installed, for the tests of every package that needs
// a control plane. The binaries are built from the Go module proxy by `make envtest`
// into bin/k8s/<version>; tests find them there or through KUBEBUILDER_ASSETS.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// KubernetesVersion is the version of the control plane `make envtest` builds. It
// must match K8S_VERSION in the Makefile.
const KubernetesVersion = "1.37.2"

// Env is a running control plane with a client for it.
type Env struct {
	Environment *envtest.Environment
	Config      *rest.Config
	Client      client.Client
	Scheme      *runtime.Scheme

	assets         string
	dir            string
	kubeconfigOnce sync.Once
	kubeconfig     string
	kubeconfigErr  error
}

// Scheme returns a scheme with the built-in types and the CloudJob API.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(jobsv1alpha1.AddToScheme(s))
	return s
}

// RepoRoot is the root of the operator's source tree (where go.mod is).
func RepoRoot() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// AssetsDir is where the control-plane binaries are: KUBEBUILDER_ASSETS when set,
// else bin/k8s/<version> in the source tree. It fails, naming `make envtest`, when
// a binary is missing: tests never skip for that.
func AssetsDir() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = filepath.Join(RepoRoot(), "bin", "k8s", KubernetesVersion)
	}
	for _, name := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("the test control plane is not built (%s is missing in %s): run 'make envtest' "+
				"(the first build takes several minutes), or 'make test', which builds it", name, dir)
		}
	}
	return dir, nil
}

// Options change where a control plane keeps its state.
type Options struct {
	// Dir, when set, holds etcd's data, the API server's certificates and the
	// kubeconfig, so that removing it removes every trace of the control plane.
	// Otherwise envtest uses temporary directories of its own.
	Dir string
	// Assets is the directory of the binaries; empty means AssetsDir().
	Assets string
}

// Start starts kube-apiserver and etcd with the CloudJob CRD from config/crd/bases.
// Stop it with Env.Stop.
func Start() (*Env, error) { return StartWith(Options{}) }

// StartWith is Start with options.
func StartWith(o Options) (*Env, error) {
	dir := o.Assets
	if dir == "" {
		var err error
		if dir, err = AssetsDir(); err != nil {
			return nil, err
		}
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: dir,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	// Explicit paths, so that neither KUBEBUILDER_ASSETS nor $PATH can swap in
	// other binaries than the ones checked.
	api := env.ControlPlane.GetAPIServer()
	api.Path = filepath.Join(dir, "kube-apiserver")
	env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(dir, "etcd")}
	env.ControlPlane.KubectlPath = filepath.Join(dir, "kubectl")
	if o.Dir != "" {
		api.CertDir = filepath.Join(o.Dir, "kube-apiserver")
		env.ControlPlane.Etcd.DataDir = filepath.Join(o.Dir, "etcd")
		for _, d := range []string{api.CertDir, env.ControlPlane.Etcd.DataDir} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return nil, err
			}
		}
	}
	cfg, err := env.Start()
	if err != nil {
		// A half-started control plane may hold a running etcd.
		return nil, errors.Join(fmt.Errorf("starting the test control plane from %s: %w", dir, err), env.Stop())
	}
	s := Scheme()
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, errors.Join(err, env.Stop())
	}
	return &Env{Environment: env, Config: cfg, Client: c, Scheme: s, assets: dir, dir: o.Dir}, nil
}

// Stop stops the control plane.
func (e *Env) Stop() error { return e.Environment.Stop() }

// Kubeconfig writes a kubeconfig for an administrator of the control plane (once)
// and returns its path: in Options.Dir, else in the API server's temporary
// directory.
func (e *Env) Kubeconfig() (string, error) {
	e.kubeconfigOnce.Do(func() {
		user, err := e.Environment.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
		if err != nil {
			e.kubeconfigErr = err
			return
		}
		data, err := user.KubeConfig()
		if err != nil {
			e.kubeconfigErr = err
			return
		}
		path := filepath.Join(e.Environment.ControlPlane.APIServer.CertDir, "admin.kubeconfig")
		if e.dir != "" {
			path = filepath.Join(e.dir, "kubeconfig")
		}
		e.kubeconfigErr = os.WriteFile(path, data, 0o600)
		e.kubeconfig = path
	})
	return e.kubeconfig, e.kubeconfigErr
}

// KubectlPath is the built kubectl.
func (e *Env) KubectlPath() string { return filepath.Join(e.assets, "kubectl") }

// Kubectl runs the built kubectl against the control plane and returns its
// standard output; its standard error is in the error when it fails.
func (e *Env) Kubectl(args ...string) (string, error) {
	kc, err := e.Kubeconfig()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(e.KubectlPath(), append([]string{"--kubeconfig", kc}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// ConditionsText is a CloudJob's conditions on one line, for test failures.
func ConditionsText(j *jobsv1alpha1.CloudJob) string {
	var parts []string
	for _, c := range j.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s/%s(%q)", c.Type, c.Status, c.Reason, c.Message))
	}
	return strings.Join(parts, " ")
}
