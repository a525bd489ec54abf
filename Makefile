# clc — common tasks. Everything is plain `go`; the Makefile only names them.
GO ?= go
export CGO_ENABLED ?= 0

.PHONY: build test test-arm64 test-purego bench bench-step bench-step-peer bench-sweep-peer bench-peer profile-fit demo calibrate calibrate-adaptive calibrate-demo regret lint fuzz clean

build: ## build ./bin/clc
	$(GO) build -buildvcs=auto -o bin/clc ./cmd/clc

test: ## run every test (the PyTorch reference tests run where python3-torch is installed)
	$(GO) test ./...

# The training engine's tests that depend on the architecture's kernels.
ARCH_TESTS ?= Kernel|ReLU|Optim|Grad|Torch|Portable|Loop|Run|Loss|Init
QEMU_ARM64 ?= $(shell command -v qemu-aarch64-static || command -v qemu-aarch64)

test-arm64: ## the kernel, gradient and PyTorch reference tests on arm64 (NEON kernels) under qemu-user
	@test -n "$(QEMU_ARM64)" || { echo "test-arm64 needs qemu-user: apt-get install qemu-user-static"; exit 1; }
	GOARCH=arm64 $(GO) test -count=1 -exec $(QEMU_ARM64) -run '$(ARCH_TESTS)' ./internal/train/

test-purego: ## the same tests with the portable kernels only (-tags purego)
	$(GO) test -count=1 -tags purego -run '$(ARCH_TESTS)' ./internal/train/

bench: ## Go benchmarks of the training kernels, the step and the CSV reader
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

bench-step: ## the kernels and the training step on this machine (any architecture): GFLOP/s and samples/s; COUNT=3
	$(GO) test -run '^$$' -bench 'BenchmarkMatMul|BenchmarkStep' -benchmem -count $${COUNT:-3} ./internal/train/

bench-step-peer: ## training step vs PyTorch one thread, side by side, 8 configurations; ROUNDS=5, BASELINE=rev
	scripts/bench-step-peer.py

bench-sweep-peer: ## the README's Fashion-MNIST fit vs the same trials by the PyTorch peer, 1 and 2 workers; ROUNDS=3
	scripts/bench-sweep-peer.py

profile-fit: ## CPU profile of the README's Fashion-MNIST fit: the kernels' share of a whole sweep
	scripts/profile-fit.sh

bench-peer: ## clc vs pandas.read_csv (CSV load) and PyTorch (training step), side by side; RUNS=3
	scripts/bench-peer.sh

demo: ## the whole pipeline on the embedded demo dataset
	$(GO) run ./cmd/clc fit --demo -o /tmp/clc-demo-fit.yaml

calibrate: ## the long calibration suite: coverage of every interval on simulated sweeps, by scenario, the size law and the joint law; writes docs/calibration.md (REPS=1000)
	nice $(GO) test ./internal/scaling -run '^TestCalibrationTable$$' -count=1 -timeout 2h -v -calibrate \
	  -calibrate.reps $${REPS:-1000} -calibrate.out $(CURDIR)/docs/calibration.md

calibrate-adaptive: ## the adaptive design on simulated sweeps with a known law: full-size coverage, RMSE and cost by scenario (REPS=1000)
	nice $(GO) test ./internal/clc -run '^TestAdaptiveDesignCalibrated$$' -count=1 -timeout 2h -v -calibrate.adaptive $${REPS:-1000}

calibrate-demo: ## 40 repeated demo fits against a 32-seed full-size truth: coverage and RMSE (OUT, FITS)
	scripts/calibrate-demo.sh $${OUT:-/tmp/clc-calibrate-demo} $${FITS:-40}

regret: ## the regret benchmark: clc's full-size rate vs the largest fraction's, judged at full size with 8 seeds (OUT, CASES, DESIGN)
	scripts/regret.sh $${OUT:-/tmp/clc-regret} "$${CASES:-}" $${DESIGN:-adaptive}

lint: ## gofmt, go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fuzz: ## run each fuzz target for FUZZTIME (default 30s)
	for pkg in ./internal/table/ ./internal/train/ ./internal/clc/ ./internal/schedule/; do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep ^Fuzz); do \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $${FUZZTIME:-30s} $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
