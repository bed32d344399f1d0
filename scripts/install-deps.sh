#!/usr/bin/env bash
# Installs the Debian packages git-recipe builds and tests with, if any is missing.
set -euo pipefail

# slurmctld, slurmd, slurm-client and munge: the tests run the slurm executor against a
# single-node cluster on this machine (scripts/slurm-local).
# libxml2: the report tests read the HTML report back with FoundationXML.
# procps: tests look for leftover processes (pgrep); minimal Debian images lack it.
# curl carries s3:// store requests; openssh-client and rsync ssh:// ones; openssh-server
# runs the ssh store tests' sshd on 127.0.0.1 (scripts/sshd-local).
# chromium (and a font for it): the dashboard and HTML report tests load the pages headless.
# xfsprogs: the store test makes an XFS file system with reflink on a loop device.
# strace: git recipe trace runs steps under it.
# podman (with runc, and catatonit for --init): steps in container images; bubblewrap:
# sandboxed steps (scripts/containers-local sets podman up for the tests).
# gnupg: git recipe sign with an OpenPGP key (openssh-client's ssh-keygen signs with SSH keys).
# python3-yaml and python-is-python3: the params-file and import tests run DVC-style projects, whose
# commands say `python` and read params.yaml with PyYAML.
packages=(libgit2-dev pkg-config git python3 man-db curl openssl time libxml2 procps slurmctld slurmd slurm-client munge
    openssh-server openssh-client rsync chromium fonts-dejavu-core xfsprogs strace podman runc catatonit bubblewrap gnupg python3-yaml python-is-python3)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: missing Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The docker engine's tests drive the real docker CLI against podman's Docker-compatible API
# (scripts/containers-local); Debian ships that CLI only with its daemon, which stays stopped.
if ! command -v docker >/dev/null && [ "$(id -u)" -eq 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io; } ||
        echo "warning: could not install docker.io; the docker engine's tests will fail" >&2
fi

# moto's S3 server (PyPI; Debian ships no S3-compatible server): the s3:// store tests run
# against it (scripts/s3-local). Without pip, those tests say why they are skipped.
if ! python3 -c 'import moto.server' 2>/dev/null && python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install -q --disable-pip-version-check --break-system-packages 'moto[server]' ||
        echo "warning: could not install moto[server]; the s3:// store tests will be skipped" >&2
fi

# The standards' own validators (PyPI): the export tests check every format with them
# (scripts/check-export): in-toto-attestation, prov, rocrate-validator (roc-validator on
# PyPI) with ro-crate-py and runcrate, openlineage-python.
if ! python3 -c 'import in_toto_attestation, prov, rocrate_validator, runcrate, openlineage.client' 2>/dev/null &&
    python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install -q --disable-pip-version-check --break-system-packages -r "$(dirname "$0")/export-validators.txt" ||
        echo "warning: could not install the export validators; the export tests will fail" >&2
fi

# The experiment trackers (PyPI): the tracker tests run an MLflow tracking server
# (scripts/mlflow-local) and W&B in offline mode. Without them, those tests say why they are skipped.
if ! python3 -c 'import mlflow, wandb' 2>/dev/null && python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install -q --disable-pip-version-check --break-system-packages mlflow wandb ||
        echo "warning: could not install mlflow and wandb; the tracker tests will be skipped" >&2
fi
