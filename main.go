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

// Command manager runs the cloudjob-operator: it tracks CloudJobs by polling the
// cloud's job API and records what it finds in their status.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/controller"
	"github.com/cloudjob-operator/cloudjob-operator/internal/eventrecorder"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/identity"
	"github.com/cloudjob-operator/cloudjob-operator/internal/metrics"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
	"github.com/cloudjob-operator/cloudjob-operator/internal/version"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(jobsv1alpha1.AddToScheme(scheme))
}

// maxConcurrentReconciles bounds --max-concurrent-reconciles: more workers
// than this only queue on the quota and the API server.
const maxConcurrentReconciles = 1000

// leaderElectionBase names the Lease of an operator that owns every CloudJob.
const leaderElectionBase = "cloudjob-operator.jobs.cloudjob.io"

// leaderElectionID is the Lease a replica competes for: replicas of one shard
// share it, and shards never do, so every shard has a leader of its own.
func leaderElectionID(opts options) (string, error) {
	if opts.leaderElectionID != "" {
		return opts.leaderElectionID, nil
	}
	if opts.shardSelector == "" {
		return leaderElectionBase, nil
	}
	sel, err := labels.Parse(opts.shardSelector)
	if err != nil {
		return "", fmt.Errorf("--shard-selector %q: %w", opts.shardSelector, err)
	}
	// The parsed selector's own spelling, so that "a=b, c=d" and "c=d,a=b" share a Lease.
	sum := sha256.Sum256([]byte(sel.String()))
	return leaderElectionBase + "-" + hex.EncodeToString(sum[:5]), nil
}

// Leader-election defaults, client-go's usual ones.
const (
	defaultLeaseDuration = 15 * time.Second
	defaultRenewDeadline = 10 * time.Second
	defaultRetryPeriod   = 2 * time.Second
)

// options are the command-line flags. Each flag is bound straight to the field
// it sets, with its package's default constant.
type options struct {
	metricsAddr      string
	secureMetrics    bool
	metricsCertDir   string
	enableHTTP2      bool
	probeAddr        string
	pprofAddr        string
	leaderElect      bool
	leaderElectionNS string
	leaderElectionID string
	leaseDuration    time.Duration
	renewDeadline    time.Duration
	retryPeriod      time.Duration
	shutdownTimeout  time.Duration

	requestsPerMinute float64
	maxConcurrent     int
	requestTimeout    time.Duration
	cloudDomain       string
	allowedDomains    string
	caBundle          string
	watchNamespace    string
	shardSelector     string
	metadataEndpoint  string
	identityPerMinute float64
	externalIDKeyFile string
	// policy holds the poll intervals; its Learner is set at start.
	policy poll.Policy
	// controller holds the reconciler's settings; its Domains are set at start
	// from cloudDomain and allowedDomains.
	controller controller.Config
}

func main() {
	opts, zapOpts := bindFlags(flag.CommandLine)
	flag.Parse()

	ctrl.SetLogger(zap.New(zap.UseFlagOptions(zapOpts)))
	log := ctrl.Log.WithName("setup")
	log.Info("starting cloudjob-operator", "version", version.Version)

	if err := run(ctrl.SetupSignalHandler(), ctrl.GetConfigOrDie(), *opts); err != nil {
		log.Error(err, "the operator stopped with an error")
		os.Exit(1)
	}
}

// bindFlags defines the command-line flags on fs.
func bindFlags(fs *flag.FlagSet) (*options, *zap.Options) {
	opts := &options{}
	def := controller.DefaultConfig()
	fs.StringVar(&opts.metricsAddr, "metrics-bind-address", ":8443",
		"Address the metrics endpoint binds to, for example :8443 (HTTPS) or :8080 (with --metrics-secure=false). 0 disables it.")
	fs.BoolVar(&opts.secureMetrics, "metrics-secure", true,
		"Serve metrics over HTTPS, allowing only authenticated and authorized clients (TokenReview and SubjectAccessReview).")
	fs.StringVar(&opts.metricsCertDir, "metrics-cert-dir", "",
		"Directory with tls.crt and tls.key (a mounted kubernetes.io/tls Secret, e.g. from cert-manager) for the HTTPS metrics endpoint; reloaded when they change. Empty serves a self-signed certificate.")
	fs.BoolVar(&opts.enableHTTP2, "enable-http2", false,
		"Serve metrics over HTTP/2. Off by default against the HTTP/2 Stream Cancellation and Rapid Reset CVEs.")
	fs.StringVar(&opts.probeAddr, "health-probe-bind-address", ":8081", "Address the liveness (/healthz) and readiness (/readyz) probes bind to.")
	fs.StringVar(&opts.pprofAddr, "pprof-bind-address", "",
		"Address a net/http/pprof endpoint binds to, for example 127.0.0.1:6060, to profile a slow operator. Empty (the default) or 0 disables it. It has no authentication: bind it to loopback.")
	fs.BoolVar(&opts.leaderElect, "leader-elect", false,
		"Elect a leader through a Lease, so that only one of several replicas reconciles at a time.")
	fs.StringVar(&opts.leaderElectionNS, "leader-election-namespace", "",
		"Namespace of the leader-election Lease. Defaults to the operator's own namespace in a cluster.")
	fs.StringVar(&opts.leaderElectionID, "leader-election-id", "",
		"Name of the leader-election Lease. Empty derives it: "+leaderElectionBase+", and with --shard-selector that name and a digest of the selector, so that each shard elects its own leader.")
	fs.DurationVar(&opts.leaseDuration, "leader-elect-lease-duration", defaultLeaseDuration,
		"How long a standby replica waits after the leader's last renewal before it takes over the Lease.")
	fs.DurationVar(&opts.renewDeadline, "leader-elect-renew-deadline", defaultRenewDeadline,
		"How long the leader keeps retrying to renew the Lease before it gives up leadership; less than the lease duration.")
	fs.DurationVar(&opts.retryPeriod, "leader-elect-retry-period", defaultRetryPeriod,
		"Time between two attempts to acquire or renew the Lease.")

	fs.DurationVar(&opts.shutdownTimeout, "graceful-shutdown-timeout", controller.DefaultGracefulShutdownTimeout,
		"Longest time to stop gracefully (sending queued Events, releasing the Lease) after SIGTERM; keep it below the pod's terminationGracePeriodSeconds.")
	fs.Float64Var(&opts.requestsPerMinute, "cloud-requests-per-minute", poll.DefaultRequestsPerMinute,
		"Most job-status requests per minute to one endpoint with one access key (the account's API quota; BMS documents 2,000).")
	fs.IntVar(&opts.maxConcurrent, "max-concurrent-reconciles", controller.DefaultMaxConcurrentReconciles,
		"How many CloudJobs are reconciled at the same time.")
	fs.DurationVar(&opts.policy.MinInterval, "min-poll-interval", poll.DefaultMinInterval, "Least time between two polls of one job.")
	fs.DurationVar(&opts.policy.MaxInterval, "max-poll-interval", poll.DefaultMaxInterval,
		"Longest time between two polls of a running job, unless its spec.pollInterval says otherwise.")
	fs.DurationVar(&opts.policy.MaxIntervalBeforeWindow, "max-poll-interval-before-window", poll.DefaultMaxIntervalBeforeWindow,
		"Longest time between two polls of a running job while finished jobs of its kind say it is unlikely to be done yet (fewer than 3% of them were done at its age), and longest a quota backlog pushes a poll back (the quota's price, ten times this); at least --max-poll-interval, and spec.pollInterval still caps it.")
	fs.DurationVar(&opts.policy.AwaitingPaymentInterval, "awaiting-payment-poll-interval", poll.DefaultAwaitingPaymentInterval,
		"Time between two polls of a job waiting for payment (PENDING_PAYMENT).")
	fs.DurationVar(&opts.policy.DetectionLag, "poll-detection-lag", poll.DefaultDetectionLag,
		"Detection lag that is good enough: where finished jobs of the same kind say a job is finishing fast enough, it is polled every twice this. Lower notices short jobs sooner for more requests.")
	fs.DurationVar(&opts.requestTimeout, "cloud-request-timeout", huaweicloud.DefaultTimeout, "Timeout of one request to the cloud.")
	fs.StringVar(&opts.cloudDomain, "cloud-domain", huaweicloud.DefaultDomain,
		"API domain of the default endpoint https://{service}.{region}.{domain}, for CloudJobs that give spec.region only.")
	fs.StringVar(&opts.allowedDomains, "allowed-endpoint-domains", strings.Join(huaweicloud.KnownDomains(), ","),
		"Comma-separated domains whose hosts (and subdomains) the operator sends signed requests to; --cloud-domain is always allowed.")
	fs.BoolVar(&opts.controller.AllowLoopback, "allow-loopback-endpoints", false,
		"Also allow endpoints on loopback hosts (localhost, 127.0.0.0/8, ::1), plain http included. For tests and the simulator.")
	fs.StringVar(&opts.watchNamespace, "watch-namespace", "",
		"Only watch CloudJobs and Secrets in this namespace (the operator then needs a Role, not a ClusterRole, for Secrets). Empty watches all namespaces.")
	fs.StringVar(&opts.shardSelector, "shard-selector", "",
		"Label selector of the CloudJobs this replica owns, for example cloudjob.io/shard=a. Replicas with disjoint selectors share the jobs. Empty owns every CloudJob.")
	fs.StringVar(&opts.caBundle, "ca-bundle", "", "PEM file of extra certificate authorities to trust for the cloud's TLS, added to the system's.")
	fs.DurationVar(&opts.controller.JobNotFoundGrace, "job-not-found-grace", def.JobNotFoundGrace,
		"How long after a CloudJob's creation an unknown job id is retried before the CloudJob stalls with JobNotFound.")
	fs.DurationVar(&opts.controller.AuthRetryInterval, "auth-retry-interval", def.AuthRetryInterval,
		"Least time between two requests with credentials the cloud rejected (the access key locks after 5 failures).")
	fs.DurationVar(&opts.controller.StalledRetryInterval, "stalled-retry-interval", def.StalledRetryInterval,
		"How often a stalled job (not found, forbidden, invalid request) is looked at again.")
	fs.BoolVar(&opts.controller.SendProjectIDHeader, "send-project-id-header", def.SendProjectIDHeader,
		"Send X-Project-Id with every request (some multi-project accounts need it).")
	fs.StringVar(&opts.controller.ClusterCredentials, "cluster-credentials", "",
		"Name of the ClusterCloudCredentials that CloudJobs without credentials of their own use, when it lists their namespace. Empty: no cluster default.")
	fs.StringVar(&opts.controller.OperatorNamespace, "operator-namespace", os.Getenv("POD_NAMESPACE"),
		"Namespace of the Secrets that ClusterCloudCredentials name. Defaults to $POD_NAMESPACE.")
	fs.StringVar(&opts.controller.FederationTokenFile, "federation-token-file", "",
		"The operator's projected service-account token, for CloudCredentials with federation; re-read at every exchange, so the kubelet's rotations are seen. Empty disables federation.")
	fs.BoolVar(&opts.controller.AllowNodeMetadata, "allow-node-metadata-credentials", false,
		"Let CloudCredentials use the node's identity from the metadata service. Every pod on the node has that identity: leave off unless the node is the operator's alone.")
	fs.StringVar(&opts.controller.IAMEndpoint, "iam-endpoint", "",
		"IAM endpoint of credentials that name none, and the only one besides canonical IAM hosts (https://iam.{domain}, https://iam.{region}.{domain}) to which the operator sends its ID token for a namespace's federation. Empty: https://iam.{first allowed domain}.")
	fs.Func("namespace-agencies", "Comma-separated {domain id}/{agency name} glob patterns (path.Match) of the agencies a namespace's CloudCredentials may assume with the operator's identity, for example 0a1b*/cloudjob-*. Empty: any agency of another account that the cluster default does not use.",
		func(v string) error {
			for _, p := range strings.Split(v, ",") {
				if _, err := path.Match(p, ""); err != nil || !strings.Contains(p, "/") {
					return fmt.Errorf("%q is not a {domain id}/{agency name} glob pattern", p)
				}
				opts.controller.NamespaceAgencies = append(opts.controller.NamespaceAgencies, p)
			}
			return nil
		})
	fs.StringVar(&opts.externalIDKeyFile, "external-id-key-file", "",
		"File holding the key (16 bytes or more) the namespaces' external ids are derived from, for example a mounted Secret. Empty: the UID of the operator's namespace (--operator-namespace).")
	fs.StringVar(&opts.metadataEndpoint, "node-metadata-endpoint", "http://169.254.169.254",
		"The node's metadata service, for CloudCredentials with nodeMetadata.")
	fs.Float64Var(&opts.identityPerMinute, "identity-requests-per-minute", 60,
		"Most IAM, STS and metadata requests per minute for temporary keys, over all sources.")
	opts.controller.BackoffBase, opts.controller.BackoffMax = def.BackoffBase, def.BackoffMax
	opts.controller.TransientErrorsBeforeReport = def.TransientErrorsBeforeReport
	zapOpts := &zap.Options{}
	zapOpts.BindFlags(fs)
	return opts, zapOpts
}

// domains are the cloud domains the operator may call: --cloud-domain first
// (the default for spec.region), then --allowed-endpoint-domains.
func (opts options) domains() []string {
	domains := []string{opts.cloudDomain}
	for _, d := range strings.Split(opts.allowedDomains, ",") {
		if d = strings.TrimSpace(d); d != "" && d != opts.cloudDomain {
			domains = append(domains, d)
		}
	}
	return domains
}

// validate checks flag values that flag parsing cannot.
func validate(opts options) error {
	if opts.requestsPerMinute <= 0 {
		return fmt.Errorf("--cloud-requests-per-minute must be more than 0, got %v", opts.requestsPerMinute)
	}
	if opts.identityPerMinute <= 0 {
		return fmt.Errorf("--identity-requests-per-minute must be more than 0, got %v", opts.identityPerMinute)
	}
	if opts.controller.ClusterCredentials != "" && opts.controller.OperatorNamespace == "" {
		return errors.New("--cluster-credentials needs --operator-namespace (or $POD_NAMESPACE): the namespace of the Secrets it names")
	}
	if ep := opts.controller.IAMEndpoint; ep != "" {
		if err := huaweicloud.HostAllowed(ep, opts.domains(), opts.controller.AllowLoopback); err != nil {
			return fmt.Errorf("--iam-endpoint %s: %w; add its domain to --allowed-endpoint-domains", ep, err)
		}
	}
	if opts.maxConcurrent < 1 || opts.maxConcurrent > maxConcurrentReconciles {
		return fmt.Errorf("--max-concurrent-reconciles must be from 1 to %d, got %d", maxConcurrentReconciles, opts.maxConcurrent)
	}
	// A retry interval of 0 would retry rejected credentials in a tight loop
	// (locking the access key) or never look at a stalled job again.
	for _, d := range []struct {
		flag  string
		value time.Duration
		least time.Duration
	}{
		{"cloud-request-timeout", opts.requestTimeout, time.Nanosecond},
		{"graceful-shutdown-timeout", opts.shutdownTimeout, time.Nanosecond},
		{"awaiting-payment-poll-interval", opts.policy.AwaitingPaymentInterval, time.Nanosecond},
		{"poll-detection-lag", opts.policy.DetectionLag, time.Nanosecond},
		{"max-poll-interval-before-window", opts.policy.MaxIntervalBeforeWindow, time.Nanosecond},
		{"job-not-found-grace", opts.controller.JobNotFoundGrace, 0},
		{"auth-retry-interval", opts.controller.AuthRetryInterval, time.Second},
		{"stalled-retry-interval", opts.controller.StalledRetryInterval, time.Second},
	} {
		switch {
		case d.value >= d.least:
		case d.least == time.Nanosecond:
			return fmt.Errorf("--%s must be more than 0, got %s", d.flag, d.value)
		default:
			return fmt.Errorf("--%s must be at least %s, got %s", d.flag, d.least, d.value)
		}
	}
	if p := opts.policy; p.MinInterval <= 0 || p.MaxInterval < p.MinInterval {
		return fmt.Errorf("--min-poll-interval (%s) must be more than 0 and at most --max-poll-interval (%s)", p.MinInterval, p.MaxInterval)
	}
	// client-go's own rule, checked here so that a bad combination fails at start
	// rather than when the elector is built.
	if opts.retryPeriod <= 0 || opts.renewDeadline <= time.Duration(1.2*float64(opts.retryPeriod)) || opts.leaseDuration <= opts.renewDeadline {
		return fmt.Errorf("--leader-elect-lease-duration (%s) must exceed --leader-elect-renew-deadline (%s), which must exceed 1.2 × --leader-elect-retry-period (%s)",
			opts.leaseDuration, opts.renewDeadline, opts.retryPeriod)
	}
	return nil
}

// cacheOptions limits what the manager watches to --watch-namespace and the
// CloudJobs to --shard-selector.
func cacheOptions(opts options) (cache.Options, error) {
	// managedFields are never read by the operator; dropping them from every cached
	// object is a large share of the cache's memory with thousands of CloudJobs.
	c := cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
	if opts.watchNamespace != "" {
		c.DefaultNamespaces = map[string]cache.Config{opts.watchNamespace: {}}
	}
	if opts.shardSelector != "" {
		sel, err := labels.Parse(opts.shardSelector)
		if err != nil {
			return c, fmt.Errorf("--shard-selector %q: %w", opts.shardSelector, err)
		}
		c.ByObject = map[client.Object]cache.ByObject{&jobsv1alpha1.CloudJob{}: {Label: sel}}
	}
	return c, nil
}

// run runs the manager until ctx ends.
func run(ctx context.Context, cfg *rest.Config, opts options) error {
	if err := validate(opts); err != nil {
		return err
	}
	var tlsOpts []func(*tls.Config)
	if !opts.enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{
		BindAddress:   opts.metricsAddr,
		SecureServing: opts.secureMetrics,
		TLSOpts:       tlsOpts,
	}
	if opts.secureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	if opts.metricsCertDir != "" {
		// controller-runtime falls back to a self-signed certificate when the
		// files are missing; a configured directory without them is a mistake.
		for _, f := range []string{"tls.crt", "tls.key"} {
			if _, err := os.Stat(filepath.Join(opts.metricsCertDir, f)); err != nil {
				return fmt.Errorf("--metrics-cert-dir %s: %w (mount a kubernetes.io/tls Secret there)", opts.metricsCertDir, err)
			}
		}
		metricsOpts.CertDir = opts.metricsCertDir
	}

	cacheOpts, err := cacheOptions(opts)
	if err != nil {
		return err
	}
	electionID, err := leaderElectionID(opts)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Cache:                         cacheOpts,
		Metrics:                       metricsOpts,
		HealthProbeBindAddress:        opts.probeAddr,
		PprofBindAddress:              opts.pprofAddr,
		LeaderElection:                opts.leaderElect,
		LeaderElectionID:              electionID,
		LeaderElectionNamespace:       opts.leaderElectionNS,
		LeaseDuration:                 &opts.leaseDuration,
		RenewDeadline:                 &opts.renewDeadline,
		RetryPeriod:                   &opts.retryPeriod,
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       &opts.shutdownTimeout,
	})
	if err != nil {
		return err
	}
	if err := setupController(mgr, opts); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// setupController builds the cloud client, the quota and the poll policy, and
// registers the CloudJob controller.
func setupController(mgr ctrl.Manager, opts options) error {
	clientOpts := huaweicloud.Options{UserAgent: huaweicloud.UserAgent(version.Version), Timeout: opts.requestTimeout}
	if opts.caBundle != "" {
		pem, err := os.ReadFile(opts.caBundle)
		if err != nil {
			return fmt.Errorf("reading --ca-bundle: %w", err)
		}
		pool, err := huaweicloud.SystemCertPoolWith(pem)
		if err != nil {
			return fmt.Errorf("--ca-bundle %s: %w", opts.caBundle, err)
		}
		clientOpts.RootCAs = pool
	}
	cfg := opts.controller
	cfg.Domains = opts.domains()

	policy := opts.policy
	policy.Learner = poll.NewLearner()

	recorder, err := eventrecorder.AddToManager(mgr, "cloudjob-operator")
	if err != nil {
		return err
	}
	cloud := huaweicloud.NewClient(clientOpts)
	broker := &identity.Broker{
		Cloud:            cloud,
		TokenFile:        cfg.FederationTokenFile,
		MetadataEndpoint: opts.metadataEndpoint,
		RejectedRetry:    cfg.AuthRetryInterval,
		FailedRetry:      controller.IdentityFailedRetry,
		Observe:          metrics.ObserveIdentityRequest,
		Limit:            rate.NewLimiter(rate.Limit(opts.identityPerMinute/60), 10),
	}
	metrics.SetIdentityExpiry(broker.Expiry)
	externalIDs := &controller.ExternalIDs{Reader: mgr.GetAPIReader(), KeyFile: opts.externalIDKeyFile, OperatorNamespace: cfg.OperatorNamespace}
	if err := (&controller.CloudCredentialsReconciler{Client: mgr.GetClient(), ExternalIDs: externalIDs, Identities: broker}).SetupWithManager(mgr); err != nil {
		return err
	}
	r := &controller.CloudJobReconciler{
		Client:      mgr.GetClient(),
		Cloud:       cloud,
		Identities:  broker,
		ExternalIDs: externalIDs,
		Recorder:    recorder,
		// A reservation is a promise to poll at that moment: none reaches
		// further ahead than the least time between two polls of a job. With
		// the defaults that is the quota's own horizon; with intervals
		// shortened (a run in compressed time) it keeps the same proportion.
		Quota:  poll.NewQuota(opts.requestsPerMinute, poll.WithHorizon(min(poll.DefaultHorizon, opts.policy.MinInterval))),
		Policy: policy,
		Config: cfg,
	}
	broker.Gate = r.IdentityGate()
	if err := r.SetupWithManager(mgr, opts.maxConcurrent); err != nil {
		return err
	}
	return setupJobGauge(mgr)
}

// setupJobGauge feeds the cloudjob_jobs and cloudjob_oldest_running_job_age_seconds
// gauges from the CloudJob informer's events.
func setupJobGauge(mgr ctrl.Manager) error {
	tally := metrics.NewJobTally(jobEntry)
	informer, err := mgr.GetCache().GetInformer(context.Background(), &jobsv1alpha1.CloudJob{})
	if err != nil {
		return fmt.Errorf("CloudJob informer for the cloudjob_jobs gauge: %w", err)
	}
	if _, err := informer.AddEventHandler(tally); err != nil {
		return fmt.Errorf("CloudJob informer for the cloudjob_jobs gauge: %w", err)
	}
	metrics.SetJobCounter(tally.Count)
	metrics.SetOldestRunning(tally.OldestRunning)
	return nil
}

// jobEntry is what the metrics tally keeps of a CloudJob.
func jobEntry(obj any) (metrics.JobEntry, bool) {
	job, ok := obj.(*jobsv1alpha1.CloudJob)
	if !ok {
		return metrics.JobEntry{}, false
	}
	e := metrics.JobEntry{Service: string(job.Spec.Service), Phase: string(job.Status.Phase), State: job.Status.State}
	if !job.Status.Finished() && job.Status.Phase != jobsv1alpha1.PhaseAwaitingPayment {
		e.RunningSince = job.CreationTimestamp.Time
		if job.Status.BeginTime != nil {
			e.RunningSince = job.Status.BeginTime.Time
		}
	}
	return e, true
}
