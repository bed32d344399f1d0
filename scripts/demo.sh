#!/usr/bin/env bash
# The demo: a fresh repository in a temporary directory, scaffolded from the minimal
# template (which installs the pre-commit hook), validated, locked, committed through the
# hook and run with the installed git-recipe; then the run's provenance, read back with
# plain git.
set -euo pipefail

scripts=$(cd "$(dirname "$0")" && pwd)
demo=$(mktemp -d "${TMPDIR:-/tmp}/git-recipe-demo.XXXXXX")
# A shared store and a colleague's clone, for the end.
share=$(mktemp -d "${TMPDIR:-/tmp}/git-recipe-demo-share.XXXXXX")
trap 'cd /; "$scripts/containers-local" stop; rm -rf "$demo" "$share"' EXIT
cd "$demo"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

git init -q -b main
git config user.email "demo@example.org"
git config user.name "git-recipe demo"
git config commit.gpgsign false

step git recipe --version
step git recipe init --template minimal
step git recipe validate
step git recipe lock
step git add -A
step git commit -q -m "Add the minimal recipe, locked"
step git recipe run train
step git notes --ref=recipes show HEAD
first_run=$(git recipe log | awk '{print $2}')
step git recipe run train --seeds 0..2
step git recipe log
step git recipe diff "$first_run" HEAD:train
step git recipe verify --require-run
step git recipe status
sweep_run=$(git recipe log --expand | awk 'NR == 1 {print $2}')
step git recipe reproduce "$sweep_run"
step git recipe report HEAD:train
step git recipe report HEAD:train --baseline "$first_run" --format html -o report.html
step git recipe dashboard -o dashboard
# The work tree holds the reproduced run's outputs now; the seed-0 member's come back from
# the artifact store, verified.
seed0_run=$(git recipe log --format json | python3 -c 'import json, sys; print(next(r["id"] for e in json.load(sys.stdin) for r in e.get("runs", []) if e.get("sweep") and r["seed"] == 0))')
step git recipe checkout "$seed0_run"
step git recipe status
# A colleague's clone: the records come through git, the outputs through a shared store.
step git config recipe.store.team.url "file://$share/store"
step git recipe push --artifacts team
git clone -q "$demo" "$share/colleague"
cd "$share/colleague"
git config user.email "colleague@example.org"
git config user.name "a colleague"
step git recipe pull origin
step git config recipe.store.team.url "file://$share/store"
step git recipe pull --artifacts team "$seed0_run"
step git recipe checkout "$seed0_run"
# The same recipe in a container image pinned by digest: the example image is built offline
# from this machine's Debian files (scripts/test-image); its probes and steps run inside it.
cd "$demo"
printf 'report.html\ndashboard/\n' >> .git/info/exclude   # what the demo wrote above, kept out of the clean-tree check
eval "$("$scripts/containers-local" start)"
printf '\n%s# the recipe, now in the image %s%s\n' "$bold" "$RECIPE_TEST_IMAGE" "$plain"
sed -i "s|^environment:|environment:\n  image: $RECIPE_TEST_IMAGE|" .recipes/train.yaml
step git recipe lock
step git commit -q -am "Run the recipe in the example image"
step git recipe run train
step git recipe show HEAD:train --format markdown
printf '\ndemo ok: %s was scaffolded, locked, run, reproduced, reported (report.html, dashboard/index.html), checked out, and run again in a container image; its seed-0 model was checked out in a second clone; provenance is in refs/notes/recipes\n' "$demo"
