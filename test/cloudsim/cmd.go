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
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The simulator as a command (hack/cloudsim): its flags and its run until a
// signal.

// Main runs the simulator command with args until SIGINT or SIGTERM and returns
// the exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runCommand(ctx, args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cloudsim:", err)
		return 1
	}
	return 0
}

type commandOptions struct {
	listen, adminListen string
	tlsCert, tlsKey     string
	scenario            string
	timeScale           float64
	requestsPerMinute   int
	accessKey           string
	secretKey           string
	seed                uint64
	verbose             bool
}

func parseCommandFlags(args []string, stderr io.Writer) (commandOptions, map[string]bool, error) {
	var o commandOptions
	fs := flag.NewFlagSet("cloudsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8480", "address of the job API (port 0 picks a free port)")
	fs.StringVar(&o.adminListen, "admin-listen", "127.0.0.1:8481", "address of the admin API; keep it on loopback, it has no authentication")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve the job API over TLS with this certificate (PEM); needs --tls-key")
	fs.StringVar(&o.tlsKey, "tls-key", "", "private key (PEM) of --tls-cert")
	fs.StringVar(&o.scenario, "scenario", "", "scenario file (YAML) with credentials, jobs and faults to load at start")
	fs.Float64Var(&o.timeScale, "time-scale", 1, "how many times faster than the wall clock simulated time runs")
	fs.IntVar(&o.requestsPerMinute, "requests-per-minute", DefaultRequestsPerMinute, "quota per access key per simulated minute; -1 disables it")
	fs.StringVar(&o.accessKey, "access-key", os.Getenv("CLOUDSIM_ACCESS_KEY"), "access key to accept (default $CLOUDSIM_ACCESS_KEY)")
	fs.StringVar(&o.secretKey, "secret-key", "", "secret key of --access-key (default $CLOUDSIM_SECRET_KEY, which keeps it out of the process list)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of fault probabilities and generated ids")
	fs.BoolVar(&o.verbose, "v", false, "log every API request")
	if err := fs.Parse(args); err != nil {
		return o, nil, err
	}
	if fs.NArg() > 0 {
		return o, nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.secretKey == "" {
		o.secretKey = os.Getenv("CLOUDSIM_SECRET_KEY")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return o, set, nil
}

// commandConfig layers the defaults, the scenario's settings, then the flags
// given explicitly.
func commandConfig(o commandOptions, set map[string]bool, sc *Scenario, logger *slog.Logger) (Config, error) {
	cfg := Config{TimeScale: o.timeScale, RequestsPerMinute: o.requestsPerMinute, Seed: o.seed, Logger: logger}
	if sc != nil {
		sc.Settings.ApplyTo(&cfg)
		cfg.Credentials = append(cfg.Credentials, sc.Credentials...)
	}
	if set["time-scale"] {
		cfg.TimeScale = o.timeScale
	}
	if set["requests-per-minute"] {
		cfg.RequestsPerMinute = o.requestsPerMinute
	}
	if set["seed"] {
		cfg.Seed = o.seed
	}
	if !(cfg.TimeScale > 0) {
		return cfg, fmt.Errorf("--time-scale %v must be positive", cfg.TimeScale)
	}
	switch {
	case o.accessKey != "" && o.secretKey != "":
		cfg.Credentials = append(cfg.Credentials, Credential{AccessKey: o.accessKey, SecretKey: o.secretKey})
	case o.accessKey != "" || o.secretKey != "":
		return cfg, errors.New("--access-key and --secret-key go together")
	}
	if len(cfg.Credentials) == 0 {
		return cfg, errors.New("no access keys: give --access-key and --secret-key (or $CLOUDSIM_ACCESS_KEY and $CLOUDSIM_SECRET_KEY), or credentials in the scenario")
	}
	return cfg, nil
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, set, err := parseCommandFlags(args, stderr)
	if err != nil {
		return err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	var sc *Scenario
	if o.scenario != "" {
		if sc, err = LoadScenarioFile(o.scenario); err != nil {
			return err
		}
	}
	cfg, err := commandConfig(o, set, sc, logger)
	if err != nil {
		return err
	}
	sim, err := New(cfg)
	if err != nil {
		return err
	}
	defer sim.Close()
	if sc != nil {
		jobs, err := sim.Apply(sc)
		if err != nil {
			return err
		}
		logger.Info("scenario loaded", "file", o.scenario, "jobs", len(jobs), "faults", len(sc.Faults))
	}

	apiLn, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	adminLn, err := net.Listen("tcp", o.adminListen)
	if err != nil {
		_ = apiLn.Close() // err is the one worth returning
		return err
	}
	api := &http.Server{Handler: sim.APIHandler(), ReadHeaderTimeout: 10 * time.Second}
	admin := &http.Server{Handler: sim.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}

	errc := make(chan error, 2)
	scheme := "http"
	if o.tlsCert != "" {
		scheme = "https"
		go func() { errc <- api.ServeTLS(apiLn, o.tlsCert, o.tlsKey) }()
	} else {
		go func() { errc <- api.Serve(apiLn) }()
	}
	go func() { errc <- admin.Serve(adminLn) }()

	// The announcement is for tools that asked for port 0; serving goes on
	// whether or not anyone reads it.
	_, _ = fmt.Fprintf(stdout, "cloudsim: api listening on %s://%s\n", scheme, apiLn.Addr())
	_, _ = fmt.Fprintf(stdout, "cloudsim: admin listening on http://%s\n", adminLn.Addr())
	logger.Info("started", "timeScale", cfg.TimeScale, "requestsPerMinute", cfg.RequestsPerMinute, "seed", cfg.Seed, "accessKeys", len(cfg.Credentials))

	var serveErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case serveErr = <-errc:
	}
	// Release requests held by hang faults first, or Shutdown would wait
	// for them.
	sim.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(api.Shutdown(shutdownCtx), admin.Shutdown(shutdownCtx))
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}
