#!/usr/bin/env python3
"""Measures tend and its peers on the same workloads in one run and writes
bench/RESULTS.md. Run through `make bench` (bench/run installs and builds).

Every init runs as PID 1 of a fresh PID namespace (unshare -pf --mount-proc).
Timings are compared only within this run: each time is also given as a ratio
to the best peer's. The workloads are the C programs in bench/.
"""
import datetime
import json
import os
import platform
import random
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = os.path.join(ROOT, "build", "bench")
TEND = os.path.join(ROOT, "tend")
LINEBUF_HELPER = os.path.join(ROOT, "tend-linebuf.so")
RESULTS = os.path.join(ROOT, "bench", "RESULTS.md")
RAW = os.path.join(WORKLOADS, "results.json")
UNSHARE = ["unshare", "-pf", "--mount-proc"]
# On small VMs a wakeup across CPUs costs ~100 µs, and where the scheduler puts the init
# and its child would decide the ranking: the reaping and signal runs keep to one CPU.
ONE_CPU = ["taskset", "-c", str(max(os.sched_getaffinity(0)))]

INITS = {
    "tend": TEND,
    "tini": "/usr/bin/tini",
    "tini-static": "/usr/bin/tini-static",
    "dumb-init": "/usr/bin/dumb-init",
    "catatonit": "/usr/bin/catatonit",
}
PEERS = [name for name in INITS if name != "tend"]
# Timed at start-up only: tend built to start its child by fork, as it did before
# clone(CLONE_VM | CLONE_VFORK) (mk/bench.mk), to show what that saves.
FORK_BUILD = "tend, fork spawn"
STARTUP_ONLY = {FORK_BUILD: os.path.join(WORKLOADS, "tend-fork")}
PACKAGES = {"tini": "tini", "tini-static": "tini", "dumb-init": "dumb-init", "catatonit": "catatonit"}

ORPHANS, REAP_ROUNDS = 20000, 8
LATENCY_TRIALS, LATENCY_ROUNDS = 400, 8
GRACE_TRIALS = 5
IDLE_SECONDS = 10
STARTUP_WARMUP, STARTUP_RUNS = 5, 200
LINES, LINEBUF_ROUNDS = 1000000, 3

# Idle runs beside the inits themselves: a configured stop delay is a deadline only once a
# stop signal is held, so it must cost no wakeup.
IDLE_VARIANTS = {"tend -D 5": ("tend", ["-D", "5"])}

# A stop signal starts tend's grace; -t 60 keeps the latency child alive through all trials.
LATENCY_OPTIONS = {"tend": ["-t", "60"]}


def hyperfine(args):
    """Runs hyperfine; its warnings about a noisy machine are expected here."""
    done = subprocess.run(["hyperfine", "--style", "none"] + args, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench: hyperfine failed:\n{done.stderr}")


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def workload(name):
    return os.path.join(WORKLOADS, name)


def as_pid1(init, command, options=()):
    return UNSHARE + [{**INITS, **STARTUP_ONLY}[init], *options, "--", *command]


def children_of(ppid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == ppid:
            found.append(int(entry))
    return found


def wait_for_child(ppid, seconds=5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = children_of(ppid)
        if found:
            return found[0]
        time.sleep(0.01)
    raise RuntimeError(f"process {ppid} started no child")


def status_fields(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)


# --- footprint -----------------------------------------------------------

def is_static(path):
    """No PT_INTERP program header: the kernel runs it without a loader."""
    with open(path, "rb") as f:
        elf = f.read()
    phoff = int.from_bytes(elf[32:40], "little")
    phentsize = int.from_bytes(elf[54:56], "little")
    phnum = int.from_bytes(elf[56:58], "little")
    return all(int.from_bytes(elf[phoff + i * phentsize:][:4], "little") != 3 for i in range(phnum))


def library_bytes(path):
    """What a dynamic binary also needs in the image: its shared libraries."""
    if is_static(path):
        return 0
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    total = 0
    for line in out.splitlines():
        words = line.replace("=>", " ").split()
        libs = [w for w in words if w.startswith("/")]
        if libs:
            total += os.path.getsize(os.path.realpath(libs[0]))
    return total


def footprint():
    return {
        name: {
            "bytes": os.path.getsize(path),
            "static": is_static(path),
            "with_libs": os.path.getsize(path) + library_bytes(path),
        }
        for name, path in INITS.items()
    }


def architectures():
    """tend and its -L helper as cross-built for every architecture (make cross)."""
    cross = os.path.join(ROOT, "build", "cross")
    return {arch: {"tend": os.path.getsize(os.path.join(cross, arch, "tend")),
                   "helper": os.path.getsize(os.path.join(cross, arch, "tend-linebuf.so"))}
            for arch in sorted(os.listdir(cross))
            if os.path.isfile(os.path.join(cross, arch, "tend"))}


# --- startup -------------------------------------------------------------

def run_once(command):
    """Milliseconds of one run of command: on the clock, and on the CPU (user + system
    time of every process of the run: each is reaped inside it, so wait4 counts it)."""
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - started) * 1000
    if status != 0:
        raise RuntimeError(f"{shlex.join(command)}: wait status {status}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def startup():
    """`unshare ... INIT -- true` against `unshare ... true`, run by run.

    The machine's other work drifts within seconds by more than an init costs,
    so no command runs many times in a row: each iteration starts the bare
    command and every init once, in a new random order, and each init's run is
    compared with the bare run of its own iteration. The figures are the
    medians of those comparisons. CPU time, which waiting for a CPU does not
    add to, is the steadier of the two on a loaded machine.
    """
    commands = {"bare": UNSHARE + ["true"]}
    commands.update({name: as_pid1(name, ["true"]) for name in [*INITS, *STARTUP_ONLY]})
    runs = {name: [] for name in commands}
    for iteration in range(STARTUP_WARMUP + STARTUP_RUNS):
        order = list(commands)
        random.shuffle(order)
        took = {name: run_once(commands[name]) for name in order}
        if iteration >= STARTUP_WARMUP:
            for name, value in took.items():
                runs[name].append(value)

    def median_of(name, compare):
        return statistics.median(compare(ours, bare) for ours, bare in zip(runs[name], runs["bare"]))

    return {name: {"ms": statistics.median(wall for wall, _ in runs[name]),
                   "ratio": median_of(name, lambda ours, bare: ours[0] / bare[0]),
                   "overhead_ms": median_of(name, lambda ours, bare: ours[0] - bare[0]),
                   "cpu_ms": statistics.median(cpu for _, cpu in runs[name]),
                   "cpu_overhead_ms": median_of(name, lambda ours, bare: ours[1] - bare[1])}
            for name in commands}


# --- memory and idle -----------------------------------------------------

def start_detached(directory, seconds):
    """tend -d with its three files, as on a server (not PID 1); returns tend's PID."""
    done = subprocess.run([TEND, "-d", f"--log={directory}/job.log", f"--pid-file={directory}/job.pid",
                           f"--status-file={directory}/job.status", "--", "sleep", str(seconds)],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def memory_and_idle():
    """All inits at once, each with a sleeping child: VmRSS, and context switches over IDLE_SECONDS.
    "tend -d" is the detached tend of a background job, measured alongside."""
    runs = {name: (name, []) for name in INITS} | IDLE_VARIANTS
    started = {label: subprocess.Popen(as_pid1(init, ["sleep", str(IDLE_SECONDS + 30)], options))
               for label, (init, options) in runs.items()}
    files = tempfile.TemporaryDirectory()
    detached = start_detached(files.name, IDLE_SECONDS + 30)
    try:
        inits = {name: wait_for_child(p.pid) for name, p in started.items()}
        sleepers = {name: wait_for_child(pid) for name, pid in inits.items()}
        inits["tend -d"] = detached
        time.sleep(1)

        def switches(pid):
            s = status_fields(pid)
            return int(s["voluntary_ctxt_switches"]) + int(s["nonvoluntary_ctxt_switches"])

        before = {name: switches(pid) for name, pid in inits.items()}
        rss = {name: int(status_fields(pid)["VmRSS"].split()[0]) for name, pid in inits.items()}
        time.sleep(IDLE_SECONDS)
        after = {name: switches(pid) for name, pid in inits.items()}
    finally:
        # Killing the child lets each init exit on its own; unshare follows.
        for name, p in started.items():
            for pid in children_of(p.pid):
                for child in children_of(pid):
                    os.kill(child, signal.SIGKILL)
        for p in started.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        # As `kill $(cat job.pid)` would: tend stops its child, writes its status file and exits.
        os.kill(detached, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{detached}") and time.monotonic() < deadline:
            time.sleep(0.01)
        files.cleanup()
    return {label: {"rss_kib": rss[label], "wakeups": after[label] - before[label]} for label in inits}


# --- reaping -------------------------------------------------------------

def rotations(rounds):
    """The inits in a different order each round, so that drift in the machine's load
    does not always fall on the same one."""
    names = list(INITS)
    for round_ in range(rounds):
        yield names[round_ % len(names):] + names[:round_ % len(names)]


def reaping():
    """ORPHANS per init, in rounds interleaved across the inits."""
    per_round = ORPHANS // REAP_ROUNDS
    totals = {name: {"seconds": 0.0, "zombies": 0, "ticks": 0.0, "cpu_ns": 0, "rounds": []}
              for name in INITS}
    for order in rotations(REAP_ROUNDS):
        for name in order:
            out = subprocess.run(ONE_CPU + as_pid1(name, [workload("orphanstorm"), str(per_round)]),
                                 capture_output=True, text=True, timeout=120).stdout
            fields = dict(word.split("=") for word in out.split())
            t = totals[name]
            t["seconds"] += float(fields["seconds"])
            t["zombies"] += int(fields["zombies_left"])
            t["ticks"] += int(fields["init_cpu_ticks"]) / int(fields["clk_tck"])
            t["cpu_ns"] = -1 if t["cpu_ns"] < 0 or int(fields["init_cpu_ns"]) < 0 else \
                t["cpu_ns"] + int(fields["init_cpu_ns"])
            t["rounds"].append(int(fields["init_cpu_ns"]) / 1000 / per_round)
    results = {}
    for name, t in totals.items():
        orphans = per_round * REAP_ROUNDS
        results[name] = {
            "rate": orphans / t["seconds"],
            "zombies": t["zombies"],
            "cpu_us_ticks": t["ticks"] * 1e6 / orphans,
            # schedstat is exact; utime+stime counts 10 ms ticks. Rank on the exact one when there.
            "cpu_us": t["cpu_ns"] / 1000 / orphans if t["cpu_ns"] >= 0 else t["ticks"] * 1e6 / orphans,
            "cpu_us_rounds": t["rounds"],
        }
    return results


# --- signals -------------------------------------------------------------

def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latency():
    """LATENCY_TRIALS per init, in rounds interleaved across the inits."""
    micros = {name: [] for name in INITS}
    round_medians = {name: [] for name in INITS}
    for order in rotations(LATENCY_ROUNDS):
        for name in order:
            command = as_pid1(name, [workload("sigchild"), "catch"], LATENCY_OPTIONS.get(name, []))
            trials = LATENCY_TRIALS // LATENCY_ROUNDS
            out = subprocess.run(ONE_CPU + [workload("sigbench"), "latency", str(trials), "--"] + command,
                                 capture_output=True, text=True, timeout=120, check=True).stdout
            got = [int(line) / 1000 for line in out.split()]
            if len(got) != trials:
                raise RuntimeError(f"{name}: {len(got)} of {trials} signals arrived")
            micros[name] += got
            round_medians[name].append(statistics.median(got))
    return {name: {"median": statistics.median(m), "p99": percentile(m, 99),
                   "median_rounds": round_medians[name]}
            for name, m in micros.items()}


def grace():
    """tend -t 1, child ignoring SIGTERM: ms between the deadline and the child's death."""
    errors = []
    for _ in range(GRACE_TRIALS):
        command = as_pid1("tend", [workload("sigchild"), "ignore"], ["-t", "1"])
        out = subprocess.run([workload("sigbench"), "grace", "1", "--"] + command,
                             capture_output=True, text=True, timeout=30, check=True).stdout.strip()
        errors.append(None if out == "none" else int(out) / 1e6)
    return errors


# --- -L ------------------------------------------------------------------

def line_buffering():
    """Seconds to write LINES lines into a pipe, per way of unbuffering.

    The writer and the reader of the pipe run on both CPUs, as a program and
    the log collector reading it would: each C mode runs once per round, in
    an order that changes every round, and the median of the rounds counts.
    """
    lines = f"{workload('lines')} {LINES}"
    python = f"python3 -c 'for i in range({LINES}): print(\"log line\", i)'"
    have_helper = os.access(LINEBUF_HELPER, os.R_OK)
    # Python is slow enough to be timed once; its unbuffered modes cost the same by construction.
    groups = [
        (LINEBUF_ROUNDS, [
            ("C stdio, block-buffered (no init)", lines),
            ("C stdio, `tend -L`", f"{TEND} -L -- {lines}" if have_helper else None),
            ("C stdio, `stdbuf -oL`", f"stdbuf -oL {lines}"),
            ("C stdio, `stdbuf -o0`", f"stdbuf -o0 {lines}"),
        ]),
        (1, [
            ("Python, block-buffered (no init)", python),
            ("Python, `tend -L`", f"{TEND} -L -- {python}" if have_helper else None),
            ("Python, `PYTHONUNBUFFERED=1`", f"PYTHONUNBUFFERED=1 {python}"),
        ]),
    ]
    seconds, labels = {}, []
    for rounds, cases in groups:
        labels += [label for label, _ in cases]
        runnable = [(label, cmd + " | cat >/dev/null") for label, cmd in cases if cmd]
        times = {label: [] for label, _ in runnable}
        for round_ in range(rounds):
            order = runnable[round_ % len(runnable):] + runnable[:round_ % len(runnable)]
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                hyperfine(["--runs", "1", "--export-json", out.name] + [cmd for _, cmd in order])
                results = json.load(open(out.name))["results"]
            for (label, _), r in zip(order, results):
                times[label].append(r["median"])
        seconds.update({label: statistics.median(t) for label, t in times.items()})
    return [(label, seconds.get(label)) for label in labels], have_helper


# --- report --------------------------------------------------------------

def best_peer(results, key, lower_is_better=True):
    pick = min if lower_is_better else max
    return pick(PEERS, key=lambda name: results[name][key])


def vs_best(value, best):
    return f"{value / best:.2f}×" if best else "–"


def kib(n):
    return f"{n / 1024:.1f} KiB"


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    distro = "Linux"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            fields = dict(line.rstrip().split("=", 1) for line in f if "=" in line)
        distro = fields.get("PRETTY_NAME", distro).strip('"')
    return (f"{model}, {os.cpu_count()} CPUs, {mem_kib // 1024} MiB RAM; "
            f"{distro}, kernel {platform.release()}")


def versions():
    out = subprocess.run([TEND, "--version"], capture_output=True, text=True).stdout.strip()
    result = {"tend": out.replace("tend version ", "")}
    for name in PEERS:
        result[name] = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", PACKAGES[name]],
                                      capture_output=True, text=True).stdout or "?"
    return result


def mark(ok):
    return "✓" if ok else "✗"


def report(r):
    fp, st, mi, re_, la = r["footprint"], r["startup"], r["idle"], r["reaping"], r["latency"]
    out = []
    w = out.append
    w("# Benchmarks: tend, tini, dumb-init, catatonit\n")
    w(f"- Date: {r['date']}")
    w(f"- Machine: {r['machine']}")
    w("- Command: `make bench` (bench/run, bench/measure.py; workloads in bench/*.c); "
      f"{r['minutes']:.1f} min")
    w("- Versions: " + ", ".join(f"{n} {v}" for n, v in r["versions"].items()) +
      " (peers: Debian packages)")
    w("")
    w("Every init runs as PID 1 of a fresh PID namespace (`unshare -pf --mount-proc INIT -- ...`). "
      "Timings come from one run on a shared machine, measured in rounds that interleave the inits: "
      "compare within this run, not across runs. “× best peer” is tend's figure divided by the "
      "best peer's (below 1: tend is ahead). tini-static is the build Docker ships as "
      "`docker-init`.\n")

    w("## Footprint and start-up\n")
    w("| init | binary (bytes) | static | with shared libraries | VmRSS, child sleeping | "
      "start-up (median) | beyond bare | start-up ratio | CPU beyond bare |")
    w("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    w(f"| (no init) | | | | | {st['bare']['ms']:.2f} ms | | 1.00 | ({st['bare']['cpu_ms']:.2f} ms) |")

    def timings(n):
        return (f"{st[n]['ms']:.2f} ms | {st[n]['overhead_ms']:.2f} ms | {st[n]['ratio']:.2f} | "
                f"{st[n]['cpu_overhead_ms']:.2f} ms |")

    for n in INITS:
        w(f"| {n} | {fp[n]['bytes']} | {'yes' if fp[n]['static'] else 'no'} | "
          f"{fp[n]['with_libs']} ({kib(fp[n]['with_libs'])}) | {mi[n]['rss_kib']} KiB | {timings(n)}")
    w(f"| {FORK_BUILD} (comparison) | {r['fork_bytes']} | yes | | | {timings(FORK_BUILD)}")
    b = best_peer(st, "ratio")
    bo, bc = best_peer(st, "overhead_ms"), best_peer(st, "cpu_overhead_ms")
    fork = st[FORK_BUILD]
    w(f"\nStart-up: `unshare -pf --mount-proc INIT -- true` against `unshare -pf --mount-proc true`. "
      f"{STARTUP_RUNS} iterations (after {STARTUP_WARMUP} unmeasured) each start the bare command and "
      "every init once, in a new random order; each init's run is compared with its own "
      "iteration's bare run, and the table gives the medians of those comparisons (the machine's "
      "load drifts within seconds by more than an init costs). CPU is user + system time of every "
      "process of the run (wait4), the bare command's in parentheses: waiting for a CPU does not "
      "add to it, so it is the steadier figure on a loaded machine. "
      f"tend's ratio {st['tend']['ratio']:.2f}, best peer {b} {st[b]['ratio']:.2f}. tend's time "
      f"beyond bare is {vs_best(st['tend']['overhead_ms'], st[bo]['overhead_ms'])} the best peer's "
      f"({bo}), its CPU beyond bare {vs_best(st['tend']['cpu_overhead_ms'], st[bc]['cpu_overhead_ms'])} "
      f"the best peer's ({bc}). tend starts its child by clone(CLONE_VM | CLONE_VFORK), which "
      f"does not copy tend's address space; “{FORK_BUILD}” is the same source linked with a "
      "clone() that forks, as tend did before (bench/fork/clone.c). Against it, tend's time beyond "
      f"bare is {vs_best(st['tend']['overhead_ms'], fork['overhead_ms'])}, its CPU beyond bare "
      f"{vs_best(st['tend']['cpu_overhead_ms'], fork['cpu_overhead_ms'])}. "
      "“With shared libraries” counts what a dynamic binary also needs in an image (ldd). "
      "VmRSS includes the binary's own mapped pages, so static glibc binaries weigh their size.\n")
    if "tend -d" in mi:
        w(f"tend -d (a background job's tend, not PID 1, with `--log`, `--pid-file` and "
          f"`--status-file`), its child sleeping: VmRSS {mi['tend -d']['rss_kib']} KiB, "
          f"{mi['tend -d']['wakeups']} wakeups in {IDLE_SECONDS} s.\n")

    if "architectures" in r:
        w("tend on every architecture (static binary, and the `-L` helper), in bytes: " +
          ", ".join(f"{a} {s['tend']} ({s['helper']})" for a, s in r["architectures"].items()) +
          ". 32 KiB is 32768.\n")

    w("## Idle, reaping\n")
    w(f"| init | idle wakeups in {IDLE_SECONDS} s | orphans reaped / s | zombies left | "
      "init CPU per orphan | × best peer |")
    w("|---|---:|---:|---:|---:|---:|")
    bc = best_peer(re_, "cpu_us")
    for n in INITS:
        w(f"| {n} | {mi[n]['wakeups']} | {re_[n]['rate']:.0f} | {re_[n]['zombies']} | "
          f"{re_[n]['cpu_us']:.1f} µs ({re_[n]['cpu_us_ticks']:.0f} µs by utime+stime) | "
          f"{vs_best(re_[n]['cpu_us'], re_[bc]['cpu_us'])} |")
    br = best_peer(re_, "rate", lower_is_better=False)
    delayed = mi.get("tend -D 5")
    w(f"\nIdle wakeups: voluntary + involuntary context switches of the init over {IDLE_SECONDS} s "
      "while its child sleeps (all inits at once"
      + (f"; tend with a stop delay configured, `-D 5`, beside them: {delayed['wakeups']}"
         if delayed else "") + "). Reaping: "
      f"{ORPHANS} double-forked orphans per init, in {REAP_ROUNDS} rounds, whose zombies are "
      "reparented to PID 1; zombies left counts those still there 5 s after the last fork. "
      "The rate is bounded by how fast the workload forks (tend's time per orphan: "
      f"{vs_best(re_[br]['rate'], re_['tend']['rate'])} the best peer's). "
      "CPU per orphan is the init's own time on the CPU during the storm, from /proc/1/schedstat "
      "(exact), read inside the namespace before the init exits; utime+stime from /proc/1/stat "
      "counts 10 ms ticks, so it is shown but not ranked. The workload and the init share one "
      "CPU (taskset): on this VM a wakeup across CPUs costs about 100 µs, and where the scheduler "
      "happens to place them would otherwise decide the ranking.\n")

    w("## Signal forwarding and grace\n")
    w("| init | latency median | × best peer | p99 | × best peer | SIGKILL after `-t 1` |")
    w("|---|---:|---:|---:|---:|---|")
    bm, bp = best_peer(la, "median"), best_peer(la, "p99")
    grace = r["grace"]
    done = [e for e in grace if e is not None]
    grace_text = (f"deadline + {statistics.median(done):.1f} ms (median of {len(grace)}; "
                  f"{min(done):.1f} to {max(done):.1f})" if done else "never")
    if len(done) < len(grace):
        grace_text += f"; {len(grace) - len(done)} trials: never"
    for n in INITS:
        w(f"| {n} | {la[n]['median']:.1f} µs | {vs_best(la[n]['median'], la[bm]['median'])} | "
          f"{la[n]['p99']:.1f} µs | {vs_best(la[n]['p99'], la[bp]['p99'])} | "
          f"{grace_text if n == 'tend' else 'no escalation'} |")
    w(f"\nLatency: SIGTERM sent to the init from outside the namespace → the child's handler runs; "
      f"{LATENCY_TRIALS} trials 2 ms apart in {LATENCY_ROUNDS} rounds; sender and handler both "
      "read CLOCK_MONOTONIC, which PID namespaces share. Sender, init and child share one CPU, "
      "as for reaping, so the figure is the init's forwarding path (two context switches), not "
      "the scheduler's placement. tend runs with `-t 60`, so that the grace does not end the "
      "child mid-run. p99 depends on what else the machine runs: reported, not ranked. "
      "Grace: the child ignores SIGTERM; the time is when it is seen dead (pidfd), "
      "after SIGTERM + 1 s. The peers never escalate to SIGKILL.\n")

    lb, have_helper = r["linebuf"]
    w(f"## Line-buffering (`-L`): {LINES} lines into a pipe\n")
    w("| program, mode | seconds | × block-buffered | lines / s |")
    w("|---|---:|---:|---:|")
    base = {"C stdio": lb[0][1], "Python": lb[4][1]}
    for label, seconds in lb:
        if seconds is None:
            w(f"| {label} | not run: tend-linebuf.so not built yet | | |")
            continue
        w(f"| {label} | {seconds:.2f} | {seconds / base[label.split(',')[0]]:.2f} | "
          f"{LINES / seconds:,.0f} |")
    w(f"\nC: median of {LINEBUF_ROUNDS} rounds (each mode once per round, in a changing order); "
      "Python: one run. Reader: `cat >/dev/null`. `tend -L` makes C stdio line-buffered (LD_PRELOAD helper, as `stdbuf -oL`) and sets "
      "PYTHONUNBUFFERED=1: one write per line is its cost, the price of logs that arrive "
      "as they are written.\n")

    w("## Targets\n")
    w("| target | tend | met | why, if missed |")
    w("|---|---|---|---|")
    peers_fp = min(PEERS, key=lambda n: fp[n]["with_libs"])
    peers_rss = min(PEERS, key=lambda n: mi[n]["rss_kib"])
    grace_worst = max((abs(e) for e in done), default=None)
    arch = r.get("architectures", {})
    rows = [
        ("static binary under 32 KiB on amd64 and arm64",
         ", ".join(f"{a} {arch[a]['tend']}" for a in ("amd64", "arm64") if a in arch) or "not built",
         all(a in arch and arch[a]["tend"] < 32768 for a in ("amd64", "arm64")),
         "code grew: see the per-architecture sizes above"),
        ("0 idle wakeups", f"{mi['tend']['wakeups']}", mi["tend"]["wakeups"] == 0,
         "woke up while its child slept"),
        ("0 idle wakeups with a stop delay configured (`-D 5`)",
         f"{mi['tend -D 5']['wakeups']}" if "tend -D 5" in mi else "not measured",
         mi.get("tend -D 5", {}).get("wakeups") == 0, "woke up while its child slept"),
        ("0 idle wakeups detached (`tend -d`, a background job)",
         f"{mi['tend -d']['wakeups']}" if "tend -d" in mi else "not measured",
         mi.get("tend -d", {}).get("wakeups") == 0, "woke up while its child slept"),
        ("0 zombies left", f"{re_['tend']['zombies']}", re_["tend"]["zombies"] == 0,
         "zombies outlived the storm by 5 s"),
        ("grace: SIGKILL within 50 ms of the deadline",
         f"{grace_worst:.1f} ms worst" if grace_worst is not None else "never",
         grace_worst is not None and grace_worst <= 50 and len(done) == len(grace),
         "late or missing SIGKILL"),
        ("static binary under 32 KiB", f"{fp['tend']['bytes']} bytes",
         fp["tend"]["static"] and fp["tend"]["bytes"] < 32768,
         f"{fp['tend']['bytes'] - 32768} bytes over: musl's malloc (for opendir, realloc, "
         "setenv) and its strerror table (see issue 6)"),
        ("size at least as good as the best peer (binary + shared libraries)",
         f"{kib(fp['tend']['with_libs'])} vs {peers_fp} {kib(fp[peers_fp]['with_libs'])}",
         fp["tend"]["with_libs"] <= fp[peers_fp]["with_libs"], "larger"),
        ("VmRSS at most 200 KiB", f"{mi['tend']['rss_kib']} KiB", mi["tend"]["rss_kib"] <= 200,
         "over"),
        ("VmRSS at least as good as the best peer",
         f"{mi['tend']['rss_kib']} vs {peers_rss} {mi[peers_rss]['rss_kib']} KiB",
         mi["tend"]["rss_kib"] <= mi[peers_rss]["rss_kib"], "larger"),
        ("start-up ratio at most 1.25", f"{st['tend']['ratio']:.2f}", st["tend"]["ratio"] <= 1.25,
         "over"),
        ("start-up ratio at least as good as the best peer",
         f"{st['tend']['ratio']:.2f} vs {b} {st[b]['ratio']:.2f}",
         st["tend"]["ratio"] <= st[b]["ratio"], "slower start"),
        ("CPU per orphan at least as good as the best peer",
         f"{re_['tend']['cpu_us']:.1f} vs {bc} {re_[bc]['cpu_us']:.1f} µs",
         re_["tend"]["cpu_us"] <= re_[bc]["cpu_us"],
         noise_note(re_["tend"]["cpu_us_rounds"], re_[bc]["cpu_us_rounds"], "µs")),
        ("median signal latency at least as good as the best peer",
         f"{la['tend']['median']:.1f} vs {bm} {la[bm]['median']:.1f} µs",
         la["tend"]["median"] <= la[bm]["median"],
         noise_note(la["tend"]["median_rounds"], la[bm]["median_rounds"], "µs")),
    ]
    for target, value, ok, why in rows:
        w(f"| {target} | {value} | {mark(ok)} | {'' if ok else why} |")
    w("")
    return "\n".join(out)


def noise_note(ours, best, unit):
    """Why tend is behind: the spread of the per-round figures says whether it is noise."""
    ours_range = f"{min(ours):.1f}–{max(ours):.1f}"
    best_range = f"{min(best):.1f}–{max(best):.1f}"
    if min(ours) <= max(best):
        return (f"rounds ranged {ours_range} {unit} for tend and {best_range} {unit} for the best "
                "peer: they overlap, so the order is noise of this shared machine, not a difference")
    return f"every round slower: {ours_range} {unit} against {best_range} {unit}"


PHASES = [
    ("footprint", footprint),
    ("architectures", architectures),
    ("startup", startup),
    ("idle", memory_and_idle),
    ("reaping", reaping),
    ("latency", latency),
    ("grace", grace),
    ("linebuf", line_buffering),
]


def main():
    """`measure.py --report` rewrites RESULTS.md from the last run's raw figures."""
    if sys.argv[1:] == ["--report"]:
        with open(RAW) as f:
            r = json.load(f)
    else:
        started = time.monotonic()
        r = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
             "machine": machine(), "versions": versions(),
             "fork_bytes": os.path.getsize(STARTUP_ONLY[FORK_BUILD])}
        for key, measure in PHASES:
            phase_start = time.monotonic()
            log(f"{key}...")
            r[key] = measure()
            log(f"{key}: {time.monotonic() - phase_start:.0f} s")
        r["minutes"] = (time.monotonic() - started) / 60
        with open(RAW, "w") as f:
            json.dump(r, f, indent=1)
    text = report(r)
    with open(RESULTS, "w") as f:
        f.write(text)
    print(text)
    log(f"wrote {os.path.relpath(RESULTS, ROOT)}; the run took {r['minutes']:.1f} min")


if __name__ == "__main__":
    main()
