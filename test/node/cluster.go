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

// Package node runs a one-node Kubernetes cluster on this machine for the test
// that deploys the operator's image the way a cluster does: etcd and
// kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy (iptables)
// and a kubelet on Debian's containerd with the bridge CNI plugin. The
// Kubernetes binaries are built from the Go module proxy (make envtest node);
// containerd, runc, the CNI plugins and iptables are Debian packages (make
// container-runtime). It needs root, as a node does.
package node

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// Name is the node's name.
const Name = "node1"

// The cluster's networks: Services and the pods of the node's bridge.
const (
	ServiceCIDR    = "10.0.0.0/24"
	APIServiceIP   = "10.0.0.1"
	PodCIDR        = "10.244.0.0/24"
	bridgeName     = "cjnode0"
	containerdRoot = "k8s.io" // the CRI's containerd namespace
)

// Cluster is a running one-node cluster.
type Cluster struct {
	Dir    string
	NodeIP string
	// CA signs the API server's certificate and the clients'.
	CA      *CA
	Config  *rest.Config
	Client  client.Client
	binDir  string
	socket  string
	procs   []*harness.Process
	cleanup []func()
}

// Start starts the cluster in dir and waits until the node is Ready. log
// receives progress lines.
func Start(ctx context.Context, dir string, log func(format string, args ...any)) (c *Cluster, err error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("the test node needs root (kubelet, containerd and kube-proxy run as root, as on a node)")
	}
	bin, err := testenv.AssetsDir()
	if err != nil {
		return nil, err
	}
	for _, b := range []string{"kubelet", "kube-controller-manager", "kube-scheduler", "kube-proxy"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			return nil, fmt.Errorf("%s is not built: run 'make node' (or 'make test', which does)", b)
		}
	}
	for _, b := range []string{"containerd", "runc", "iptables", "/usr/lib/cni/bridge"} {
		if _, err := exec.LookPath(b); err != nil {
			return nil, fmt.Errorf("%s is missing: run 'make container-runtime' (Debian packages runc, containerd, containernetworking-plugins, iptables; needs root)", b)
		}
	}
	ip, err := nodeIP()
	if err != nil {
		return nil, err
	}
	c = &Cluster{Dir: dir, NodeIP: ip, binDir: bin, socket: filepath.Join(dir, "containerd", "containerd.sock")}
	// The kubelet writes pod logs to /var/log/pods and containerd network
	// namespaces to /run/netns; what appears there is this cluster's.
	for _, shared := range []string{"/var/log/pods", "/run/netns"} {
		before := map[string]bool{}
		if entries, err := os.ReadDir(shared); err == nil {
			for _, e := range entries {
				before[e.Name()] = true
			}
		}
		c.cleanup = append(c.cleanup, func() {
			entries, _ := os.ReadDir(shared)
			for _, e := range entries {
				if !before[e.Name()] {
					_ = exec.Command("umount", "-l", filepath.Join(shared, e.Name())).Run()
					_ = os.RemoveAll(filepath.Join(shared, e.Name()))
				}
			}
		})
	}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if c.CA, err = NewCA(); err != nil {
		return nil, err
	}
	if err := c.writePKI(); err != nil {
		return nil, err
	}
	log("node: starting etcd and kube-apiserver on %s", ip)
	apiPort, err := c.startControlPlane(ctx)
	if err != nil {
		return nil, err
	}
	c.Config = &rest.Config{Host: fmt.Sprintf("https://127.0.0.1:%d", apiPort),
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CA.CertPEM, CertData: c.pem("admin.crt"), KeyData: c.pem("admin.key")}}
	if c.Client, err = client.New(c.Config, client.Options{Scheme: testenv.Scheme()}); err != nil {
		return nil, err
	}
	if err := c.writeKubeconfig(); err != nil {
		return nil, err
	}
	log("node: starting kube-controller-manager, kube-scheduler and kube-proxy")
	if err := c.startControllers(); err != nil {
		return nil, err
	}
	log("node: starting containerd and the kubelet")
	if err := c.startContainerd(ctx); err != nil {
		return nil, err
	}
	if err := c.startKubelet(); err != nil {
		return nil, err
	}
	if err := c.waitNodeReady(ctx, 2*time.Minute); err != nil {
		return nil, err
	}
	log("node: %s is Ready", Name)
	return c, nil
}

// nodeIP is the address of the interface of the default route: what the
// kubelet reports and what pods reach the host by.
func nodeIP() (string, error) {
	conn, err := net.Dial("udp", "192.0.2.254:9") // no packet is sent
	if err == nil {
		defer func() { _ = conn.Close() }()
		if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && !a.IP.IsLoopback() {
			return a.IP.String(), nil
		}
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !strings.HasPrefix(n.IP.String(), "10.244.") {
			return n.IP.String(), nil
		}
	}
	return "", errors.New("no non-loopback IPv4 address for the node")
}

func (c *Cluster) path(parts ...string) string {
	return filepath.Join(append([]string{c.Dir}, parts...)...)
}

func (c *Cluster) pem(name string) []byte {
	b, _ := os.ReadFile(c.path("pki", name))
	return b
}

// CA is a certificate authority for the cluster and the test's servers.
type CA struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM []byte
}

// NewCA makes a certificate authority.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cloudjob test node CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Issue makes a certificate and key (PEM) for a server's names and IPs, or a
// client (CommonName user, Organization groups).
func (ca *CA) Issue(cn string, orgs, dnsNames []string, ips []net.IP, server bool) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, nil, err
	}
	usage := x509.ExtKeyUsageClientAuth
	if server {
		usage = x509.ExtKeyUsageServerAuth
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, DNSNames: dnsNames, IPAddresses: ips}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// writePKI writes the CA, the API server's serving certificate (valid for the
// kubernetes Service's IP and names, which in-cluster clients use), the
// administrator's client certificate and the service-account signing key.
func (c *Cluster) writePKI() error {
	dir := c.path("pki")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	files := map[string][]byte{"ca.crt": c.CA.CertPEM}
	var err error
	files["apiserver.crt"], files["apiserver.key"], err = c.CA.Issue("kube-apiserver", nil,
		[]string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost"},
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(c.NodeIP), net.ParseIP(APIServiceIP)}, true)
	if err != nil {
		return err
	}
	files["admin.crt"], files["admin.key"], err = c.CA.Issue("admin", []string{"system:masters"}, nil, nil, false)
	if err != nil {
		return err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	files["sa.key"] = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)})
	files["sa.pub"] = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) writeKubeconfig() error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["node"] = &clientcmdapi.Cluster{Server: c.Config.Host, CertificateAuthorityData: c.CA.CertPEM}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: c.pem("admin.crt"), ClientKeyData: c.pem("admin.key")}
	cfg.Contexts["node"] = &clientcmdapi.Context{Cluster: "node", AuthInfo: "admin"}
	cfg.CurrentContext = "node"
	return clientcmd.WriteToFile(*cfg, c.Kubeconfig())
}

// Kubeconfig is an administrator's kubeconfig, which the node's components use too.
func (c *Cluster) Kubeconfig() string { return c.path("admin.kubeconfig") }

func (c *Cluster) start(name string, args ...string) error {
	path := name
	if !filepath.IsAbs(path) {
		if p := filepath.Join(c.binDir, name); fileExists(p) {
			path = p
		}
	}
	p, err := harness.StartProcess(harness.ProcessOptions{
		Name: name, Path: path, Args: args, Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + c.Dir},
		LogPath: c.path("logs", name+".log"), StopGrace: 10 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	c.procs = append(c.procs, p)
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (c *Cluster) startControlPlane(ctx context.Context) (int, error) {
	if err := os.MkdirAll(c.path("logs"), 0o755); err != nil {
		return 0, err
	}
	etcdClient, err := harness.FreePort()
	if err != nil {
		return 0, err
	}
	etcdPeer, err := harness.FreePort()
	if err != nil {
		return 0, err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClient)
	if err := c.start("etcd", "--data-dir", c.path("etcd"), "--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", etcdPeer), "--unsafe-no-fsync"); err != nil {
		return 0, err
	}
	port, err := harness.FreePort()
	if err != nil {
		return 0, err
	}
	pki := c.path("pki")
	if err := c.start("kube-apiserver",
		"--etcd-servers="+etcdURL, "--bind-address=0.0.0.0", fmt.Sprintf("--secure-port=%d", port),
		"--advertise-address="+c.NodeIP, "--cert-dir="+c.path("apiserver"),
		"--tls-cert-file="+filepath.Join(pki, "apiserver.crt"), "--tls-private-key-file="+filepath.Join(pki, "apiserver.key"),
		"--client-ca-file="+filepath.Join(pki, "ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc", "--service-account-key-file="+filepath.Join(pki, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(pki, "sa.key"),
		"--service-cluster-ip-range="+ServiceCIDR, "--authorization-mode=Node,RBAC", "--allow-privileged=true",
		"--kubelet-client-certificate="+filepath.Join(pki, "admin.crt"), "--kubelet-client-key="+filepath.Join(pki, "admin.key"),
		"--kubelet-preferred-address-types=InternalIP"); err != nil {
		return 0, err
	}
	hc, err := rest.HTTPClientFor(&rest.Config{Host: fmt.Sprintf("https://127.0.0.1:%d", port),
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CA.CertPEM, CertData: c.pem("admin.crt"), KeyData: c.pem("admin.key")}})
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := hc.Get(fmt.Sprintf("https://127.0.0.1:%d/readyz", port))
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				return port, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return 0, fmt.Errorf("kube-apiserver not ready in a minute:\n%s", c.procs[len(c.procs)-1].LogTail(20))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func (c *Cluster) startControllers() error {
	pki := c.path("pki")
	kc := c.Kubeconfig()
	if err := c.start("kube-controller-manager", "--kubeconfig="+kc, "--leader-elect=false", "--secure-port=0",
		"--root-ca-file="+filepath.Join(pki, "ca.crt"), "--service-account-private-key-file="+filepath.Join(pki, "sa.key"),
		"--use-service-account-credentials=false", "--controllers=*"); err != nil {
		return err
	}
	if err := c.start("kube-scheduler", "--kubeconfig="+kc, "--leader-elect=false", "--secure-port=0"); err != nil {
		return err
	}
	healthz, err := harness.FreePort()
	if err != nil {
		return err
	}
	metrics, err := harness.FreePort()
	if err != nil {
		return err
	}
	err = c.start("kube-proxy", "--kubeconfig="+kc, "--proxy-mode=iptables", "--hostname-override="+Name,
		"--cluster-cidr="+PodCIDR, "--conntrack-max-per-core=0",
		fmt.Sprintf("--healthz-bind-address=127.0.0.1:%d", healthz), fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metrics))
	return err
}

// startContainerd runs Debian's containerd with its CRI plugin on a socket and
// state of the cluster's own, the test's pause image as the sandbox image, and
// a bridge network for the pods.
func (c *Cluster) startContainerd(ctx context.Context) error {
	dir := c.path("containerd")
	cni := c.path("cni")
	for _, d := range []string{dir, filepath.Join(cni, "net.d")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	def, err := exec.CommandContext(ctx, "containerd", "config", "default").Output()
	if err != nil {
		return fmt.Errorf("containerd config default: %w", err)
	}
	cfg := string(def)
	for old, repl := range map[string]string{
		`root = "/var/lib/containerd"`:                `root = "` + filepath.Join(dir, "root") + `"`,
		`state = "/run/containerd"`:                   `state = "` + filepath.Join(dir, "state") + `"`,
		`address = "/run/containerd/containerd.sock"`: `address = "` + c.socket + `"`,
		`sandbox_image = "registry.k8s.io/pause:3.6"`: `sandbox_image = "` + PauseImage + `"`,
		`bin_dir = "/opt/cni/bin"`:                    `bin_dir = "/usr/lib/cni"`,
		`conf_dir = "/etc/cni/net.d"`:                 `conf_dir = "` + filepath.Join(cni, "net.d") + `"`,
		// The machine refuses lowering a process's OOM score, which the
		// CRI asks for its sandboxes; restricted, it keeps containerd's.
		`restrict_oom_score_adj = false`: `restrict_oom_score_adj = true`,
	} {
		if !strings.Contains(cfg, old) {
			return fmt.Errorf("containerd's default configuration has no %q: another containerd version?", old)
		}
		cfg = strings.Replace(cfg, old, repl, 1)
	}
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	conflist := fmt.Sprintf(`{"cniVersion":"0.4.0","name":"cloudjob-node","plugins":[`+
		`{"type":"bridge","bridge":%q,"isGateway":true,"ipMasq":true,"hairpinMode":true,`+
		`"ipam":{"type":"host-local","dataDir":%q,"ranges":[[{"subnet":%q}]],"routes":[{"dst":"0.0.0.0/0"}]}},`+
		`{"type":"portmap","capabilities":{"portMappings":true}}]}`, bridgeName, filepath.Join(cni, "ipam"), PodCIDR)
	if err := os.WriteFile(filepath.Join(cni, "net.d", "10-bridge.conflist"), []byte(conflist), 0o644); err != nil { //nolint:gosec // a CNI config is not secret
		return err
	}
	if err := c.start("containerd", "--config", cfgPath); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := exec.CommandContext(ctx, "ctr", "--address", c.socket, "version").Run(); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("containerd did not answer in 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// PauseImage is the sandbox image, built by the test (ImportImage).
const PauseImage = "cloudjob.test/pause:1"

// ImportImage imports an image tarball (docker save format) into the CRI's
// image store, as a pull would.
func (c *Cluster) ImportImage(ctx context.Context, tarball string) error {
	out, err := exec.CommandContext(ctx, "ctr", "--address", c.socket, "-n", containerdRoot, "images", "import", tarball).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ctr images import %s: %w: %s", tarball, err, out)
	}
	return nil
}

func (c *Cluster) startKubelet() error {
	dir := c.path("kubelet")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	port, err := harness.FreePort()
	if err != nil {
		return err
	}
	config := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The machine's cgroups are v1; the kubelet still runs on them when told to.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://%s
failSwapOn: false
address: %s
port: %d
healthzPort: 0
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: %s}
authorization: {mode: Webhook}
resolvConf: /etc/resolv.conf
clusterDomain: cluster.local
enforceNodeAllocatable: []
evictionHard: {memory.available: "1Mi", nodefs.available: "1%%", imagefs.available: "1%%", nodefs.inodesFree: "1%%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
`, c.socket, c.NodeIP, port, c.path("pki", "ca.crt"))
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		return err
	}
	err = c.start("kubelet", "--kubeconfig="+c.Kubeconfig(), "--config="+cfgPath, "--root-dir="+dir,
		"--hostname-override="+Name, "--node-ip="+c.NodeIP, "--cert-dir="+filepath.Join(dir, "pki"))
	return err
}

func (c *Cluster) waitNodeReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var n corev1.Node
		if err := c.Client.Get(ctx, client.ObjectKey{Name: Name}, &n); err == nil {
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					return nil
				}
			}
		}
		if err := c.Failed(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s not Ready in %s; kubelet log:\n%s", Name, timeout, c.Log("kubelet", 30))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Failed says which of the cluster's processes exited, with its log's end.
func (c *Cluster) Failed() error {
	for _, p := range c.procs {
		if p.ExitedUnexpectedly() {
			return fmt.Errorf("%s exited:\n%s", p.Name, p.LogTail(15))
		}
	}
	return nil
}

// Log returns the last lines of a component's log.
func (c *Cluster) Log(name string, lines int) string {
	for _, p := range c.procs {
		if p.Name == name {
			return p.LogTail(lines)
		}
	}
	return ""
}

// ContainerPID is the host PID of a running container (pod status
// containerID containerd://ID).
func (c *Cluster) ContainerPID(ctx context.Context, containerID string) (int, error) {
	id := strings.TrimPrefix(containerID, "containerd://")
	out, err := exec.CommandContext(ctx, "ctr", "--address", c.socket, "-n", containerdRoot, "tasks", "ls").Output()
	if err != nil {
		return 0, fmt.Errorf("ctr tasks ls: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == id {
			var pid int
			_, err := fmt.Sscan(f[1], &pid)
			return pid, err
		}
	}
	return 0, fmt.Errorf("no task %s in containerd", id)
}

// PodLog reads a container's log as the kubelet wrote it.
func (c *Cluster) PodLog(pod *corev1.Pod, container string) (string, error) {
	dir := filepath.Join("/var/log/pods", fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID), container)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return "", err
		}
		b.Write(data)
	}
	return b.String(), nil
}

// Stop deletes every pod, stops the node's processes and removes what they
// left on the machine: iptables rules, the bridge, mounts.
func (c *Cluster) Stop() {
	if c.Client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		var nss corev1.NamespaceList
		if err := c.Client.List(ctx, &nss); err == nil {
			for _, ns := range nss.Items {
				_ = c.Client.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns.Name), client.GracePeriodSeconds(5))
			}
			for ctx.Err() == nil {
				var pods corev1.PodList
				if err := c.Client.List(ctx, &pods); err != nil || len(pods.Items) == 0 {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
		}
		cancel()
	}
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].Stop()
	}
	if c.NodeIP == "" {
		return
	}
	// Shims outlive containerd by design; these are this cluster's.
	_ = exec.Command("pkill", "-f", "containerd-shim-runc-v2 -namespace "+containerdRoot+" .*-address "+c.socket).Run()
	if p := filepath.Join(c.binDir, "kube-proxy"); fileExists(p) {
		_ = exec.Command(p, "--cleanup").Run()
	}
	// kube-proxy --cleanup leaves the kubelet's own chains.
	for _, ipt := range []string{"iptables", "ip6tables"} {
		for _, args := range [][]string{
			{"-t", "filter", "-D", "INPUT", "-j", "KUBE-FIREWALL"}, {"-t", "filter", "-D", "OUTPUT", "-j", "KUBE-FIREWALL"},
			{"-t", "filter", "-F", "KUBE-FIREWALL"}, {"-t", "filter", "-X", "KUBE-FIREWALL"},
			{"-t", "mangle", "-X", "KUBE-IPTABLES-HINT"}, {"-t", "mangle", "-X", "KUBE-KUBELET-CANARY"},
			{"-t", "nat", "-X", "KUBE-KUBELET-CANARY"}, {"-t", "filter", "-X", "KUBE-KUBELET-CANARY"},
		} {
			_ = exec.Command(ipt, args...).Run()
		}
	}
	_ = exec.Command("ip", "link", "delete", bridgeName).Run()
	if mounts, err := os.ReadFile("/proc/self/mounts"); err == nil {
		lines := strings.Split(string(mounts), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if f := strings.Fields(lines[i]); len(f) > 1 && strings.HasPrefix(f[1], c.Dir) {
				_ = exec.Command("umount", "-l", f[1]).Run()
			}
		}
	}
	for _, f := range c.cleanup {
		f()
	}
}

// CreateNamespace creates a namespace.
func (c *Cluster) CreateNamespace(ctx context.Context, name string) error {
	return c.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
}
