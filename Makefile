# git-recipe — build, install, demo and test. Run as root on Debian for `deps` to install
# what is missing; elsewhere it prints what to install.
PREFIX ?= /usr/local
SWIFT ?= swift

.PHONY: all deps build install demo test lint format bench clean

all: build

deps:
	scripts/install-deps.sh

# The Swift runtime and Foundation are linked statically: a hook or a one-step run is mostly
# process start, and loading them as shared libraries costs 9-18 ms a start here.
build: deps
	$(SWIFT) build -c release --product git-recipe --static-swift-stdlib

install: build
	install -d $(PREFIX)/bin $(PREFIX)/share/man/man1
	install -m 755 "$$($(SWIFT) build -c release --show-bin-path)/git-recipe" $(PREFIX)/bin/git-recipe
	install -m 644 docs/man/man1/git-recipe.1 $(PREFIX)/share/man/man1/git-recipe.1

demo: install
	scripts/demo.sh

test: deps
	$(SWIFT) test

# Style: .swift-format at the root (and in Sources/GitRecipeCore, which also demands
# documentation on every public declaration).
LINTED = Sources Tests Plugins Package.swift

lint:
	$(SWIFT) format lint --strict --recursive $(LINTED)

format:
	$(SWIFT) format format --in-place --recursive $(LINTED)

clean:
	rm -rf .build

bench: install
	benchmarks/bench.py
