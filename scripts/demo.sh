#!/usr/bin/env bash
# The demo: a fresh repository in a temporary directory, scaffolded from the minimal
# template, committed and validated with the installed git-recipe.
set -euo pipefail

demo=$(mktemp -d "${TMPDIR:-/tmp}/git-recipe-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
cd "$demo"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

git init -q -b main
git config user.email "demo@example.org"
git config user.name "git-recipe demo"
git config commit.gpgsign false

step git recipe --version
step git recipe init --template minimal
step git add -A
step git commit -q -m "Add the minimal recipe"
step git recipe validate
step git config --get notes.recipes.mergeStrategy
printf '\ndemo ok: %s was scaffolded, committed and validated\n' "$demo"
