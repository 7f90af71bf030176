# Ferry. `make demo` and `make test` work on a fresh Debian 12 machine with Node 20.18+.
SHELL := /bin/bash
NPM_FLAGS := --engine-strict --no-audit --no-fund
JEST := NODE_OPTIONS=--experimental-vm-modules node_modules/.bin/jest

.PHONY: all deps system-deps build dist typecheck lint test test-unit demo bench torture clean

all: build

# npm ci installs exactly the committed lockfile and never rewrites it (a fresh clone stays clean).
node_modules/.installed: package.json package-lock.json
	npm ci $(NPM_FLAGS)
	@touch $@

deps: node_modules/.installed

# Real components the tests use (nginx, git, dpkg-dev, apt, gpg, reclass, ...), from Debian.
system-deps:
	@for s in scripts/install-*.sh; do [ -f "$$s" ] && { echo "== $$s"; bash "$$s" || exit 1; }; done; true

# tsc, the schema validator as standalone code (a run need not compile the schema), then the
# CLI as one esbuild bundle over dist/cli/main.js (a start loads a few files, not hundreds).
build: deps
	node_modules/.bin/tsc -p tsconfig.build.json
	node_modules/.bin/tsx scripts/build-validators.ts
	node_modules/.bin/tsx scripts/build-bundle.ts

# One tarball that installs without npm (deploy/README.md): built CLI, production dependencies, schemas.
dist: build
	FERRY_DIST_SKIP_BUILD=1 bash scripts/dist.sh

typecheck: deps
	node_modules/.bin/tsc -p tsconfig.json --noEmit

lint: deps
	node_modules/.bin/eslint .
	node_modules/.bin/tsx scripts/check-cycles.ts

test: deps system-deps typecheck lint build
	FERRY_TEST_USE_DIST=1 $(JEST) --maxWorkers=2

test-unit: deps
	$(JEST) test/unit

# The CLI flow (apply, serve, change, revert), then the controller (ferry run, webhooks, revert, suspend).
demo: deps build
	bash scripts/demo.sh
	bash deploy/demo-controller.sh

# Each prints its figures next to the peer tool's, from the same run (the other bench/ files are their helpers).
# The CLI they time is the build's (dist/cli/main.js, as a site runs it), never src/ through tsx.
BENCHES := revert store download render render-mcp deb deb-parse git-mirror webhook-latency cli-startup render-isolation oci controller-idle rpm transfer pypi
bench: deps build
	@for b in $(BENCHES); do echo "== bench/$$b.ts"; FERRY_TEST_USE_DIST=1 node_modules/.bin/tsx "bench/$$b.ts" || exit 1; done

# Crash, hostile-input and other trials against the real CLI, as a table (test/torture/; issue 11).
torture: deps build
	FERRY_TEST_USE_DIST=1 node_modules/.bin/tsx test/torture/run.ts

clean:
	rm -rf dist dist-pkg .demo coverage
