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

// Package podrun runs the container of a pod spec with runc the way a kubelet
// would, for tests that run the operator's real image under its Deployment's
// real security context without a node: the image's file system as the root,
// the container's user, read-only root, capabilities, no_new_privs and the
// RuntimeDefault seccomp profile (moby's, which containerd's matches), its
// command, arguments and environment (fieldRef and resourceFieldRef resolved),
// emptyDir volumes, and the service-account token, CA and namespace at
// /var/run/secrets/kubernetes.io/serviceaccount with KUBERNETES_SERVICE_HOST
// and _PORT, as in-cluster clients expect.
//
// What differs from a kubelet: the container shares the host's network
// namespace (as with hostNetwork: true), so the API server and the simulator on
// loopback are reachable without a CNI; probes are the caller's to run; and only
// the volume and env sources the operator's Deployment uses are supported.
package podrun

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"

	"github.com/cloudjob-operator/cloudjob-operator/test/image"
)

// ServiceAccountDir is where in-cluster clients read the token, CA and namespace.
const ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// defaultCapabilities are the capabilities containerd and CRI-O give a container
// before its securityContext adds or drops any.
var defaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// Pod says what to run.
type Pod struct {
	Name, Namespace string
	Spec            corev1.PodSpec
	// Image is the image of the pod's first container.
	Image v1.Image
	// APIServerHost and APIServerPort become KUBERNETES_SERVICE_HOST and _PORT.
	APIServerHost, APIServerPort string
	// Token and CA go to ServiceAccountDir, with the namespace.
	Token string
	CA    []byte
	// Runc is the runc binary.
	Runc string
	// Dir holds the bundle, the volumes and runc's state.
	Dir string
	// Output receives the container's standard output and error.
	Output io.Writer
}

// Container is a running container.
type Container struct {
	ID     string
	pod    Pod
	cmd    *exec.Cmd
	done   chan struct{}
	err    error
	Config *specs.Spec
}

// Start prepares the bundle and starts the container.
func Start(p Pod) (*Container, error) {
	if len(p.Spec.Containers) == 0 {
		return nil, errors.New("the pod has no container")
	}
	bundle := filepath.Join(p.Dir, "bundle")
	rootfs := filepath.Join(bundle, "rootfs")
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		return nil, err
	}
	if err := image.Unpack(p.Image, rootfs); err != nil {
		return nil, fmt.Errorf("unpacking the image: %w", err)
	}
	cfg, err := p.runtimeSpec(rootfs)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(cfg, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o600); err != nil {
		return nil, err
	}
	c := &Container{ID: p.Name, pod: p, done: make(chan struct{}), Config: cfg}
	c.cmd = exec.Command(p.Runc, "--root", c.stateDir(), "run", "--bundle", bundle, c.ID)
	c.cmd.Stdout, c.cmd.Stderr = p.Output, p.Output
	// runc stays in the foreground; its own process group, so a test's
	// interrupt reaches the container only through Signal.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting runc: %w", err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *Container) stateDir() string { return filepath.Join(c.pod.Dir, "runc-state") }

// State is runc's view of the container.
type State struct {
	Status string `json:"status"`
	Pid    int    `json:"pid"`
}

// State asks runc about the container.
func (c *Container) State() (State, error) {
	out, err := exec.Command(c.pod.Runc, "--root", c.stateDir(), "state", c.ID).Output()
	if err != nil {
		return State{}, fmt.Errorf("runc state: %w", err)
	}
	var s State
	return s, json.Unmarshal(out, &s)
}

// Signal sends a signal to the container's process, as the kubelet's stop does.
func (c *Container) Signal(sig string) error {
	out, err := exec.Command(c.pod.Runc, "--root", c.stateDir(), "kill", c.ID, sig).CombinedOutput()
	if err != nil {
		return fmt.Errorf("runc kill %s: %w: %s", sig, err, out)
	}
	return nil
}

// Wait waits up to timeout for the container to exit; false if it still runs.
func (c *Container) Wait(timeout time.Duration) (exited bool, err error) {
	select {
	case <-c.done:
		return true, c.err
	case <-time.After(timeout):
		return false, nil
	}
}

// Exited reports whether the container has stopped.
func (c *Container) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Remove kills the container if it still runs and deletes it.
func (c *Container) Remove() error {
	if !c.Exited() {
		_ = c.Signal("KILL")
		_, _ = c.Wait(10 * time.Second)
	}
	out, err := exec.Command(c.pod.Runc, "--root", c.stateDir(), "delete", "--force", c.ID).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "does not exist") {
		return fmt.Errorf("runc delete: %w: %s", err, out)
	}
	return nil
}

// runtimeSpec translates the pod's first container into an OCI runtime spec.
func (p Pod) runtimeSpec(rootfs string) (*specs.Spec, error) {
	ctr := p.Spec.Containers[0]
	imgCfg, err := p.Image.ConfigFile()
	if err != nil {
		return nil, err
	}
	sc := effectiveSecurityContext(p.Spec.SecurityContext, ctr.SecurityContext)

	user, err := p.user(imgCfg.Config.User, sc)
	if err != nil {
		return nil, err
	}
	env, err := p.env(ctr, imgCfg.Config.Env)
	if err != nil {
		return nil, err
	}
	args := ctr.Command
	if len(args) == 0 {
		args = imgCfg.Config.Entrypoint
	}
	args = append(append([]string{}, args...), ctr.Args...)
	caps := capabilities(sc)

	s := &specs.Spec{
		Version:  specs.Version,
		Hostname: p.Name,
		Root:     &specs.Root{Path: rootfs, Readonly: sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem},
		Process: &specs.Process{
			User: user, Args: args, Env: env, Cwd: "/",
			NoNewPrivileges: sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation,
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
		},
		Mounts: defaultMounts(),
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace}},
			MaskedPaths: []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
			Resources:     resources(ctr.Resources),
			CgroupsPath:   "/podrun/" + p.Name,
		},
	}
	mounts, err := p.volumeMounts(ctr)
	if err != nil {
		return nil, err
	}
	s.Mounts = append(s.Mounts, mounts...)
	if err := seccompProfile(s, sc); err != nil {
		return nil, err
	}
	return s, nil
}

// effectiveSecurityContext is the container's securityContext over the pod's,
// for the fields both have.
func effectiveSecurityContext(pod *corev1.PodSecurityContext, ctr *corev1.SecurityContext) corev1.SecurityContext {
	var sc corev1.SecurityContext
	if ctr != nil {
		sc = *ctr.DeepCopy()
	}
	if pod == nil {
		return sc
	}
	if sc.RunAsUser == nil {
		sc.RunAsUser = pod.RunAsUser
	}
	if sc.RunAsGroup == nil {
		sc.RunAsGroup = pod.RunAsGroup
	}
	if sc.RunAsNonRoot == nil {
		sc.RunAsNonRoot = pod.RunAsNonRoot
	}
	if sc.SeccompProfile == nil {
		sc.SeccompProfile = pod.SeccompProfile
	}
	return sc
}

// user is the process's user: the securityContext's, else the image's. Like the
// kubelet it refuses to run a runAsNonRoot container as root.
func (p Pod) user(imageUser string, sc corev1.SecurityContext) (specs.User, error) {
	var u specs.User
	if imageUser != "" {
		uid, gid, _ := strings.Cut(imageUser, ":")
		n, err := strconv.ParseUint(uid, 10, 32)
		if err != nil {
			return u, fmt.Errorf("image user %q is not numeric, which runAsNonRoot cannot check", imageUser)
		}
		u.UID = uint32(n)
		if gid != "" {
			if n, err := strconv.ParseUint(gid, 10, 32); err == nil {
				u.GID = uint32(n)
			}
		}
	}
	if sc.RunAsUser != nil {
		u.UID = uint32(*sc.RunAsUser) //nolint:gosec // a Kubernetes user id fits
	}
	if sc.RunAsGroup != nil {
		u.GID = uint32(*sc.RunAsGroup) //nolint:gosec // a Kubernetes group id fits
	}
	if sc.RunAsNonRoot != nil && *sc.RunAsNonRoot && u.UID == 0 {
		return u, errors.New("container has runAsNonRoot and its image will run as root")
	}
	return u, nil
}

// env is the container's environment: the image's, the Kubernetes service
// variables, then the container's own with fieldRef and resourceFieldRef resolved.
func (p Pod) env(ctr corev1.Container, imageEnv []string) ([]string, error) {
	env := append([]string{}, imageEnv...)
	env = append(env, "HOSTNAME="+p.Name,
		"KUBERNETES_SERVICE_HOST="+p.APIServerHost, "KUBERNETES_SERVICE_PORT="+p.APIServerPort,
		"KUBERNETES_SERVICE_PORT_HTTPS="+p.APIServerPort)
	for _, e := range ctr.Env {
		v := e.Value
		switch src := e.ValueFrom; {
		case src == nil:
		case src.FieldRef != nil:
			switch src.FieldRef.FieldPath {
			case "metadata.namespace":
				v = p.Namespace
			case "metadata.name":
				v = p.Name
			default:
				return nil, fmt.Errorf("env %s: fieldRef %s is not supported here", e.Name, src.FieldRef.FieldPath)
			}
		case src.ResourceFieldRef != nil:
			q, ok := ctr.Resources.Limits[corev1.ResourceName(strings.TrimPrefix(src.ResourceFieldRef.Resource, "limits."))]
			if !ok || !strings.HasPrefix(src.ResourceFieldRef.Resource, "limits.") {
				return nil, fmt.Errorf("env %s: resourceFieldRef %s is not supported here", e.Name, src.ResourceFieldRef.Resource)
			}
			v = strconv.FormatInt(q.Value(), 10)
		default:
			return nil, fmt.Errorf("env %s: only value, fieldRef and resourceFieldRef are supported here", e.Name)
		}
		env = append(env, e.Name+"="+v)
	}
	return env, nil
}

// capabilities are the runtime's defaults with the securityContext's drops and adds.
func capabilities(sc corev1.SecurityContext) []string {
	caps := append([]string{}, defaultCapabilities...)
	if sc.Capabilities == nil {
		return caps
	}
	for _, d := range sc.Capabilities.Drop {
		if d == "ALL" {
			caps = nil
			break
		}
		caps = slices.DeleteFunc(caps, func(c string) bool { return c == "CAP_"+string(d) })
	}
	for _, a := range sc.Capabilities.Add {
		if c := "CAP_" + string(a); !slices.Contains(caps, c) {
			caps = append(caps, c)
		}
	}
	return caps
}

// seccompProfile sets the container's seccomp profile: RuntimeDefault is moby's
// default profile, which containerd's and CRI-O's match, narrowed to the
// process's capabilities.
func seccompProfile(s *specs.Spec, sc corev1.SecurityContext) error {
	if sc.SeccompProfile == nil || sc.SeccompProfile.Type == corev1.SeccompProfileTypeUnconfined {
		return nil
	}
	if sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		return fmt.Errorf("seccomp profile %s is not supported here", sc.SeccompProfile.Type)
	}
	profile, err := seccomp.GetDefaultProfile(s)
	if err != nil {
		return fmt.Errorf("the RuntimeDefault seccomp profile: %w", err)
	}
	s.Linux.Seccomp = profile
	return nil
}

// resources are the container's limits as cgroup limits.
func resources(r corev1.ResourceRequirements) *specs.LinuxResources {
	res := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}
	if q, ok := r.Limits[corev1.ResourceMemory]; ok {
		limit := q.Value()
		res.Memory = &specs.LinuxMemory{Limit: &limit}
	}
	if q, ok := r.Limits[corev1.ResourceCPU]; ok {
		period := uint64(100000)
		quota := q.MilliValue() * 100
		res.CPU = &specs.LinuxCPU{Period: &period, Quota: &quota}
	}
	return res
}

// volumeMounts mounts the container's volumes: emptyDir as a directory every
// user may write (as the kubelet makes it), and the service-account token.
func (p Pod) volumeMounts(ctr corev1.Container) ([]specs.Mount, error) {
	sa := filepath.Join(p.Dir, "volumes", "serviceaccount")
	if err := os.MkdirAll(sa, 0o755); err != nil {
		return nil, err
	}
	for name, data := range map[string][]byte{"token": []byte(p.Token), "ca.crt": p.CA, "namespace": []byte(p.Namespace)} {
		// Readable by the container's user, as the kubelet's projected volume
		// makes it for a pod without fsGroup.
		if err := os.WriteFile(filepath.Join(sa, name), data, 0o644); err != nil { //nolint:gosec // see above
			return nil, err
		}
	}
	mounts := []specs.Mount{{Destination: ServiceAccountDir, Type: "bind", Source: sa, Options: []string{"rbind", "ro"}}}
	volumes := map[string]corev1.Volume{}
	for _, v := range p.Spec.Volumes {
		volumes[v.Name] = v
	}
	for _, m := range ctr.VolumeMounts {
		v, ok := volumes[m.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %s names no volume", m.Name)
		}
		if v.EmptyDir == nil {
			return nil, fmt.Errorf("volume %s: only emptyDir volumes are supported here", v.Name)
		}
		dir := filepath.Join(p.Dir, "volumes", v.Name)
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, 0o777); err != nil { //nolint:gosec // an emptyDir is writable by every user
			return nil, err
		}
		opts := []string{"rbind", "rw"}
		if m.ReadOnly {
			opts[1] = "ro"
		}
		mounts = append(mounts, specs.Mount{Destination: m.MountPath, Type: "bind", Source: dir, Options: opts})
	}
	return mounts, nil
}

// defaultMounts are runc's default mounts, with /etc/resolv.conf and
// /etc/hosts from the host, as the kubelet mounts its own.
func defaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/etc/resolv.conf", Type: "bind", Source: "/etc/resolv.conf", Options: []string{"rbind", "ro"}},
		{Destination: "/etc/hosts", Type: "bind", Source: "/etc/hosts", Options: []string{"rbind", "ro"}},
	}
}

// Restricted checks how the kernel confines process pid against the
// restricted Pod Security Standard: every uid is uid, no effective, permitted or
// bounding capability, no_new_privs, seccomp filtering, and a read-only root
// file system. It returns a one-line summary and each difference.
func Restricted(pid int, uid int64) (summary string, problems []string, err error) {
	status, err := ProcStatus(pid)
	if err != nil {
		return "", nil, err
	}
	root, err := RootMountOptions(pid)
	if err != nil {
		return "", nil, err
	}
	u := strconv.FormatInt(uid, 10)
	for _, want := range [][2]string{
		{"Uid", u + "\t" + u + "\t" + u + "\t" + u}, {"CapEff", "0000000000000000"}, {"CapPrm", "0000000000000000"},
		{"CapBnd", "0000000000000000"}, {"NoNewPrivs", "1"}, {"Seccomp", "2"},
	} {
		if got := status[want[0]]; got != want[1] {
			problems = append(problems, fmt.Sprintf("%s is %q, want %q", want[0], got, want[1]))
		}
	}
	if !strings.HasPrefix(root, "ro") {
		problems = append(problems, fmt.Sprintf("the root file system is mounted %q, want read-only", root))
	}
	summary = fmt.Sprintf("process %d: Uid %s, CapEff %s, NoNewPrivs %s, Seccomp %s, root %s",
		pid, status["Uid"], status["CapEff"], status["NoNewPrivs"], status["Seccomp"], root)
	return summary, problems, nil
}

// ProcStatus reads the fields of /proc/<pid>/status that show how the process
// is confined: Uid, Gid, CapEff, CapBnd, NoNewPrivs, Seccomp.
func ProcStatus(pid int) (map[string]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, line := range bytes.Split(data, []byte("\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok {
			out[string(k)] = strings.TrimSpace(string(v))
		}
	}
	return out, nil
}

// RootMountOptions returns the mount options of the process's root file system.
func RootMountOptions(pid int) (string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 5 && fields[4] == "/" {
			return fields[5], nil
		}
	}
	return "", errors.New("no root mount in mountinfo")
}
