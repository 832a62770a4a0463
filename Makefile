# Enhance — the two README commands are `make run` and `make test`.
SWIFT ?= swift
# The same flags whether the output is a terminal or a file: SwiftPM otherwise adds
# -color-diagnostics on a terminal only, and a build plan made with other flags recompiles every
# module (about 2 min in release), so `make test > log` and then `make run` in a terminal rebuilt
# each other's work. Used by every swift build/test here.
BUILD_FLAGS := --no-color-diagnostics

.PHONY: deps build run test bench sanitize fuzz-list clean

deps:
	./scripts/install-deps.sh

# Only the enhance product: a plain `swift build` also builds swift-protobuf's protoc-tool (its C++
# protobuf and abseil sources), which Enhance never runs (the generated Swift is committed).
build: deps
	$(SWIFT) build -c release --product enhance $(BUILD_FLAGS)

# Installs what is missing, builds in release mode, opens the TUI on the bundled Assets and Models.
# It runs in out/ (ignored by git), where exports go by default, so they never dirty the checkout.
run: build
	mkdir -p out && cd out && ../.build/release/enhance ../Assets

# The whole test suite (unit, oracle, CLI and tmux end-to-end tests).
test: deps
	$(SWIFT) build --product enhance $(BUILD_FLAGS)
	$(SWIFT) test --disable-swift-testing $(BUILD_FLAGS)

# The test suite under ThreadSanitizer, then AddressSanitizer (slow; not part of `make test`).
sanitize: deps
	./scripts/sanitize.sh

bench: build
	./.build/release/enhance bench

# libFuzzer targets: scripts/fuzz/run.sh TARGET SECONDS.
fuzz-list:
	./scripts/fuzz/run.sh --list

clean:
	rm -rf .build .build-tsan .build-asan
