#!/usr/bin/env python3
"""git-recipe's benchmark suite: the budgets README's Benchmarks section lists, measured against baselines.

Generates the reference repository (20 recipes, 10,000 tracked files, 20,000 data files
totalling 2 GiB, one 1 GiB file; --scale shrinks every count and size) in a temporary
directory, times each case several times, and prints a table of medians and ratios
against the baseline tool on the same bytes.

    make bench                      # full scale, 5 runs each
    benchmarks/bench.py --scale 0.05 --runs 3
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MIB = 1 << 20
PROBE = 'python3 -c "import sklearn; print(sklearn.__version__)"'


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


def init_repository(root):
    """`git init` with an identity and no signing."""
    sh("git", "init", "-q", "-b", "main", cwd=root)
    for key, value in [("user.email", "bench@example.org"), ("user.name", "bench"), ("commit.gpgsign", "false")]:
        sh("git", "config", key, value, cwd=root)


def generate(root, scale):
    """The reference repository (README, Benchmarks), every count and size multiplied by scale."""
    rng = random.Random(7)
    recipes = 20
    tracked = max(recipes, int(10_000 * scale))
    data_files = max(recipes, int(20_000 * scale))
    data_bytes = int(2 * 1024 * MIB * scale)
    big = int(1024 * MIB * scale)
    init_repository(root)
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
        probes = f"environment:\n  probes: {{sklearn: '{PROBE}'}}\n" if index == 0 else ""
        with open(os.path.join(root, ".recipes", f"r{index:02}.yaml"), "w") as handle:
            handle.write(f"""version: 1
seed: {index}
params: {{lr: 0.01}}
{probes}steps:
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


GET_STARTED = {
    "prepare.py": """import sys
import pandas as pd
frame = pd.read_csv("data/raw.csv")
test = frame.sample(frac=0.2, random_state=int(sys.argv[1]))
train = frame.drop(test.index)
train.to_csv("data/prepared/train.csv", index=False)
test.to_csv("data/prepared/test.csv", index=False)
""",
    "featurize.py": """import pandas as pd
train = pd.read_csv("data/prepared/train.csv")
test = pd.read_csv("data/prepared/test.csv")
columns = [c for c in train.columns if c != "label"]
mean, std = train[columns].mean(), train[columns].std()
for name, frame in [("train", train), ("test", test)]:
    frame[columns] = (frame[columns] - mean) / std
    frame.to_csv(f"data/features/{name}.csv", index=False)
""",
    "train.py": """import pickle, sys
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
train = pd.read_csv("data/features/train.csv")
model = RandomForestClassifier(n_estimators=int(sys.argv[2]), random_state=int(sys.argv[1]), n_jobs=1)
model.fit(train.drop(columns="label"), train["label"])
with open("models/model.pkl", "wb") as handle:
    pickle.dump(model, handle)
""",
    "evaluate.py": """import json, pickle
import pandas as pd
from sklearn.metrics import accuracy_score
test = pd.read_csv("data/features/test.csv")
with open("models/model.pkl", "rb") as handle:
    model = pickle.load(handle)
accuracy = accuracy_score(test["label"], model.predict(test.drop(columns="label")))
with open("metrics/eval.json", "w") as handle:
    json.dump({"accuracy": accuracy}, handle)
""",
}

GET_STARTED_STEPS = [
    ("prepare", "mkdir -p data/prepared && python3 prepare.py 42", "[prepare.py, data/raw.csv]", "[data/prepared/]", ""),
    ("featurize", "mkdir -p data/features && python3 featurize.py", "[featurize.py, data/prepared/]", "[data/features/]", ""),
    ("train", "mkdir -p models && python3 train.py 42 50", "[train.py, data/features/]", "[models/model.pkl]", ""),
    ("evaluate", "mkdir -p metrics && python3 evaluate.py", "[evaluate.py, models/model.pkl, data/features/]", "[metrics/eval.json]", "\n    metrics: [metrics/eval.json]"),
]


def generate_get_started(root, rows):
    """DVC's get-started pipeline in shape: four Python steps (pandas, scikit-learn) over
    generated tabular data, with the probes a careful user pins."""
    rng = random.Random(11)
    init_repository(root)
    with open(os.path.join(root, ".gitignore"), "w") as handle:
        handle.write("data/\nmodels/\nmetrics/\n")
    for name, text in GET_STARTED.items():
        with open(os.path.join(root, name), "w") as handle:
            handle.write(text)
    os.makedirs(os.path.join(root, "data"))
    with open(os.path.join(root, "data", "raw.csv"), "w") as handle:
        handle.write(",".join(f"f{i}" for i in range(8)) + ",label\n")
        for _ in range(rows):
            values = [rng.gauss(0, 1) for _ in range(8)]
            handle.write(",".join(f"{v:.5f}" for v in values) + f",{int(values[0] + values[1] > 0)}\n")
    steps = "".join(f"  {name}:\n    run: {run}\n    inputs: {inputs}\n    outputs: {outputs}{metrics}\n"
                    for name, run, inputs, outputs, metrics in GET_STARTED_STEPS)
    os.makedirs(os.path.join(root, ".recipes"))
    with open(os.path.join(root, ".recipes", "pipeline.yaml"), "w") as handle:
        handle.write(f"""version: 1
seed: 42
environment:
  probes:
    python: python3 --version
    sklearn: python3 -c "import sklearn; print(sklearn.__version__)"
    pandas: python3 -c "import pandas; print(pandas.__version__)"
steps:
{steps}""")
    return " && ".join(run for _, run, _, _, _ in GET_STARTED_STEPS)


def generate_outputs(root, files, total):
    """A committed, locked repository whose one recipe writes `files` random files of
    `total` bytes in all into out/data/: the bytes the store cases move."""
    init_repository(root)
    with open(os.path.join(root, ".gitignore"), "w") as handle:
        handle.write("out/\n")
    with open(os.path.join(root, "make_data.py"), "w") as handle:
        handle.write(f"import os\nos.makedirs('out/data', exist_ok=True)\nfor i in range({files}):\n"
                     f"    open(f'out/data/part-{{i:04d}}.bin', 'wb').write(os.urandom({total // files}))\n")
    os.makedirs(os.path.join(root, ".recipes"))
    with open(os.path.join(root, ".recipes", "data.yaml"), "w") as handle:
        handle.write("version: 1\nseed: 1\nsteps:\n  make:\n    run: python3 make_data.py\n"
                     "    inputs: [make_data.py]\n    outputs: [out/data/]\n")


def transfer_cases(work, binary, total, runs):
    """push/pull --artifacts to a file:// and an ssh:// store against rsync of the same bytes,
    and DVC's push/pull to a local remote on the same files, as interleaved pairs."""
    rows = []
    files = 1000
    root = os.path.join(work, "outputs")
    os.makedirs(root)
    generate_outputs(root, files, total)
    sh(binary, "lock", cwd=root)
    sh("git", "add", "-A", cwd=root)
    sh("git", "commit", "-q", "-m", "data recipe", cwd=root)
    sh(binary, "run", "data", "--no-cache", cwd=root)
    objects = os.path.join(root, ".git", "recipes", "objects")
    label = f"{files} files, {total / MIB:.0f} MiB"

    stores = [("file", f"file://{work}/store-file", f"{work}/store-file", [])]
    exports = local_service("sshd-local")
    if exports:
        ssh = exports["GIT_SSH_COMMAND"].strip("'")
        os.environ["GIT_SSH_COMMAND"] = ssh
        port = exports["SSHD_LOCAL_URL"].rsplit(":", 1)[1]
        stores.append(("ssh", f"{exports['SSHD_LOCAL_URL']}{work}/store-ssh", f"{work}/store-ssh",
                       ["-e", f"{ssh} -p {port}", "--rsync-path", f"mkdir -p {work}/rsync-ssh && rsync"]))
    for name, url, path, rsync_options in stores:
        sh("git", "config", f"recipe.store.{name}.url", url, cwd=root)
        destination = f"root@127.0.0.1:{work}/rsync-ssh/" if name == "ssh" else f"{work}/rsync-file/"
        source = f"root@127.0.0.1:{path}/" if name == "ssh" else f"{path}/"
        pushes, pulls = [], []
        for index in range(runs):
            shutil.rmtree(path, ignore_errors=True)
            shutil.rmtree(destination.split(":")[-1], ignore_errors=True)
            pushes.append(transfer_pair(index, ["rsync", "-a"] + rsync_options + ["out/data/", destination],
                                        [binary, "push", "--artifacts", name], root))
            shutil.rmtree(objects)
            shutil.rmtree(f"{work}/rsync-back", ignore_errors=True)
            pulls.append(transfer_pair(index, ["rsync", "-a"] + rsync_options[:2] + [source, f"{work}/rsync-back/"],
                                       [binary, "pull", "--artifacts", name], root))
        for verb, pairs in [("push", pushes), ("pull", pulls)]:
            ratio = statistics.median(ours / base for base, ours in pairs)
            rows.append((f"{verb}_{name}", f"{verb} --artifacts to a {name}:// store, {label}", statistics.median(o for _, o in pairs),
                         f"rsync -a{' over ssh' if name == 'ssh' else ''}", statistics.median(b for b, _ in pairs), ratio,
                         "≥ 0.8× rsync's speed (≤ 1.25× its time)", ratio <= 1.25))

    if shutil.which("dvc"):
        dvc = os.path.join(work, "dvc")
        os.makedirs(dvc)
        sh("git", "init", "-q", cwd=dvc)
        sh("dvc", "init", "-q", cwd=dvc)
        shutil.copytree(os.path.join(root, "out", "data"), os.path.join(dvc, "data"))
        sh("dvc", "add", "-q", "data", cwd=dvc)
        sh("dvc", "remote", "add", "-d", "local", f"{work}/dvc-remote", cwd=dvc)
        for verb in ["push", "pull"]:
            pairs = []
            for _ in range(runs):
                shutil.rmtree(f"{work}/store-file", ignore_errors=True)
                if verb == "push":
                    shutil.rmtree(f"{work}/dvc-remote", ignore_errors=True)
                else:
                    shutil.rmtree(os.path.join(dvc, ".dvc", "cache"), ignore_errors=True)
                    shutil.rmtree(os.path.join(dvc, "data"), ignore_errors=True)
                    sh(binary, "push", "--artifacts", "file", cwd=root)
                    shutil.rmtree(objects)
                # dvc pull also checks the data out; so does ours, into a work tree without it.
                ours = (f"{binary} push --artifacts file" if verb == "push"
                        else f"rm -rf out && {binary} pull --artifacts file && {binary} checkout HEAD")
                pairs.append((timed(["dvc", verb, "-q"], dvc, 1), timed(ours, root, 1)))
            ratio = statistics.median(ours / base for base, ours in pairs)
            rows.append((f"{verb}_file_vs_dvc", f"{verb} --artifacts to a file:// store{'' if verb == 'push' else ', then checkout'}, {label}",
                         statistics.median(o for _, o in pairs),
                         f"dvc {verb} to a local remote", statistics.median(b for b, _ in pairs), ratio, "(no budget)", True))
    else:
        print("note: the DVC baselines are skipped: no dvc on PATH (python3 -m pip install dvc)", file=sys.stderr)
    return rows


def transfer_pair(index, baseline, command, cwd):
    """`baseline`'s and `command`'s times for moving a gigabyte: each starts with nothing
    waiting to be written (os.sync), and they take turns going first. Otherwise the page
    cache writes back the gigabyte one command left during the next, and the one that always
    goes second always pays for the other's: on this 2-core VM the ssh:// pull measured
    1.32-1.69x rsync that way and 1.15-1.20x with both measures."""
    if index % 2:
        ours = timed(command, cwd, 1, os.sync)
        return timed(baseline, cwd, 1, os.sync), ours
    return timed(baseline, cwd, 1, os.sync), timed(command, cwd, 1, os.sync)


def committed_recipe(root, binary, recipe, files=None):
    """A new repository at `root` whose recipe `r` is `recipe`, with `files` (path → text)
    and out/ ignored, locked and committed."""
    os.makedirs(os.path.join(root, ".recipes"))
    init_repository(root)
    for path, text in dict(files or {}, **{".gitignore": "out/\n", ".recipes/r.yaml": recipe}).items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w") as handle:
            handle.write(text)
    sh(binary, "lock", cwd=root)
    sh("git", "add", "-A", cwd=root)
    sh("git", "commit", "-q", "-m", "recipe r", cwd=root)
    return root


def local_service(name):
    """The exports of `scripts/NAME start`, or None (with a note) when it cannot start here."""
    started = subprocess.run([os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", name), "start"],
                             capture_output=True, text=True)
    if started.returncode != 0:
        print(f"note: scripts/{name} start failed, its cases are skipped: {started.stderr.strip()}", file=sys.stderr)
        return None
    return dict(line[len("export "):].split("=", 1) for line in started.stdout.splitlines() if line.startswith("export "))


def isolation_cases(work, binary, runs):
    """A one-step recipe in the example image against `podman run --rm IMAGE CMD` by hand; the
    same step sandboxed against unsandboxed; and `trace` against `run`: interleaved pairs."""
    def project(name, recipe):
        root = committed_recipe(os.path.join(work, name), binary, recipe,
                                {"a.txt": "a\n", "work.py": "print(sum(range(25_000_000)))\n"})
        sh(binary, "run", "r", "--no-cache", cwd=root)
        return root

    rows = []
    step = "  s: {run: 'mkdir -p out && cat a.txt > out/a.txt', inputs: [a.txt], outputs: [out/a.txt]}\n"
    exports = local_service("containers-local")
    if exports:
        os.environ.update(exports)
        image = exports["RECIPE_TEST_IMAGE"]
        # A step that copies a file (the run's fixed cost shows whole), and one that computes
        # for about a second (what the fixed cost is to a step that does some work).
        for key, what, command in [("image_step", "copies a file", "mkdir -p out && cat a.txt > out/a.txt"),
                                   ("image_step_1s", "computes for ≈ 1 s",
                                    "mkdir -p out && python3 work.py > out/a.txt")]:
            root = project(key, f"version: 1\nseed: 1\nenvironment: {{image: {image}}}\nsteps:\n"
                           + step.replace("mkdir -p out && cat a.txt > out/a.txt", command))
            by_hand = ["podman", "run", "--rm", "--network", "none", "--volume", f"{root}:{root}", "--workdir", root, image, "/bin/sh", "-c", command]
            pairs = [(timed(by_hand, root, 1), timed([binary, "run", "r", "--no-cache"], root, 1)) for _ in range(runs * 4)]
            plain, ours = statistics.median(b for b, _ in pairs), statistics.median(o for _, o in pairs)
            ratio = statistics.median(o / b for b, o in pairs)
            rows.append((key, f"run of a one-step recipe in an image (podman); the step {what}", ours, "podman run --rm IMAGE CMD by hand",
                         plain, ratio, "≤ 1.1×", ratio <= 1.1))
    plain_root = project("on-host", f"version: 1\nseed: 1\nsteps:\n{step}")
    sandboxed_root = project("sandboxed", f"version: 1\nseed: 1\nenvironment: {{sandbox: true}}\nsteps:\n{step}")
    pairs = [(timed([binary, "run", "r", "--no-cache"], plain_root, 1), timed([binary, "run", "r", "--no-cache"], sandboxed_root, 1))
             for _ in range(runs * 4)]
    plain, sandboxed = statistics.median(p for p, _ in pairs), statistics.median(s for _, s in pairs)
    rows.append(("sandbox_step", "run of the same step sandboxed, above unsandboxed", sandboxed - plain, "the run unsandboxed", plain, None,
                 "≤ 20 ms", sandboxed - plain <= 0.020))
    run, trace = interleaved([binary, "run", "r", "--no-cache"], f"{binary} trace r > /dev/null 2>&1", plain_root, runs)
    rows.append(("trace", "trace of the one-step recipe (scratch worktree + strace)", trace, "its run", run, trace / run, "(no budget)", True))
    return rows


def parallel_cases(work, binary, runs):
    """A diamond of 1 s steps against its critical path (3 s), and a sweep of 8 seeds of a
    1 s single-core step with -j 2 against the ideal 4 s."""
    rows = []
    sleep = "sleep 1"
    diamond = ("version: 1\nseed: 1\nsteps:\n"
               f"  a: {{run: \"{sleep} && mkdir -p out && echo a > out/a.txt\", outputs: [out/a.txt]}}\n"
               f"  b: {{run: \"{sleep} && echo b > out/b.txt\", inputs: [out/a.txt], outputs: [out/b.txt]}}\n"
               f"  c: {{run: \"{sleep} && echo c > out/c.txt\", inputs: [out/a.txt], outputs: [out/c.txt]}}\n"
               f"  d: {{run: \"{sleep} && cat out/b.txt out/c.txt > out/d.txt\", inputs: [out/b.txt, out/c.txt], outputs: [out/d.txt]}}\n")
    sweep = ("version: 1\nseed: 1\nsteps:\n"
             f"  s: {{run: \"mkdir -p out && {sleep} && echo $RECIPE_SEED > out/s.txt\", outputs: [out/s.txt]}}\n")
    for key, name, recipe, arguments, ideal, budget in [
        ("diamond", "diamond of four 1 s steps, -j 2", diamond, ["-j", "2"], 3.0, 1.1),
        ("sweep_8", "sweep of 8 seeds of a 1 s single-core step, -j 2", sweep, ["--seeds", "0..7", "-j", "2"], 4.0, 1.15),
    ]:
        root = committed_recipe(os.path.join(work, key), binary, recipe)
        took = timed([binary, "run", "r", "--no-cache"] + arguments, root, runs)
        rows.append((key, name, took, "the ideal (critical path, or seeds × 1 s / 2 cores)", ideal, took / ideal, f"≤ {budget}×", took / ideal <= budget))
    queued = dvc_queue_sweep(work, sleep)
    if queued:
        took = rows[-1][2]
        rows.append(("sweep_8_vs_dvc", "the same sweep (8 seeds, -j 2)", took, "dvc exp run --queue × 8, then dvc queue start -j 2 until done",
                     queued, took / queued, "(no budget)", True))
    return rows


def dvc_queue_sweep(work, sleep):
    """DVC's way to run a sweep in parallel, on the same 1 s step as a DVC stage with `seed`
    in params.yaml: queue 8 experiments (`dvc exp run --queue -S seed=N`), then `dvc queue
    start -j 2` and wait until none is queued or running — what a user waits for, once (it
    takes tens of seconds). None without dvc."""
    if not shutil.which("dvc"):
        print("note: the dvc queue baseline is skipped: no dvc on PATH (python3 -m pip install dvc)", file=sys.stderr)
        return None
    root = os.path.join(work, "sweep-dvc")
    os.makedirs(root)
    init_repository(root)
    sh("dvc", "init", "-q", cwd=root)
    with open(os.path.join(root, "params.yaml"), "w") as handle:
        handle.write("seed: 0\n")
    with open(os.path.join(root, "dvc.yaml"), "w") as handle:
        handle.write(f"stages:\n  s:\n    cmd: mkdir -p out && {sleep} && echo ${{seed}} > out/s.txt\n    params: [seed]\n    outs: [out/s.txt]\n")
    sh("git", "add", "-A", cwd=root)
    sh("git", "commit", "-q", "-m", "sweep stage", cwd=root)
    start = time.perf_counter()
    for seed in range(8):
        sh("dvc", "exp", "run", "--queue", "-q", "-S", f"seed={seed}", cwd=root)
    sh("dvc", "queue", "start", "-j", "2", cwd=root, capture=True)
    while re.search(r"Queued|Running", sh("dvc", "queue", "status", cwd=root, capture=True).stdout):
        time.sleep(0.2)
    took = time.perf_counter() - start
    done = sh("dvc", "queue", "status", cwd=root, capture=True).stdout.count("Success")
    assert done == 8, f"dvc ran {done} of 8 queued experiments"
    return took


def snapshot_cases(work, binary, runs, files=10_000, changed=10):
    """`run --snapshot` on a tree of `files` tracked files with `changed` of them edited (one
    the step reads), against a plain run of the committed tree (its overhead) and against
    `dvc exp run` on the same change in the same files (skipped without dvc)."""
    step = "mkdir -p out && cat src/f00000.txt > out/copy.txt"
    tree = {f"src/f{index:05d}.txt": f"file {index}\n" for index in range(files)}
    root = committed_recipe(os.path.join(work, "snapshot"), binary,
                            f"version: 1\nseed: 1\nsteps:\n  s: {{run: '{step}', inputs: [src/f00000.txt], outputs: [out/copy.txt]}}\n",
                            tree)
    rounds = iter(range(1_000_000))

    def edit(directory):
        round = next(rounds)
        for index in range(changed):
            with open(os.path.join(directory, f"src/f{index * (files // changed):05d}.txt"), "w") as handle:
                handle.write(f"edit {round}\n")

    def clean():
        sh("git", "checkout", "-q", "--", ".", cwd=root)

    pairs = []
    for _ in range(runs):
        clean()
        plain = timed([binary, "run", "r", "--no-cache"], root, 1)
        edit(root)
        pairs.append((plain, timed([binary, "run", "r", "--no-cache", "--snapshot"], root, 1)))
    clean()
    plain, snapshot = statistics.median(p for p, _ in pairs), statistics.median(s for _, s in pairs)
    rows = [("snapshot_run", f"run --snapshot, {changed} of {files} tracked files changed, above a plain run", snapshot - plain,
             "the plain run", plain, snapshot / plain, "(no budget)", True)]
    if not shutil.which("dvc"):
        print("note: the dvc exp run baseline is skipped: no dvc on PATH (python3 -m pip install dvc)", file=sys.stderr)
        return rows
    dvc = os.path.join(work, "snapshot-dvc")
    os.makedirs(os.path.join(dvc, "src"))
    init_repository(dvc)
    for path, text in dict(tree, **{".gitignore": "out/\n"}).items():
        with open(os.path.join(dvc, path), "w") as handle:
            handle.write(text)
    sh("dvc", "init", "-q", cwd=dvc)
    with open(os.path.join(dvc, "dvc.yaml"), "w") as handle:
        handle.write(f"stages:\n  s:\n    cmd: {step}\n    deps: [src/f00000.txt]\n    outs: [out/copy.txt]\n")
    sh("git", "add", "-A", cwd=dvc)
    sh("git", "commit", "-q", "-m", "pipeline", cwd=dvc)
    sh("dvc", "repro", "-q", cwd=dvc)
    sh("git", "add", "-A", cwd=dvc)
    sh("git", "commit", "-q", "-m", "lock", cwd=dvc)
    pairs = []
    for _ in range(runs):
        edit(dvc)
        exp = timed(["dvc", "exp", "run", "-q"], dvc, 1)
        sh("git", "checkout", "-q", "--", ".", cwd=dvc)
        edit(root)
        pairs.append((exp, timed([binary, "run", "r", "--no-cache", "--snapshot"], root, 1)))
        clean()
    exp, snapshot = statistics.median(e for e, _ in pairs), statistics.median(s for _, s in pairs)
    rows.append(("snapshot_vs_dvc_exp", f"run --snapshot, {changed} of {files} tracked files changed", snapshot, "dvc exp run on the same change",
                 exp, snapshot / exp, "(no budget)", True))
    return rows


def contract_cases(work, binary, runs, mib=200):
    """The CSV contract's throughput: a one-step recipe that copies a `mib` MiB CSV, with a
    contract on the copy against without (the difference is the check), against pandas'
    read_csv of the same file (skipped without pandas)."""
    rng = random.Random(7)
    rows = ["id,label,score,text"]
    size = len(rows[0]) + 1
    while size < mib * MIB:
        row = f"{len(rows)},{rng.randint(0, 1)},{rng.random():.6f},\"word {rng.randint(0, 99999)}, more words\""
        rows.append(row)
        size += len(row) + 1
    csv = "\n".join(rows) + "\n"
    step = "  s:\n    run: cp out/source.csv out/big.csv\n    inputs: [out/source.csv]\n    outputs: [out/big.csv]\n"
    contract = "    contracts: {out/big.csv: {format: csv, columns: {id: int, label: int, score: float, text: string}}}\n"
    roots = []
    for name, extra in [("contract-off", ""), ("contract-on", contract)]:
        root = os.path.join(work, name)
        os.makedirs(os.path.join(root, "out"))
        with open(os.path.join(root, "out", "source.csv"), "w") as handle:
            handle.write(csv)
        roots.append(committed_recipe(root, binary, "version: 1\nseed: 1\nsteps:\n" + step + extra))
    pairs = [(timed([binary, "run", "r", "--no-cache"], roots[0], 1), timed([binary, "run", "r", "--no-cache"], roots[1], 1)) for _ in range(runs)]
    check = statistics.median(on - off for off, on in pairs)
    throughput = len(csv) / MIB / check
    result = [("contract_csv", f"CSV contract check of a {len(csv) // MIB} MiB file (4 typed columns), MiB/s", throughput, "", None, None,
               "≥ 190 MiB/s (200 MB/s)", throughput >= 200e6 / MIB)]
    try:
        import pandas  # noqa: F401
    except ImportError:
        print("note: the pandas baseline of the CSV contract is skipped: no pandas", file=sys.stderr)
        return result
    read = timed(["python3", "-c", "import pandas; pandas.read_csv('out/source.csv')"], roots[0], runs)
    result.append(("contract_csv_vs_pandas", f"CSV contract check of a {len(csv) // MIB} MiB file", check, "pandas.read_csv of the file (process included)",
                   read, check / read, "(no budget)", True))
    return result


def pinned_components_case(work, binary, runs, count=20):
    """`validate` (warm) of a recipe whose `count` steps each use a different component of a
    source pinned by commit and fetched, against the same recipe with the same components
    in the repository itself: what reading them from the commit's tree costs."""
    def component(index):
        return (f"version: 1\ndescription: step {index}\ninputs:\n  table: {{kind: file, format: csv, columns: {{label: int}}}}\n"
                f"outputs:\n  out: {{kind: file}}\nparams: {{scale: {index}}}\nfiles: [lib/c{index:02d}.py]\n"
                f"run: python3 {{{{component.dir}}}}/lib/c{index:02d}.py {{{{inputs.table}}}} {{{{outputs.out}}}} {{{{params.scale}}}}\n")
    files = {f".recipes/components/c{index:02d}.yaml": component(index) for index in range(count)}
    files.update({f"lib/c{index:02d}.py": f"print({index})\n" for index in range(count)})
    source = os.path.join(work, "pinned-source")
    os.makedirs(source)
    init_repository(source)
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(source, path)), exist_ok=True)
        with open(os.path.join(source, path), "w") as handle:
            handle.write(text)
    sh("git", "add", "-A", cwd=source)
    sh("git", "commit", "-q", "-m", "components", cwd=source)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, check=True, capture_output=True, text=True).stdout.strip()

    def recipe(prefix):
        steps = "".join(f"  s{index:02d}:\n    uses: {prefix}c{index:02d}\n    with: {{table: data/t.csv, out: out/o{index:02d}.txt}}\n"
                        for index in range(count))
        return "version: 1\nseed: 0\nsteps:\n" + steps

    config = f"version: 1\ncomponents:\n  lab: {{url: {source}, rev: {commit}}}\n"
    pinned = committed_recipe(os.path.join(work, "pinned-project"), binary, recipe("lab/"),
                              {".recipes/config.yaml": config, "data/t.csv": "label\n1\n"})
    local = committed_recipe(os.path.join(work, "local-project"), binary, recipe(""), dict(files, **{"data/t.csv": "label\n1\n"}))
    sh(binary, "validate", cwd=pinned)
    sh(binary, "validate", cwd=local)
    pairs = [(timed([binary, "validate"], local, 1), timed([binary, "validate"], pinned, 1)) for _ in range(runs)]
    baseline, ours = statistics.median(b for b, _ in pairs), statistics.median(o for _, o in pairs)
    return ("validate_pinned", f"validate, {count} steps using {count} components pinned from another repository (warm)", ours,
            f"validate, the same {count} components in the repository", baseline, ours / baseline, "(no budget)", True)


def slurm_cases(work, binary, seeds=20):
    """A sweep of `seeds` seeds of a 3-step chain on the single-node cluster of
    scripts/slurm-local: how long until every job of every run is queued, against a shell loop
    of sbatch calls submitting the same 3 × `seeds` chained jobs; and the whole sweep's wall
    time, against the ideal for the cluster's slots (jobs × the mean job time / slots)."""
    exports = local_service("slurm-local")
    if not exports:
        return []
    environment = dict(os.environ, **exports)
    chain = ("version: 1\nseed: 0\nsteps:\n"
             "  a: {run: 'mkdir -p out && sleep 1 && echo a > out/a.txt', outputs: [out/a.txt]}\n"
             "  b: {run: 'sleep 1 && cat out/a.txt > out/b.txt', inputs: [out/a.txt], outputs: [out/b.txt]}\n"
             "  c: {run: 'sleep 1 && cat out/b.txt > out/c.txt', inputs: [out/b.txt], outputs: [out/c.txt]}\n")
    root = committed_recipe(os.path.join(work, "slurm-sweep"), binary, chain)
    runs_dir = os.path.join(root, ".git", "recipes", "runs")

    def queued():
        count = 0
        for run in os.listdir(runs_dir) if os.path.isdir(runs_dir) else []:
            try:
                with open(os.path.join(runs_dir, run, "slurm-jobs")) as handle:
                    count += sum(1 for line in handle if line.startswith("job "))
            except OSError:
                pass
        return count

    start = time.perf_counter()
    sweep = subprocess.Popen([binary, "run", "r", "--executor", "slurm", "--seeds", f"0..{seeds - 1}", "--no-cache"], cwd=root,
                             env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while queued() < 3 * seeds and sweep.poll() is None:
        time.sleep(0.01)
    submitted = time.perf_counter() - start
    sweep.wait()
    whole = time.perf_counter() - start
    loop = os.path.join(work, "sbatch-loop")
    os.makedirs(loop)
    script = os.path.join(loop, "job.sh")
    with open(script, "w") as handle:
        handle.write("#!/bin/sh\nsleep 1\n")
    shell = ("for i in $(seq %d); do a=$(sbatch --parsable --output=/dev/null %s);"
             " b=$(sbatch --parsable --output=/dev/null --dependency=afterok:$a %s);"
             " sbatch --parsable --output=/dev/null --dependency=afterok:$b %s > /dev/null; done" % (seeds, script, script, script))
    start = time.perf_counter()
    subprocess.run(shell, shell=True, cwd=loop, env=environment, check=True, stdout=subprocess.DEVNULL)
    loop_submitted = time.perf_counter() - start
    subprocess.run(["scancel", "--name=job.sh"], env=environment, check=False)
    slots = os.cpu_count()
    ideal = 3 * seeds * 1.0 / slots
    return [("slurm_submit", f"sweep of {seeds} seeds × 3 chained steps: every job queued", submitted,
             f"shell loop of {3 * seeds} sbatch calls", loop_submitted, submitted / loop_submitted, "≤ 1 s", submitted <= 1.0),
            ("slurm_sweep", f"the same sweep to the last record ({slots} slots)", whole, "jobs × 1 s / slots", ideal, whole / ideal,
             "(no budget)", True)]


def signing_cases(work, binary, runs, count=1000):
    """A run signed as it is recorded (recipe.sign, an ed25519 key through ssh-keygen) against
    the same run unsigned, as interleaved pairs; and verify --signed over `count` signed runs
    against `count` ssh-keygen -Y verify calls one after another (what checking them costs at
    least, on one core)."""
    keys = os.path.join(work, "keys")
    os.makedirs(keys)
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench@example.org", "-f", os.path.join(keys, "id"))
    with open(os.path.join(keys, "id.pub")) as handle:
        public = " ".join(handle.read().split()[:2])
    allowed = os.path.join(keys, "allowed_signers")
    with open(allowed, "w") as handle:
        handle.write(f"bench@example.org {public}\n")
    recipe = "version: 1\nseed: 1\nsteps:\n  s: {run: 'mkdir -p out && echo x > out/x.txt', outputs: [out/x.txt]}\n"
    roots = {}
    for name, sign in [("unsigned", "false"), ("signed", "true")]:
        root = committed_recipe(os.path.join(work, f"sign-{name}"), binary, recipe)
        for key, value in [("gpg.format", "ssh"), ("user.signingKey", os.path.join(keys, "id")),
                           ("gpg.ssh.allowedSignersFile", allowed), ("recipe.sign", sign)]:
            sh("git", "config", key, value, cwd=root)
        roots[name] = root
    run = [binary, "run", "r", "--no-cache"]
    pairs = [(timed(run, roots["unsigned"], 1), timed(run, roots["signed"], 1)) for _ in range(runs * 4)]
    unsigned, signed = statistics.median(u for u, _ in pairs), statistics.median(s for _, s in pairs)
    rows = [("sign_at_record", "run with recipe.sign, above the same run unsigned", signed - unsigned, "the run unsigned", unsigned, None,
             "≤ 30 ms", signed - unsigned <= 0.030)]

    # `count` runs on HEAD: copies of a real record under new ids, in one note, then signed.
    root = roots["unsigned"]
    note = sh("git", "notes", "--ref=recipes", "show", "HEAD", cwd=root, capture=True).stdout
    document = note.split("---\n")[1]
    run_id = document.split("id: ", 1)[1].split("\n", 1)[0].strip('"')
    copies = "".join("---\n" + document.replace(run_id, f"20261201T000000Z-{index:08x}") for index in range(count))
    with open(os.path.join(work, "note"), "w") as handle:
        handle.write(copies)
    sh("git", "notes", "--ref=recipes", "add", "-f", "-F", os.path.join(work, "note"), "HEAD", cwd=root)
    sign_all = timed([binary, "sign", "HEAD"], root, 1)
    verify = timed([binary, "verify", "--signed"], root, runs)
    signature = os.path.join(work, "x.sig")
    sh("sh", "-c", f"echo x | ssh-keygen -Y sign -f {os.path.join(keys, 'id')} -n git-recipe > {signature}", cwd=root)
    loop = (f"for i in $(seq {count}); do echo x | ssh-keygen -Y verify -f {allowed} -I bench@example.org -n git-recipe"
            f" -s {signature} > /dev/null 2>&1; done")
    keygen = timed(loop, root, 1)
    rows.append(("sign_many", f"sign of {count} runs on one commit", sign_all, "", None, None, "(no budget)", True))
    rows.append(("verify_signed", f"verify --signed over {count} signed runs", verify, f"{count} × ssh-keygen -Y verify, one after another",
                 keygen, verify / keygen, "(no budget)", True))
    return rows


def dvc_repro_noop(work, started_dir, runs):
    """`dvc repro` with nothing changed, on the get-started pipeline's own files as four DVC
    stages; None without dvc."""
    if not shutil.which("dvc"):
        print("note: the dvc repro baseline is skipped: no dvc on PATH (python3 -m pip install dvc)", file=sys.stderr)
        return None
    dvc = os.path.join(work, "get-started-dvc")
    shutil.copytree(started_dir, dvc, ignore=shutil.ignore_patterns(".git", ".recipes", "models", "metrics", "prepared", "features"))
    sh("git", "init", "-q", cwd=dvc)
    sh("dvc", "init", "-q", cwd=dvc)
    stages = "".join(f"  {name}:\n    cmd: {run}\n    deps: {inputs}\n    outs: {outputs}\n" for name, run, inputs, outputs, _ in GET_STARTED_STEPS)
    with open(os.path.join(dvc, "dvc.yaml"), "w") as handle:
        handle.write("stages:\n" + stages.replace("/]", "]").replace("/,", ","))
    sh("dvc", "repro", "-q", cwd=dvc)
    return timed(["dvc", "repro", "-q"], dvc, runs)


def generate_trivial(root):
    """A committed, locked repository whose one recipe runs `true`: for run overhead."""
    init_repository(root)
    os.makedirs(os.path.join(root, ".recipes"))
    with open(os.path.join(root, ".recipes", "noop.yaml"), "w") as handle:
        handle.write("version: 1\nseed: 1\nsteps:\n  s: {run: 'true'}\n")


def manifest(run_id, commit, index):
    """A run manifest laid out as git-recipe writes it (about 1.4 KB)."""
    digest = lambda c: "sha256:" + c * 64
    return f"""schema: git-recipe/run/v1
id: "{run_id}"
recipe: r{index % 20:02d}
status: succeeded
commit: "{commit}"
tree: "{'0' * 40}"
lock: {digest('a')}
started: "2026-11-20T10:00:00Z"
finished: "2026-11-20T10:01:05Z"
user:
  name: bench
  email: bench@example.org
seed: {index}
params:
  epochs: 10
  lr: 0.01
overrides: {{}}
executor:
  kind: local
host:
  name: lab-1
  os: Debian GNU/Linux 12 (bookworm)
  kernel: "6.1.0-28-amd64"
  arch: x86_64
  cpu: AMD EPYC
  cores: 2
  memory: 25275990016
  gpus: []
tool:
  version: "0.1.0"
  libgit2: "1.5.1"
environment:
  probes:
    python: Python 3.11.2
  vars:
    PYTHONHASHSEED: "0"
  drift: []
inputs:
  data/: {digest('b')}
  train.py: {digest('c')}
assets: {{}}
steps:
  - name: fit
    command: python3 train.py
    exit: 0
    started: "2026-11-20T10:00:00Z"
    seconds: 65.0
outputs:
  models/model.pkl:
    digest: {digest('d')}
    bytes: 1234
metrics:
  accuracy: 0.{index % 1000:03d}
  loss: 0.25
"""


def import_stream(root, stream):
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=stream.encode(), check=True)


def data(text):
    return f"data {len(text.encode())}\n{text}\n"


def generate_history(root, commits):
    """`commits` commits on main, made with fast-import."""
    init_repository(root)
    stream = []
    for index in range(1, commits + 1):
        stream.append(f"commit refs/heads/main\nmark :{index}\ncommitter bench <bench@example.org> {1_700_000_000 + index} +0000\n"
                      + data(f"commit {index}") + (f"from :{index - 1}\n" if index > 1 else "")
                      + f"M 644 inline file.txt\n" + data(str(index)) + "\n")
    import_stream(root, "".join(stream))
    sh("git", "checkout", "-q", "main", cwd=root)


def record_runs(root, prefix, stamp):
    """One run on every commit of main, written straight into refs/notes/recipes."""
    commits = sh("git", "rev-list", "main", cwd=root, capture=True).stdout.split()
    parent = subprocess.run(["git", "rev-parse", "-q", "--verify", "refs/notes/recipes"], cwd=root,
                            stdout=subprocess.PIPE, text=True).stdout.strip()
    stream = [f"commit refs/notes/recipes\ncommitter bench <bench@example.org> {stamp} +0000\n" + data("runs")]
    if parent:
        stream.append(f"from {parent}\n")
    for index, commit in enumerate(commits):
        stream.append(f"N inline {commit}\n" + data("---\n" + manifest(f"20261120T100000Z-{prefix}{index:07x}", commit, index)))
    import_stream(root, "".join(stream) + "\n")


def timed(command, cwd, runs, before=None):
    samples = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, shell=isinstance(command, str))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def lock_with_inputs(inputs):
    """A lock as git-recipe writes it, pinning `inputs` (path → hex digest), with its digest."""
    body = ("version: 1\nrecipe: sha256:" + "8" * 64 + "\nseed: 7\nparams: {}\nenvironment:\n  files: {}\n  probes: {}\nassets: {}\n"
            + "inputs:\n" + "".join(f"  {path}: sha256:{digest}\n" for path, digest in sorted(inputs.items())))
    return body + "digest: sha256:" + hashlib.sha256(body.encode()).hexdigest() + "\n"


def merge_driver_case(work, binary, runs):
    """The lock merge driver on two 1,000-input locks that changed different inputs, against
    git merge-file (a text merge, which conflicts on the digest line) on the same files."""
    directory = os.path.join(work, "merge")
    os.makedirs(directory)
    base = {f"data/part{index:04d}.csv": hashlib.sha256(str(index).encode()).hexdigest() for index in range(1000)}
    ours, theirs = dict(base), dict(base)
    ours["data/part0001.csv"] = "a" * 64
    theirs["data/part0999.csv"] = "b" * 64
    texts = {"base": lock_with_inputs(base), "ours": lock_with_inputs(ours), "theirs": lock_with_inputs(theirs)}

    def reset():
        for name, text in texts.items():
            with open(os.path.join(directory, name), "w") as handle:
                handle.write(text)

    merge_file = f"git merge-file -q ours base theirs || true"
    driver = [binary, "merge-driver", "base", "ours", "theirs", ".recipes/r.lock"]
    pairs = []
    for _ in range(runs):
        reset()
        plain = timed(merge_file, directory, 1)
        reset()
        pairs.append((plain, timed(driver, directory, 1)))
    reset()
    sh(*driver, cwd=directory)
    with open(os.path.join(directory, "ours")) as handle:
        assert handle.read() == lock_with_inputs(dict(ours, **{"data/part0999.csv": "b" * 64})), "the driver merged both changes"
    plain, ours_time = statistics.median(p for p, _ in pairs), statistics.median(o for _, o in pairs)
    return ("merge_driver", "lock merge driver, two 1,000-input locks changed in different inputs", ours_time,
            "git merge-file (conflicts on the digest line)", plain, ours_time / plain, "(no budget)", True)


def interleaved(baseline, command, cwd, runs):
    """Medians of `baseline` and `command` timed in alternation, so drift in the machine's
    speed falls on both sides alike."""
    pairs = [(timed(baseline, cwd, 1), timed(command, cwd, 1)) for _ in range(runs)]
    return statistics.median(b for b, _ in pairs), statistics.median(c for _, c in pairs)


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
    parser.add_argument("--transfer-mib", type=int, help="MiB the artifact-store cases move, in 1,000 files (default 1024 × scale, at least 32)")
    parser.add_argument("--metrics", help="also write the figures to this JSON file (milliseconds, MiB), as a recipe's metrics")
    args = parser.parse_args()
    try:
        import pandas, sklearn  # noqa: F401  (the get-started case's steps import them)
    except ImportError:
        sys.exit("error: the get-started case needs pandas and scikit-learn; run: python3 -m pip install pandas scikit-learn")
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
        rows.append(("lock_check_cold", "lock --check, cold hash cache", cold, "openssl dgst -sha256, 2 processes", openssl, cold / openssl, "≤ 1.2× openssl", cold / openssl <= 1.2))
        sh(binary, "lock", "--check", cwd=reference)
        time.sleep(2.1)  # let every file leave the racy window, so the cache holds them all
        sh(binary, "lock", "--check", cwd=reference)
        warm = timed([binary, "lock", "--check"], reference, args.runs)
        rows.append(("lock_check_warm", "lock --check, warm hash cache", warm, "", None, None, "≤ 100 ms", warm <= 0.100))
        status = timed([binary, "status"], reference, args.runs)
        probe = timed(PROBE, reference, args.runs)
        rows.append(("status_warm", "status, warm hash and probe caches (r00 probes scikit-learn)", status, "the probe alone", probe, status / probe, "≤ 100 ms", status <= 0.100))

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

        def above_plain(prepare, runs):
            """The hook's cost: commits with and without it (--no-verify), interleaved, and
            the median of each pair's difference. This VM drifts by tens of percent from one
            minute to the next; a baseline timed before the hooked commits would carry that."""
            commit = ["git", "commit", "-q", "--allow-empty", "-m", "bench"]
            pairs = [(timed(commit + ["--no-verify"], reference, 1, before=prepare), timed(commit, reference, 1, before=prepare))
                     for _ in range(runs)]
            return statistics.median(hooked - plain for plain, hooked in pairs), statistics.median(plain for plain, _ in pairs)

        sh(binary, "hook", "install", cwd=reference)
        unrelated, plain = above_plain(stage("README.md"), args.runs * 4)
        rows.append(("hook_nothing_relevant", "git commit with the hook, nothing relevant staged, above no hook", unrelated, "git commit --no-verify", plain, None, "≤ 15 ms", unrelated <= 0.015))
        relevant, plain = above_plain(stage("src/pkg0/module0.py", relock=True), args.runs * 4)
        rows.append(("hook_relevant", "git commit with the hook, one input and its lock staged, above no hook", relevant, "git commit --no-verify", plain, None, "≤ 50 ms + hashing", relevant <= 0.050))

        trivial = os.path.join(work, "trivial")
        os.makedirs(trivial)
        generate_trivial(trivial)
        sh(binary, "lock", cwd=trivial)
        sh("git", "add", "-A", cwd=trivial)
        sh("git", "commit", "-q", "-m", "noop recipe", cwd=trivial)
        # --no-cache: these measure running steps, not restoring them from the step cache.
        timed([binary, "run", "noop", "--no-cache"], trivial, 1)
        shell = timed(["sh", "-c", "true"], trivial, args.runs * 4)
        run = timed([binary, "run", "noop", "--no-cache"], trivial, args.runs * 4)
        rows.append(("run_overhead", "run of a one-step `true` recipe, above sh -c true", run - shell, "sh -c true", shell, None, "≤ 50 ms", run - shell <= 0.050))
        concurrent = timed(f"for i in $(seq 20); do {binary} run noop --no-cache > /dev/null 2>&1 & done; wait", trivial, args.runs)
        # DVC's get-started pipeline under run vs its bare commands, as interleaved pairs, probes
        # on (their outputs from the warm probe cache, as on every run after the first).
        started_dir = os.path.join(work, "get-started")
        os.makedirs(started_dir)
        bare = generate_get_started(started_dir, max(2_000, int(20_000 * args.scale)))
        sh(binary, "lock", cwd=started_dir)
        sh("git", "add", "-A", cwd=started_dir)
        sh("git", "commit", "-q", "-m", "get-started pipeline", cwd=started_dir)
        sh(binary, "run", "pipeline", cwd=started_dir)
        clean = "rm -rf data/prepared data/features models metrics && " + bare
        pairs = [(timed(clean, started_dir, 1), timed([binary, "run", "pipeline", "--no-cache"], started_dir, 1)) for _ in range(args.runs)]
        bare_median = statistics.median(b for b, _ in pairs)
        run_median = statistics.median(r for _, r in pairs)
        ratio = statistics.median(r / b for b, r in pairs)
        rows.append(("get_started", "get-started pipeline (4 Python steps, 3 probes) under run", run_median, "its bare commands", bare_median, ratio, "≤ 1.03× (DVC ≈ 1.14×)", ratio <= 1.03))
        # The same pipeline unchanged, run again: every step restored from the step cache.
        cached = timed([binary, "run", "pipeline"], started_dir, args.runs)
        noop = dvc_repro_noop(work, started_dir, args.runs)
        rows.append(("get_started_cached", "get-started pipeline re-run unchanged, every step from the step cache", cached,
                     "dvc repro, nothing changed" if noop else "", noop, cached / noop if noop else None, "≤ 100 ms + restore", cached <= 0.100))
        notes = sh("git", "notes", "--ref=recipes", "show", "HEAD", cwd=trivial, capture=True).stdout.count("schema: git-recipe/run/v1")
        rows.append(("concurrent_runs", f"20 concurrent runs, total ({notes} recorded in all)", concurrent, "", None, None, "", True))

        # Review: log over 10,000 runs on 10,000 commits, against plain git reading the same notes.
        history = os.path.join(work, "history")
        os.makedirs(history)
        generate_history(history, max(100, int(10_000 * args.scale)))
        record_runs(history, "a", 1_800_000_000)
        runs = len(sh("git", "notes", "--ref=recipes", "list", cwd=history, capture=True).stdout.splitlines())
        git_log, recipe_log = interleaved(["git", "log", "--notes=recipes"], [binary, "log"], history, args.runs)
        rows.append(("log", f"log over {runs} runs on {runs} commits", recipe_log, "git log --notes=recipes", git_log, recipe_log / git_log, "≤ 300 ms", recipe_log <= 0.300))

        # The dashboard over the same history, against git reading the notes plus copying the
        # site it writes, the two sides interleaved.
        site = os.path.join(work, "site")
        sh(binary, "dashboard", "-o", site, cwd=history)
        baseline = f"git log --notes=recipes > /dev/null && rm -rf {site}-copy && cp -r {site} {site}-copy"
        plain, dashboard = interleaved(baseline, [binary, "dashboard", "-o", site], history, args.runs)
        rows.append(("dashboard", f"dashboard over {runs} runs on {runs} commits", dashboard, "git log --notes=recipes + cp -r of the site",
                     plain, dashboard / plain, "≤ 2 s and ≤ 1.5×", dashboard <= 2.0 and dashboard <= 1.5 * plain))
        # The first dashboard of a clone: every note read and scanned, and the run index written.
        index = os.path.join(history, ".git", "recipes", "run-index")
        pairs = []
        for _ in range(args.runs):
            os.remove(index)
            pairs.append((timed(baseline, history, 1), timed([binary, "dashboard", "-o", site], history, 1)))
        plain, first = statistics.median(b for b, _ in pairs), statistics.median(c for _, c in pairs)
        rows.append(("dashboard_first", f"dashboard over {runs} runs, the first in a clone (writes the run index)", first,
                     "git log --notes=recipes + cp -r of the site", plain, first / plain, "≤ 2 s", first <= 2.0))

        # A report comparing HEAD's run of r00 with the one twenty commits back, in the same history.
        report = [binary, "report", "HEAD:r00", "--baseline", "HEAD~20:r00", "--format", "html", "-o", os.path.join(work, "report.html")]
        plain, reported = interleaved(["git", "log", "--notes=recipes"], report, history, args.runs)
        rows.append(("report_baseline", f"report with a baseline in a history of {runs} runs", reported, "git log --notes=recipes", plain,
                     reported / plain, "(no budget)", True))

        # pull: both clones recorded a run on each of 1,000 commits; every note must be merged.
        remote = os.path.join(work, "remote.git")
        sh("git", "init", "-q", "--bare", remote)
        sides = []
        for name in ["a", "b"]:
            side = os.path.join(work, f"clone-{name}")
            os.makedirs(side)
            generate_history(side, max(100, int(1_000 * args.scale)))
            record_runs(side, name, 1_800_000_000 + ord(name))
            sides.append(side)
        sh("git", "remote", "add", "origin", remote, cwd=sides[0])
        sh("git", "push", "-q", "origin", "main", "refs/notes/recipes", cwd=sides[0])
        sh("git", "remote", "add", "origin", remote, cwd=sides[1])
        own = sh("git", "rev-parse", "refs/notes/recipes", cwd=sides[1], capture=True).stdout.strip()
        divergent = len(sh("git", "notes", "--ref=recipes", "list", cwd=sides[1], capture=True).stdout.splitlines())

        def unmerged():
            sh("git", "update-ref", "refs/notes/recipes", own, cwd=sides[1])

        pull = timed([binary, "pull", "origin"], sides[1], args.runs, before=unmerged)
        union = ("git fetch -q origin +refs/notes/recipes:refs/notes/remotes/origin/recipes"
                 " && git notes --ref=recipes merge -q -s cat_sort_uniq refs/notes/remotes/origin/recipes")
        git_merge = timed(union, sides[1], args.runs, before=unmerged)
        rows.append(("pull", f"pull merging {divergent} divergent runs", pull, "git fetch + git notes merge -s cat_sort_uniq", git_merge, pull / git_merge, "(no budget)", True))

        rows.append(merge_driver_case(work, binary, args.runs))
        rows += isolation_cases(work, binary, args.runs)
        rows += parallel_cases(work, binary, args.runs)
        rows += signing_cases(work, binary, args.runs)
        rows += slurm_cases(work, binary)
        rows += snapshot_cases(work, binary, args.runs, files=max(1_000, int(10_000 * args.scale)))
        rows += contract_cases(work, binary, args.runs, mib=max(20, int(200 * args.scale)))
        rows.append(pinned_components_case(work, binary, args.runs))
        rows += transfer_cases(work, binary, (args.transfer_mib or max(32, int(1024 * args.scale))) * MIB, args.runs)

        many = os.path.join(work, "many")
        os.makedirs(many)
        generate_many(many, args.many)
        peak = peak_rss_mib([binary, "lock"], many)
        rows.append(("peak_memory", f"peak memory, lock of {args.many} files", peak, "", None, None, "≤ 100 MiB", peak <= 100))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\ngit-recipe benchmarks (scale {args.scale}, median of {args.runs} runs)\n")
    print("| case | git-recipe | baseline | baseline median | ratio | budget | within |")
    print("|---|---|---|---|---|---|---|")
    for _, name, value, baseline, base, ratio, budget, ok in rows:
        shown = f"{value:.1f} MiB" if "memory" in name else f"{value:.0f} MiB/s" if name.endswith("MiB/s") else f"{value * 1000:.0f} ms"
        budget = budget or "(no budget)"
        base_shown = f"{base * 1000:.0f} ms" if base is not None else ""
        ratio_shown = f"{ratio:.2f}×" if ratio is not None else ""
        print(f"| {name} | {shown} | {baseline} | {base_shown} | {ratio_shown} | {budget} | {'yes' if ok else 'NO'} |")
    if args.metrics:
        write_metrics(args.metrics, rows)


def write_metrics(path, rows):
    """Each case's figure (`_ms` or `_mib`), its baseline's and the ratio, for `git recipe log --recipe bench`."""
    metrics = {}
    for key, name, value, _, base, ratio, _, ok in rows:
        if "memory" in name:
            metrics[f"{key}_mib"] = round(value, 1)
        else:
            metrics[f"{key}_ms"] = round(value * 1000, 1)
        if base is not None:
            metrics[f"{key}_baseline_ms"] = round(base * 1000, 1)
        if ratio is not None:
            metrics[f"{key}_ratio"] = round(ratio, 3)
        metrics[f"{key}_within_budget"] = 1 if ok else 0
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as handle:
        json.dump(metrics, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
