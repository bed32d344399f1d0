#!/usr/bin/env python3
"""git-recipe's benchmark suite: DESIGN §7's budgets, measured against baselines.

Generates the reference repository (20 recipes, 10,000 tracked files, 20,000 data files
totalling 2 GiB, one 1 GiB file; --scale shrinks every count and size) in a temporary
directory, times each case several times, and prints a table of medians and ratios
against the baseline tool on the same bytes.

    make bench                      # full scale, 5 runs each
    benchmarks/bench.py --scale 0.05 --runs 3
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MIB = 1 << 20


def sh(*args, cwd=None, env=None, capture=False):
    return subprocess.run(args, cwd=cwd, env=env, check=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                          stderr=subprocess.PIPE if capture else None, text=True)


def write_random(path, size, rng):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        remaining = size
        while remaining:
            chunk = min(remaining, 4 * MIB)
            handle.write(rng.randbytes(chunk))
            remaining -= chunk


def generate(root, scale):
    """The reference repository of DESIGN §7, every count and size multiplied by scale."""
    rng = random.Random(7)
    recipes = 20
    tracked = max(recipes, int(10_000 * scale))
    data_files = max(recipes, int(20_000 * scale))
    data_bytes = int(2 * 1024 * MIB * scale)
    big = int(1024 * MIB * scale)
    sh("git", "init", "-q", "-b", "main", cwd=root)
    for key, value in [("user.email", "bench@example.org"), ("user.name", "bench"), ("commit.gpgsign", "false")]:
        sh("git", "config", key, value, cwd=root)
    with open(os.path.join(root, ".gitignore"), "w") as handle:
        handle.write("data/\nmodels/\n")
    with open(os.path.join(root, "README.md"), "w") as handle:
        handle.write("# reference repository\n")
    for index in range(tracked):
        path = os.path.join(root, "src", f"pkg{index % recipes}", f"module{index}.py")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(f"# module {index}\nVALUE = {index}\n" + "x = 1\n" * (index % 50))
    for index in range(data_files):
        write_random(os.path.join(root, "data", f"shard{index % recipes}", f"part{index}.bin"), data_bytes // data_files, rng)
    write_random(os.path.join(root, "data", "big.bin"), big, rng)
    os.makedirs(os.path.join(root, ".recipes"), exist_ok=True)
    for index in range(recipes):
        extra = ", data/big.bin" if index == 0 else ""
        with open(os.path.join(root, ".recipes", f"r{index:02}.yaml"), "w") as handle:
            handle.write(f"""version: 1
seed: {index}
params: {{lr: 0.01}}
steps:
  train:
    run: python3 -c pass
    inputs: [src/pkg{index}/, data/shard{index}/{extra}]
    outputs: [models/r{index}.bin]
""")
    sh("git", "add", "-A", cwd=root)
    sh("git", "commit", "-q", "-m", "reference repository", cwd=root)
    return {"tracked files": tracked, "data files": data_files + 1, "data bytes": data_bytes + big}


def generate_many(root, count):
    """One recipe whose input is a directory of `count` small files: for peak memory."""
    sh("git", "init", "-q", "-b", "main", cwd=root)
    os.makedirs(os.path.join(root, ".recipes"))
    with open(os.path.join(root, ".recipes", "many.yaml"), "w") as handle:
        handle.write("version: 1\nseed: 1\nsteps:\n  s: {run: 'true', inputs: [data/]}\n")
    for index in range(count):
        path = os.path.join(root, "data", f"d{index // 1000}", f"f{index}")
        if index % 1000 == 0:
            os.makedirs(os.path.dirname(path))
        with open(path, "w") as handle:
            handle.write(str(index))


def generate_trivial(root):
    """A committed, locked repository whose one recipe runs `true`: for run overhead."""
    sh("git", "init", "-q", "-b", "main", cwd=root)
    for key, value in [("user.email", "bench@example.org"), ("user.name", "bench"), ("commit.gpgsign", "false")]:
        sh("git", "config", key, value, cwd=root)
    os.makedirs(os.path.join(root, ".recipes"))
    with open(os.path.join(root, ".recipes", "noop.yaml"), "w") as handle:
        handle.write("version: 1\nseed: 1\nsteps:\n  s: {run: 'true'}\n")


def timed(command, cwd, runs, before=None):
    samples = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, shell=isinstance(command, str))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def peak_rss_mib(command, cwd):
    result = subprocess.run(["/usr/bin/time", "-v"] + command, cwd=cwd, check=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in result.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) / 1024
    raise RuntimeError("no peak memory in /usr/bin/time output")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count and size (default 1.0)")
    parser.add_argument("--runs", type=int, default=5, help="runs per case; the median is reported (default 5)")
    parser.add_argument("--binary", default=shutil.which("git-recipe"), help="git-recipe to measure (default: from PATH)")
    parser.add_argument("--many", type=int, default=100_000, help="files for the peak-memory case (default 100000)")
    args = parser.parse_args()
    if not args.binary:
        sys.exit("error: no git-recipe on PATH; run: make install, or pass --binary")
    binary = os.path.abspath(args.binary)
    # Hooks call `git recipe` from PATH: make that the binary being measured.
    os.environ["PATH"] = os.path.dirname(binary) + os.pathsep + os.environ.get("PATH", "")
    work = tempfile.mkdtemp(prefix="git-recipe-bench-")
    rows = []
    try:
        reference = os.path.join(work, "reference")
        os.makedirs(reference)
        started = time.perf_counter()
        facts = generate(reference, args.scale)
        print(f"reference repository: {facts['tracked files']} tracked files, {facts['data files']} data files, "
              f"{facts['data bytes'] / MIB:.0f} MiB of data (generated in {time.perf_counter() - started:.1f} s)", file=sys.stderr)
        sh(binary, "lock", cwd=reference)
        cache = os.path.join(reference, ".git", "recipes", "hash-cache")

        def drop_cache():
            if os.path.exists(cache):
                os.remove(cache)

        # Both sides read the same files from a warm page cache, with both cores busy.
        hashed = "find src data -type f -print0 | xargs -0 -P2 -n 256 openssl dgst -sha256 > /dev/null"
        timed(hashed, reference, 1)
        openssl = timed(hashed, reference, args.runs)
        cold = timed([binary, "lock", "--check"], reference, args.runs, before=drop_cache)
        rows.append(("lock --check, cold hash cache", cold, "openssl dgst -sha256, 2 processes", openssl, cold / openssl, "≤ 1.2× openssl", cold / openssl <= 1.2))
        sh(binary, "lock", "--check", cwd=reference)
        time.sleep(2.1)  # let every file leave the racy window, so the cache holds them all
        sh(binary, "lock", "--check", cwd=reference)
        warm = timed([binary, "lock", "--check"], reference, args.runs)
        rows.append(("lock --check, warm hash cache", warm, "", None, None, "≤ 100 ms", warm <= 0.100))

        # git commit through the pre-commit hook vs with no hook, on the reference repository.
        sh("git", "add", "-A", cwd=reference)
        sh("git", "commit", "-q", "-m", "locks", cwd=reference)
        counter = [0]

        def stage(path, relock=False):
            def prepare():
                counter[0] += 1
                with open(os.path.join(reference, path), "a") as handle:
                    handle.write(f"# edit {counter[0]}\n")
                if relock:
                    sh(binary, "lock", "r00", cwd=reference)
                    sh("git", "add", ".recipes/r00.lock", cwd=reference)
                sh("git", "add", path, cwd=reference)
            return prepare

        commit = ["git", "commit", "-q", "--allow-empty", "-m", "bench"]
        plain = timed(commit + ["--no-verify"], reference, args.runs * 4, before=stage("README.md"))
        sh(binary, "hook", "install", cwd=reference)
        unrelated = timed(commit, reference, args.runs * 4, before=stage("README.md"))
        rows.append(("git commit with the hook, nothing relevant staged, above no hook", unrelated - plain, "git commit --no-verify", plain, None, "≤ 15 ms", unrelated - plain <= 0.015))
        relevant = timed(commit, reference, args.runs * 2, before=stage("src/pkg0/module0.py", relock=True))
        rows.append(("git commit with the hook, one input and its lock staged, above no hook", relevant - plain, "git commit --no-verify", plain, None, "≤ 50 ms + hashing", relevant - plain <= 0.050))

        trivial = os.path.join(work, "trivial")
        os.makedirs(trivial)
        generate_trivial(trivial)
        sh(binary, "lock", cwd=trivial)
        sh("git", "add", "-A", cwd=trivial)
        sh("git", "commit", "-q", "-m", "noop recipe", cwd=trivial)
        timed([binary, "run", "noop"], trivial, 1)
        shell = timed(["sh", "-c", "true"], trivial, args.runs * 4)
        run = timed([binary, "run", "noop"], trivial, args.runs * 4)
        rows.append(("run of a one-step `true` recipe, above sh -c true", run - shell, "sh -c true", shell, None, "≤ 50 ms", run - shell <= 0.050))
        concurrent = timed(f"for i in $(seq 20); do {binary} run noop > /dev/null 2>&1 & done; wait", trivial, args.runs)
        notes = sh("git", "notes", "--ref=recipes", "show", "HEAD", cwd=trivial, capture=True).stdout.count("schema: git-recipe/run/v1")
        rows.append((f"20 concurrent runs, total ({notes} recorded in all)", concurrent, "", None, None, "", True))

        many = os.path.join(work, "many")
        os.makedirs(many)
        generate_many(many, args.many)
        peak = peak_rss_mib([binary, "lock"], many)
        rows.append((f"peak memory, lock of {args.many} files", peak, "", None, None, "≤ 100 MiB", peak <= 100))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\ngit-recipe benchmarks (scale {args.scale}, median of {args.runs} runs)\n")
    print("| case | git-recipe | baseline | baseline median | ratio | budget | within |")
    print("|---|---|---|---|---|---|---|")
    for name, value, baseline, base, ratio, budget, ok in rows:
        shown = f"{value:.1f} MiB" if "memory" in name else f"{value * 1000:.0f} ms"
        budget = budget or "(no budget)"
        base_shown = f"{base * 1000:.0f} ms" if base is not None else ""
        ratio_shown = f"{ratio:.2f}×" if ratio is not None else ""
        print(f"| {name} | {shown} | {baseline} | {base_shown} | {ratio_shown} | {budget} | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    main()
