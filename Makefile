# charm-panko: build, package and test the Panko charm.
SHELL := /bin/bash
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN := bin/panko-charm
LOCALJUJU := bin/localjuju
GOFLAGS_BUILD := -trimpath -ldflags='-s -w'

.PHONY: all build localjuju hooks check-hooks docs charm test unit lint vet staticcheck deps demo bench fuzz mutate functional clean

all: charm

build: ## static charm binary
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/panko-charm

localjuju: ## the local model CLI, its machine-command binary, its unit agent and Juju's jujuc
	CGO_ENABLED=0 $(GO) build -trimpath -o $(LOCALJUJU) ./cmd/localjuju
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/localjuju-tools ./cmd/localjuju-tools
	GO=$(GO) ./scripts/build-agent.sh bin

hooks: ## regenerate hooks/ and actions/ symlinks from the metadata
	$(GO) run ./cmd/charmpack links

check-hooks:
	$(GO) run ./cmd/charmpack check

docs: ## regenerate docs/config.md and docs/actions.md
	$(GO) run ./cmd/charmpack docs

charm: build ## panko.charm
	$(GO) run ./cmd/charmpack archive $(BIN) build/charm panko.charm
	@echo "built panko.charm"

deps: ## install the Debian packages the tests need (as root; see scripts/deps.sh)
	./scripts/deps.sh

vet:
	$(GO) vet ./...
	$(GO) vet -tags functional ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

lint: vet staticcheck check-hooks
	$(GO) mod tidy -diff
	$(GO) run ./cmd/charmpack check-docs
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# RACE are the packages whose code serves concurrent connections or runs
# goroutines: they run once more under the race detector.
RACE := ./internal/juju/... ./internal/localjuju/sim ./internal/localjuju/vault ./internal/testsupport/live ./internal/testsupport/sandbox ./cmd/bench/hookwrap

unit: deps charm localjuju
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 $(RACE)
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/charm ./internal/render

test: lint unit ## everything CI runs

demo: deps charm localjuju ## a short story on the local model
	./scripts/demo.sh

bench: deps charm localjuju
	$(GO) run ./cmd/bench
	$(GO) test -run '^$$' -bench . -benchmem ./internal/charm ./internal/render | tee bench/gobench.txt
	./scripts/bench-listener.sh

fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

mutate: ## mutation check (review mutants + gremlins; slow, not in CI): bench/mutation.md
	./scripts/mutate.sh $(MUTANTS)

functional:
	$(GO) test -tags functional -count=1 -timeout 180m -v ./tests/functional/...

clean:
	rm -rf bin build panko.charm .localjuju
