# proxy-wasm-jwt build. Only Go is needed; everything else is fetched by the Go toolchain.

GO        ?= go
TINYGO    ?= tinygo
BUILD     := build
WASM      := $(BUILD)/jwt-authn.wasm
EMULATOR  := $(BUILD)/jwt-emulator
SDK       := github.com/tetratelabs/proxy-wasm-go-sdk
# The wasm build sees a copy of the SDK with our ABI glue added (see RATIONALE.md).
SDK_COPY  := $(BUILD)/sdk
WASM_WORK := $(BUILD)/go.work
GO_SRC    := $(shell find . -name '*.go' -not -path './$(BUILD)/*' -not -name '*_test.go') go.mod go.sum

.PHONY: all build build-wasm build-emulator build-tinygo test vet bench bench-wasm fuzz clean

all: build

build: build-wasm build-emulator

build-wasm: $(WASM)

$(WASM_WORK): go.mod go.sum _sdkglue/abi_wasip1.go
	@mkdir -p $(BUILD)
	rm -rf $(SDK_COPY)
	$(GO) mod download $(SDK)
	cp -R "$$($(GO) list -m -f '{{.Dir}}' $(SDK))" $(SDK_COPY)
	chmod -R u+w $(SDK_COPY)
	cp _sdkglue/abi_wasip1.go $(SDK_COPY)/proxywasm/internal/abi_wasip1.go
	printf 'go 1.26.0\n\nuse ..\n\nreplace $(SDK) => ./sdk\n' > $(WASM_WORK)

$(WASM): $(WASM_WORK) $(GO_SRC)
	GOWORK=$(abspath $(WASM_WORK)) GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $@ .
	@printf 'built %s: %s bytes\n' $@ $$(wc -c < $@)

build-emulator: $(EMULATOR)

$(EMULATOR): $(GO_SRC)
	$(GO) build -o $@ ./testing/cmd/jwt-emulator

build-tinygo:
	@mkdir -p $(BUILD)
	$(TINYGO) build -o $(BUILD)/jwt-authn-tinygo.wasm -scheduler=none -target=wasi .

vet:
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet . ./plugin/... ./verifier/ ./signer/ ./oauth/
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './$(BUILD)/*'))" || { gofmt -l .; echo 'gofmt: files above need formatting'; exit 1; }

# make test: the README's test command (CI runs it through .ci/run).
#  1. the wasm soaks and the timer-crash test without the race detector, which also fills the
#     wazero compilation cache that the -race run then reuses (compiling the module under -race
#     is slow);
#  2. every test with -race: each behaviour test runs natively and on the wasm;
#  3. the full 10k-case differential test against go-jose (the -race run uses fewer cases);
#  4. a short run of every fuzz target.
TEST_ENV  = JWT_WASM=$(abspath $(WASM)) JWT_WAZERO_CACHE=$(abspath $(BUILD))/wazero-cache
# Fuzz targets as package:name.
FUZZ_TARGETS = ./verifier/:FuzzParse ./verifier/:FuzzParseJWKS ./verifier/:FuzzParsePEM \
	./verifier/:FuzzVerify ./verifier/:FuzzDER ./testing/host/:FuzzDecodePairs \
	./plugin/:FuzzConfig ./plugin/:FuzzRemoveQueryParam ./plugin/request/:FuzzQueryAndCookies \
	./signer/:FuzzSignMembers ./signer/:FuzzParseJWKS \
	./oauth/:FuzzDPoPVerify ./oauth/:FuzzNormalizeHTU ./oauth/:FuzzProtectedResource
TEST_FUZZTIME ?= 15s
FUZZTIME  ?= 10m

test: build vet
	$(TEST_ENV) $(GO) test -count=1 -run 'Soak|RuntimeTimer' ./testing/host/
	$(TEST_ENV) $(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run '^TestDifferentialGoJose$$' ./verifier/
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

bench: build
	$(TEST_ENV) $(GO) test -run '^$$' -bench . -benchmem ./...

# make bench-wasm: the verifier's benchmark bodies compiled to wasm (a wasip1 test binary run on
# wazero's compiler by testing/cmd/wasmrun), then the shipped filter per request in the host.
# Extra benchmark flags through BENCHFLAGS, e.g. make bench-wasm BENCHFLAGS=-count=3.
bench-wasm: $(WASM)
	GOOS=wasip1 GOARCH=wasm $(GO) test -c -o $(BUILD)/verifier-bench.wasm ./verifier/internal/benchcases
	$(GO) run ./testing/cmd/wasmrun -cache $(abspath $(BUILD))/wazero-cache $(BUILD)/verifier-bench.wasm \
		-test.bench=. -test.benchmem -test.run='^$$' $(addprefix -test.,$(patsubst -%,%,$(BENCHFLAGS)))
	GOOS=wasip1 GOARCH=wasm $(GO) test -c -o $(BUILD)/signer-bench.wasm ./signer/
	$(GO) run ./testing/cmd/wasmrun -cache $(abspath $(BUILD))/wazero-cache $(BUILD)/signer-bench.wasm \
		-test.bench=. -test.benchmem -test.run='^$$' $(addprefix -test.,$(patsubst -%,%,$(BENCHFLAGS)))
	$(TEST_ENV) $(GO) test -run '^$$' -bench . $(BENCHFLAGS) ./testing/host/

clean:
	rm -rf $(BUILD)
