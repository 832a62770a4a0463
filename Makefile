# Enhance — the two README commands are `make run` and `make test`.
SWIFT ?= swift

.PHONY: deps build run test bench clean

deps:
	./scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release

# Installs what is missing, builds in release mode, opens the TUI on the bundled Assets and Models.
run: build
	./.build/release/enhance Assets

# The whole test suite (unit, oracle, CLI and tmux end-to-end tests).
test: deps
	$(SWIFT) build
	$(SWIFT) test --disable-swift-testing

bench: build
	./.build/release/enhance bench

clean:
	rm -rf .build
