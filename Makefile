# cloudjob-operator Makefile. `make help` lists the targets.

# Image the deploy and build-installer targets use.
IMG ?= ghcr.io/cloudjob-operator/cloudjob-operator:dev
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# Versions of the test control plane, built from the Go module proxy by `make envtest`.
K8S_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.6.16

# Never switch Go toolchains behind the user's back: the module proxy serves modules,
# and go.mod asks for no newer toolchain than the one installed.
export GOTOOLCHAIN = local

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

LOCALBIN ?= $(CURDIR)/bin
ENVTEST_DIR ?= $(LOCALBIN)/k8s/$(K8S_VERSION)
KUBECTL ?= $(ENVTEST_DIR)/kubectl
CONTROLLER_GEN ?= go tool -modfile=hack/tools/go.mod controller-gen
GOLANGCI_LINT ?= go tool -modfile=hack/tools/lint/go.mod golangci-lint
TEST_TIMEOUT ?= 60m
FUZZTIME ?= 30s

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Generate the CRD and RBAC manifests from the API types and markers, and copy them (with the dashboard and rules) into the Helm chart.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./api/..." paths="./internal/controller/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	@hack/sync-chart.sh

.PHONY: generate
generate: ## Generate the deepcopy methods of the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: verify-generated
verify-generated: ## Fail when the committed CRD, RBAC or deepcopy files are stale.
	@hack/verify-generated.sh

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: ## Run golangci-lint (built from the module proxy on first use).
	$(GOLANGCI_LINT) run ./...

.PHONY: envtest
envtest: ## Build kube-apiserver, kubectl and etcd into bin/k8s/<version> (first build takes several minutes).
	@K8S_VERSION=$(K8S_VERSION) hack/envtest.sh $(ENVTEST_DIR)

.PHONY: node
node: ## Build the test node's kubelet, kube-controller-manager, kube-scheduler and kube-proxy into bin/k8s/<version> (several minutes the first time).
	@K8S_VERSION=$(K8S_VERSION) hack/envtest.sh --node $(ENVTEST_DIR)

.PHONY: test
test: verify-generated vet lint envtest node image container-runtime ## Check generated files, vet, lint, build the image and the test node, and run every test against a real control plane and a one-node cluster.
	KUBEBUILDER_ASSETS=$(ENVTEST_DIR) go test -timeout $(TEST_TIMEOUT) -count=1 ./... 

BENCH_ARGS ?=

.PHONY: bench
bench: envtest ## Benchmark the operator against fixed pollers at 10, 20, 40 and 80 s (N=1000 at 5x, about 35 min; more: BENCH_ARGS='-n 10000 -time-scale 3 -anchor off'). Writes bench/results/ (JSON and the frontier's picture).
	go run ./hack/bench $(BENCH_ARGS)

.PHONY: fuzz
fuzz: ## Fuzz the response decoder and the signer (FUZZTIME each, default 30s).
	go test ./internal/huaweicloud/ -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	go test ./internal/signer/ -run '^$$' -fuzz '^FuzzCanonicalRequest$$' -fuzztime $(FUZZTIME)

.PHONY: test-reliability
test-reliability: envtest ## Run the end-to-end fault tests: the operator binary killed, failed over, fed faults and hostile input (docs/reliability.md). RUN=<regexp> picks tests.
	KUBEBUILDER_ASSETS=$(ENVTEST_DIR) go test -timeout 20m -count=1 -v $(if $(RUN),-run '$(RUN)') ./test/reliability/

##@ Build

.PHONY: build
build: generate ## Build the operator and the simulator into bin/.
	go build -ldflags "-X github.com/cloudjob-operator/cloudjob-operator/internal/version.Version=$(VERSION)" -o $(LOCALBIN)/manager .
	go build -o $(LOCALBIN)/cloudsim ./hack/cloudsim

.PHONY: run
run: manifests generate ## Run the operator from your host against the cluster in your kubeconfig.
	go run . --metrics-bind-address=0 $(ARGS)

.PHONY: demo
demo: envtest build ## Run the operator against a local control plane and the cloud simulator; Ctrl-C stops it. DEMO_ARGS=--exit-when-done exits when the jobs are done.
	go build -o $(LOCALBIN)/demo ./hack/demo
	KUBEBUILDER_ASSETS=$(ENVTEST_DIR) $(LOCALBIN)/demo --manager $(LOCALBIN)/manager $(DEMO_ARGS)

IMAGE_DIR ?= $(LOCALBIN)/image

.PHONY: image
# The version and commit are stamped by flags, not by the go command's VCS
# stamping, which depends on the builder's GOFLAGS: the digest depends on the commit only.
image: ca-certificates ## Build the operator image without a container engine into bin/image: an OCI layout and image.tar (docker/podman load). Reproducible per commit.
	CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w -X github.com/cloudjob-operator/cloudjob-operator/internal/version.Version=$(VERSION)" -o $(IMAGE_DIR)/manager .
	go run ./hack/image -binary $(IMAGE_DIR)/manager -o $(IMAGE_DIR) -ref $(IMG) -version $(VERSION) \
		-revision $$(git rev-parse HEAD 2>/dev/null || echo unknown) -created $$(git log -1 --format=%ct 2>/dev/null || echo 1)

.PHONY: image-push
image-push: ## Push the image of `make image` to IMG with the credentials of docker login or podman login (no engine needed).
	go run ./hack/image -push -o $(IMAGE_DIR) -ref $(IMG)

# Debian packages the image build and the container test need. Installing needs root.
.PHONY: ca-certificates
ca-certificates:
	@test -s /etc/ssl/certs/ca-certificates.crt || $(call apt-install,ca-certificates)

CONTAINER_PACKAGES = runc containerd containernetworking-plugins iptables

.PHONY: container-runtime
container-runtime: ## Install runc, containerd, the CNI plugins and iptables (Debian packages) to run the operator image in tests; needs root.
	@missing=; for c in runc:runc containerd:containerd /usr/lib/cni/bridge:containernetworking-plugins iptables:iptables; do \
	  command -v $${c%%:*} >/dev/null 2>&1 || missing="$$missing $${c##*:}"; done; \
	  if [ -n "$$missing" ]; then $(call apt-install,$$missing); fi
	@runc --version | head -1; containerd --version

define apt-install
	{ if [ "$$(id -u)" != 0 ]; then echo "make: $(1) is missing and installing it needs root: run 'sudo apt-get install -y $(1)' (Debian) and retry" >&2; exit 1; fi; \
	  echo "installing Debian package(s) $(1)..."; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; }
endef

.PHONY: docker-build
docker-build: ## Build the operator image (needs a Docker engine; `make image` needs none).
	docker build --build-arg VERSION=$(VERSION) -t $(IMG) .

.PHONY: build-installer
build-installer: manifests generate envtest ## Write dist/install.yaml: CRD, RBAC and Deployment for IMG.
	mkdir -p dist
	rm -rf $(LOCALBIN)/installer && mkdir -p $(LOCALBIN)/installer && cp -r config $(LOCALBIN)/installer/
	cd $(LOCALBIN)/installer/config/manager && $(KUBECTL) kustomize . >/dev/null && \
		sed -i 's|image: controller:latest|image: $(IMG)|' manager.yaml
	$(KUBECTL) kustomize $(LOCALBIN)/installer/config/default > dist/install.yaml
	@echo "wrote dist/install.yaml for image $(IMG)"

.PHONY: helm-chart
helm-chart: manifests ## Lint the Helm chart (charts/cloudjob-operator) and package it into dist/.
	go run ./hack/helmchart -o dist

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests envtest ## Install the CRD into the cluster in your kubeconfig.
	$(KUBECTL) kustomize config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: uninstall
uninstall: manifests envtest ## Remove the CRD (and every CloudJob) from the cluster. ignore-not-found=true to ignore absent resources.
	$(KUBECTL) kustomize config/crd | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: build-installer ## Deploy the operator with image IMG to the cluster in your kubeconfig.
	$(KUBECTL) apply --server-side -f dist/install.yaml

.PHONY: undeploy
undeploy: build-installer ## Remove the operator from the cluster. ignore-not-found=true to ignore absent resources.
	$(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f dist/install.yaml
