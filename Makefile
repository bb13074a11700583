# proxy-wasm-jwt build. Only Go is needed; everything else is fetched by the Go toolchain.

GO        ?= go
TINYGO    ?= tinygo
BUILD     := build
WASM      := $(BUILD)/jwt-authn.wasm
# the same module with its symbol table and DWARF kept (no -s -w): function names for make profile
WASM_SYMBOLS := $(BUILD)/jwt-authn-symbols.wasm
EMULATOR  := $(BUILD)/jwt-emulator
# make run's launcher, the demo identity provider, and the token minting command
DEMO_BINS := $(BUILD)/demo $(BUILD)/demo-idp $(BUILD)/jwt-mint
MIGRATE   := $(BUILD)/jwt-migrate
SDK       := github.com/tetratelabs/proxy-wasm-go-sdk
# The wasm build sees a copy of the SDK with our ABI glue added (see RATIONALE.md).
SDK_COPY  := $(BUILD)/sdk
# ... and a copy of gjson without its @pretty/@ugly modifiers, whose package (tidwall/pretty)
# links encoding/json into the module (~0.6 MB). The filter never reaches a modifier: it reads
# fixed paths and escapes claim names (RATIONALE.md, "Why patch gjson in the wasm build").
GJSON     := github.com/tidwall/gjson
GJSON_COPY := $(BUILD)/gjson
WASM_WORK := $(BUILD)/go.work
GO_SRC    := $(shell find . -name '*.go' -not -path './$(BUILD)/*' -not -name '*_test.go') go.mod go.sum

.PHONY: all build build-wasm build-wasm-symbols profile build-emulator build-migrate build-tinygo test vet bench bench-all bench-wasm fuzz soak clean run build-demo image push

all: build

build: build-wasm build-emulator build-migrate build-demo

build-wasm: $(WASM)

$(WASM_WORK): go.mod go.sum _sdkglue/abi_wasip1.go Makefile
	@mkdir -p $(BUILD)
	rm -rf $(SDK_COPY)
	$(GO) mod download $(SDK)
	cp -R "$$($(GO) list -m -f '{{.Dir}}' $(SDK))" $(SDK_COPY)
	chmod -R u+w $(SDK_COPY)
	cp _sdkglue/abi_wasip1.go $(SDK_COPY)/proxywasm/internal/abi_wasip1.go
	rm $(SDK_COPY)/proxywasm/internal/abi_hostcalls_mock.go
	rm -rf $(GJSON_COPY)
	cp -R "$$($(GO) list -m -f '{{.Dir}}' $(GJSON))" $(GJSON_COPY)
	chmod -R u+w $(GJSON_COPY)
	sed -i -e '/^\t"github.com\/tidwall\/pretty"$$/d' -e '/^\t\t"pretty": *modPretty,$$/d' -e '/^\t\t"ugly": *modUgly,$$/d' \
		-e '/^\/\/ @pretty modifier/,/^}$$/d' -e '/^\/\/ @ugly modifier/,/^}$$/d' $(GJSON_COPY)/gjson.go
	@! grep -n 'pretty\.' $(GJSON_COPY)/gjson.go || { echo 'gjson patch did not apply: see the Makefile'; exit 1; }
	printf 'go 1.26.0\n\nuse $(CURDIR)\n\nreplace $(SDK) => ./sdk\n\nreplace $(GJSON) => ./gjson\n' > $(WASM_WORK)

$(WASM): $(WASM_WORK) $(GO_SRC)
	GOWORK=$(abspath $(WASM_WORK)) GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $@ .
	@printf 'built %s: %s bytes\n' $@ $$(wc -c < $@)

build-wasm-symbols: $(WASM_SYMBOLS)

$(WASM_SYMBOLS): $(WASM_WORK) $(GO_SRC)
	GOWORK=$(abspath $(WASM_WORK)) GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -o $@ .
	@printf 'built %s: %s bytes\n' $@ $$(wc -c < $@)

build-emulator: $(EMULATOR)

$(EMULATOR): $(GO_SRC)
	$(GO) build -o $@ ./testing/cmd/jwt-emulator

build-demo: $(DEMO_BINS)

$(BUILD)/demo $(BUILD)/demo-idp $(BUILD)/jwt-mint: $(BUILD)/%: $(GO_SRC)
	$(GO) build -o $@ ./testing/cmd/$*

# make run: the demo identity provider and the filter in the emulator on 127.0.0.1:8080
# (DEMO_LISTEN, DEMO_IDP, DEMO_ADMIN change the addresses); prints curl commands to paste.
# exec: the launcher replaces the shell, so Ctrl-C stops it and its children, nothing else.
run: $(WASM) $(EMULATOR) $(BUILD)/demo $(BUILD)/demo-idp
	exec $(BUILD)/demo

# make image: the Wasm OCI image Istio pulls (compat variant: plugin.wasm in one gzipped tar
# layer), as an OCI image layout in build/image; no Docker needed.
# make push IMAGE=registry.example.com/proxy-wasm-jwt/jwt-authn:0.1.0 pushes it with your registry
# credentials (docker login, or a credential helper); the WasmPlugin's url is then oci://$(IMAGE).
IMAGE_DIR := $(BUILD)/image
IMAGE_TAG ?= latest

image: $(WASM)
	$(GO) build -o $(BUILD)/wasm-image ./tools/wasm-image
	$(BUILD)/wasm-image build -wasm $(WASM) -out $(IMAGE_DIR) -tag $(IMAGE_TAG)

push: image
	@test -n "$(IMAGE)" || { echo 'usage: make push IMAGE=REGISTRY/REPOSITORY:TAG'; exit 2; }
	$(BUILD)/wasm-image push -layout $(IMAGE_DIR) -image $(IMAGE)

build-migrate: $(MIGRATE)

$(MIGRATE): $(GO_SRC)
	$(GO) build -o $@ ./cmd/jwt-migrate

build-tinygo:
	@mkdir -p $(BUILD)
	$(TINYGO) build -o $(BUILD)/jwt-authn-tinygo.wasm -scheduler=none -target=wasi .

vet:
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet . ./plugin/... ./verifier/... ./signer/ ./oauth/ ./oidc/ ./authtrace/ ./internal/jsonstr/
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './$(BUILD)/*'))" || { gofmt -l .; echo 'gofmt: files above need formatting'; exit 1; }

# make test: the README's test command (CI runs it through .ci/run).
#  1. the wasm soaks, the timer-crash test and the function profiler's test without the race
#     detector, which also fills the wazero compilation cache that the -race run then reuses
#     (compiling the module under -race is slow; the profiler's module is never cached);
#  2. every test with -race: each behaviour test runs natively and on the wasm;
#  3. the full 10k-case differential test against go-jose (the -race run uses fewer cases);
#  4. a short run of every fuzz target.
TEST_ENV  = JWT_WASM=$(abspath $(WASM)) JWT_WAZERO_CACHE=$(abspath $(BUILD))/wazero-cache
# Fuzz targets as package:name.
FUZZ_TARGETS = ./verifier/:FuzzParse ./verifier/:FuzzParseJWKS ./verifier/:FuzzParsePEM \
	./verifier/:FuzzVerify ./verifier/:FuzzDER ./testing/host/:FuzzDecodePairs \
	./plugin/:FuzzConfig ./plugin/:FuzzRemoveQueryParam ./plugin/request/:FuzzQueryAndCookies \
	./verifier/internal/p256/:FuzzVerify \
	./signer/:FuzzSignMembers ./signer/:FuzzParseJWKS \
	./oauth/:FuzzDPoPVerify ./oauth/:FuzzNormalizeHTU ./oauth/:FuzzProtectedResource \
	./migrate/:FuzzConvert ./oidc/:FuzzParseDocument
TEST_FUZZTIME ?= 15s
FUZZTIME  ?= 10m

test: build vet
	$(TEST_ENV) $(GO) test -count=1 -run 'Soak|RuntimeTimer|FuncProfiler' ./testing/host/
	$(TEST_ENV) $(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run '^TestDifferentialGoJose$$' ./verifier/
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

# make bench: the filter per request through the wasm in the host, VM start, and the verifier
# natively, BENCHCOUNT runs each; testing/cmd/benchreport rewrites the summary of BENCHMARKS.md
# (medians, ratios to the host floor, date, commit, load average). Every benchmark of every
# package, natively: make bench-all.
BENCHCOUNT ?= 5
BENCH_OUT  := $(BUILD)/bench

bench: build
	@mkdir -p $(BENCH_OUT)
	@uptime > $(BENCH_OUT)/load-before
	$(TEST_ENV) $(GO) test -run '^$$' -bench '^Benchmark(RequestHostOnly|RequestSDKFloor|Request|VMStart|JWTRequest)$$' \
		-count=$(BENCHCOUNT) ./testing/host/ | tee $(BENCH_OUT)/host.txt
	$(GO) test -run '^$$' -bench '^BenchmarkVerifier$$' -benchmem -count=$(BENCHCOUNT) ./verifier/ | tee $(BENCH_OUT)/native.txt
	@uptime > $(BENCH_OUT)/load-after
	$(GO) run ./testing/cmd/benchreport -md BENCHMARKS.md -module $(WASM) \
		-host $(BENCH_OUT)/host.txt -native $(BENCH_OUT)/native.txt \
		-load-before $(BENCH_OUT)/load-before -load-after $(BENCH_OUT)/load-after \
		-commit "$$(git describe --always --dirty 2>/dev/null || echo unknown)"

# make profile: where one request's time goes in the wasm, by function (testing/host/funcprof.go),
# on build/jwt-authn-symbols.wasm. SCENARIO is one of pass, missing, cached, shared, uncached-rs256
# (BenchmarkJWTRequest's configurations); PROFILEFLAGS adds e.g. -profile.top=40 -profile.match=verifier.
SCENARIO ?= cached

profile: $(WASM) $(WASM_SYMBOLS)
	$(TEST_ENV) JWT_WASM_SYMBOLS=$(abspath $(WASM_SYMBOLS)) $(GO) test -count=1 -run '^TestProfileScenario$$' -v \
		./testing/host/ -args -profile=$(SCENARIO) $(PROFILEFLAGS)

# make soak: a million requests through the shipped module across 4 VMs (valid, cached, forged,
# missing and rotating-key tokens; every answer checked; memory and verifications reported).
# Not part of make test. JWT_SOAK_REQUESTS=N changes the count.
soak: build-wasm
	$(TEST_ENV) $(GO) test -tags soak -count=1 -timeout 60m -run '^TestSoakMillion$$' -v ./testing/host/

bench-all: build
	$(TEST_ENV) $(GO) test -run '^$$' -bench . -benchmem ./...

# make bench-wasm: the verifier's benchmark bodies compiled to wasm (a wasip1 test binary run on
# wazero's compiler by testing/cmd/wasmrun), then the shipped filter per request in the host.
# Extra benchmark flags through BENCHFLAGS, e.g. make bench-wasm BENCHFLAGS=-count=3.
bench-wasm: $(WASM)
	GOOS=wasip1 GOARCH=wasm $(GO) test -c -o $(BUILD)/verifier-bench.wasm ./verifier/internal/benchcases
	$(GO) run ./testing/cmd/wasmrun -cache $(abspath $(BUILD))/wazero-cache $(BUILD)/verifier-bench.wasm \
		-test.bench=. -test.benchmem -test.run='^$$' $(addprefix -test.,$(patsubst -%,%,$(BENCHFLAGS)))
	GOOS=wasip1 GOARCH=wasm $(GO) test -c -o $(BUILD)/p256-bench.wasm ./verifier/internal/p256
	$(GO) run ./testing/cmd/wasmrun -cache $(abspath $(BUILD))/wazero-cache $(BUILD)/p256-bench.wasm \
		-test.bench=. -test.run='^$$' $(addprefix -test.,$(patsubst -%,%,$(BENCHFLAGS)))
	GOOS=wasip1 GOARCH=wasm $(GO) test -c -o $(BUILD)/signer-bench.wasm ./signer/
	$(GO) run ./testing/cmd/wasmrun -cache $(abspath $(BUILD))/wazero-cache $(BUILD)/signer-bench.wasm \
		-test.bench=. -test.benchmem -test.run='^$$' $(addprefix -test.,$(patsubst -%,%,$(BENCHFLAGS)))
	$(TEST_ENV) $(GO) test -run '^$$' -bench . $(BENCHFLAGS) ./testing/host/

clean:
	rm -rf $(BUILD)
