#!/usr/bin/env bash
# Installs the Debian packages git-recipe builds and tests with, if any is missing.
set -euo pipefail

# slurmctld, slurmd, slurm-client and munge: the tests run the slurm executor against a
# single-node cluster on this machine (scripts/slurm-local).
# libxml2: the report tests read the HTML report back with FoundationXML.
# procps: tests look for leftover processes (pgrep); minimal Debian images lack it.
packages=(libgit2-dev pkg-config git python3 man-db curl openssl time libxml2 procps slurmctld slurmd slurm-client munge)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
