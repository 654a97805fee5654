#!/usr/bin/env python3
"""make chaos: random, seeded scenarios run on the real tend, each checked
against the contract (../README.md "What tend does", "Decisions") by an oracle.

    chaos.py [--seeds N] [--first S]     scenarios S .. S+N-1 (default 1, 200)
    chaos.py --seed S                    replay one, print scenario and findings
    chaos.py --scenario FILE             replay a saved (e.g. shrunk) scenario
    chaos.py --tend PATH                 check another build (the mutants)

A scenario is a mode (PID 1 of a fresh PID namespace, or not, with a stranger
in tend's group and session), options, a tree of processes that each run
build/chaos/actor with a script, and a timeline of signals sent to tend.
Every process logs what it receives (sender, code, CLOCK_MONOTONIC time) and
how it ends; a sampler watches tend's zombies, descriptors and memory; the
oracle compares all that with what the contract allows. Ends with one line:
"N passed, N failed".

Needs root. Everything a scenario starts runs as a uid of its own (64200 + slot) under
RLIMIT_NPROC (the uid differs from run to run too),
every wait has a timeout, and leftovers are killed by PID.
"""
import argparse
import ctypes
import functools
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACTOR = os.path.join(ROOT, 'build/chaos/actor')
NPROC = 48
BASE_UID = 64200

S = signal.Signals
RTMIN = 34
SYNC = {S.SIGSEGV, S.SIGBUS, S.SIGILL, S.SIGTRAP, S.SIGFPE, S.SIGSYS}
STOPS = {S.SIGTERM, S.SIGINT, S.SIGQUIT}
SUSPENDS = {S.SIGTSTP, S.SIGTTIN, S.SIGTTOU}
DEFAULT_IGNORED = {S.SIGCONT, S.SIGURG, S.SIGWINCH}
UNTOUCHABLE = {9, 19, 32, 33}
RARE = [S.SIGSEGV, S.SIGILL, S.SIGTRAP, S.SIGBUS, S.SIGFPE, S.SIGSYS, S.SIGXCPU,
        S.SIGXFSZ, S.SIGVTALRM, S.SIGPROF, S.SIGIO, S.SIGPWR, S.SIGSTKFLT, S.SIGURG,
        S.SIGABRT]
REWRITABLE = [S.SIGHUP, S.SIGINT, S.SIGQUIT, S.SIGTERM, S.SIGUSR1, S.SIGUSR2,
              S.SIGWINCH, S.SIGALRM, RTMIN + 1, RTMIN + 2]
EXIT_CODES = [0, 0, 1, 2, 3, 42, 100, 255]
DEATHS = [S.SIGTERM, S.SIGUSR1, S.SIGHUP, S.SIGKILL, S.SIGINT, S.SIGALRM]

# How late tend may act on a signal or an exit on a loaded 2-core machine:
# the oracle demands nothing closer than this to a race.
LATENCY = 0.3
# How late the SIGKILL may come after the grace deadline.
KILL_SLACK = 1.0
ZOMBIE_BOUND = 1.0


def name(sig):
    sig = int(sig)
    if sig == 0:
        return '0'
    if sig >= RTMIN:
        return 'RTMIN+%d' % (sig - RTMIN)
    return S(sig).name[3:]


def prio(sig):
    """The kernel hands out synchronous signals first, then the lowest number."""
    return (0 if sig in SYNC else 1, sig)


# ---------------------------------------------------------------- generator

def generate(seed):
    rng = random.Random(seed)
    pid1 = rng.random() < 0.5
    grace = rng.choice([0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.5, 0.75, 1, 0.15, 0.3])
    sc = {'seed': seed, 'pid1': pid1, 'grace': grace,
          'single': rng.random() < 0.25,
          'timeout': round(rng.uniform(0.2, 1.5), 2) if rng.random() < 0.2 else 0,
          'rewrite': {}, 'remap': [], 'line': rng.random() < 0.15}
    # Drawn last of all, so that -D leaves every other draw of a seed as it was.
    delay_rng = random.Random(seed * 7919 + 1)
    sc['delay'] = round(delay_rng.uniform(0.05, 0.3), 2) if delay_rng.random() < 0.5 else 0
    if rng.random() < 0.2:
        for _ in range(rng.randint(1, 2)):
            sc['rewrite'][int(rng.choice(REWRITABLE))] = int(rng.choice(REWRITABLE + [0]))
    if rng.random() < 0.2:
        sc['remap'] = [rng.choice([1, 2, 3, 42, 100])]
    stops_ok = grace > 0

    def life():
        return rng.randint(100, 1500) if rng.random() < 0.85 else rng.randint(1500, 3000)

    def ending(n):
        if rng.random() < 0.85:
            n['end'] = ['x', rng.choice(EXIT_CODES)]
        else:
            n['end'] = ['k', int(rng.choice(DEATHS))]

    pool = ([(S.SIGTERM, 20), (S.SIGINT, 5), (S.SIGQUIT, 4), (S.SIGHUP, 6),
             (S.SIGUSR1, 8), (S.SIGUSR2, 6), (S.SIGWINCH, 3), (S.SIGALRM, 3),
             (S.SIGCONT, 3), (S.SIGCHLD, 2), (S.SIGPIPE, 2), ('rt', 12), ('rare', 4)]
            + ([('suspend', 5)] if stops_ok else []))
    events = []
    for _ in range(rng.choice([0, 1, 2, 3, 4, 5, 6, 8])):
        t = round(rng.uniform(0, 1.3), 3)
        kind = rng.choices([p[0] for p in pool], [p[1] for p in pool])[0]
        if kind == 'rt':
            sig = rng.choice([RTMIN, RTMIN + 1, RTMIN + 2, RTMIN + 4, 64])
        elif kind == 'rare':
            sig = rng.choice(RARE)
        elif kind == 'suspend':
            sig = rng.choice(sorted(SUSPENDS))
        else:
            sig = kind
        repeat = rng.choice([1, 1, 1, 1, 2, 3])
        for _ in range(repeat):
            events.append({'t': t, 'sig': int(sig)})
        if sig in SUSPENDS:
            events.append({'t': round(t + rng.uniform(0.15, 0.4), 3), 'sig': int(S.SIGCONT),
                           'pair': True})
    events.sort(key=lambda e: e['t'])
    rw = sc['rewrite']
    # A stopped main child ends only by the grace's SIGKILL: something must start it.
    triggered = sc['timeout'] > 0 or any(
        (e['sig'] in STOPS and rw.get(e['sig'], e['sig'])) or rw.get(e['sig'], e['sig']) in STOPS
        for e in events)
    relevant = ({e['sig'] for e in events} | {r for r in rw.values() if r}
                | {int(S.SIGTERM), int(S.SIGCONT)})

    def dispositions():
        disp = ['l'] * 64
        for sig in sorted(relevant):
            disp[sig - 1] = rng.choices('lide', [5, 1.5, 2, 2])[0]
        for sig in UNTOUCHABLE:
            disp[sig - 1] = 'd'
        return ''.join(disp)

    nodes = []
    for i in range(rng.choice([0, 0, 1, 2, 3, 4, 5, 6])+1):
        n = {'id': i, 'parent': -1 if i == 0 else rng.choice([m['id'] for m in nodes]),
             'fork': 0 if i == 0 else rng.randint(0, 400),
             'how': 'c' if i == 0 else rng.choices('cdsD', [5, 2, 1.5, 1.5])[0],
             'life': life(), 'stop': -1, 'delay': rng.randint(0, 600),
             'code': rng.choice(EXIT_CODES), 'disp': dispositions()}
        ending(n)
        if stops_ok and (i > 0 or triggered) and rng.random() < 0.12:
            n['stop'] = rng.randint(50, 800)
        nodes.append(n)
    # Now and then a process that forks on and on: short lives, orphans among them.
    if rng.random() < 0.15:
        parent = rng.choice(nodes)['id']
        for k in range(rng.randint(3, 8)):
            n = {'id': len(nodes), 'parent': parent, 'fork': rng.randint(0, 900),
                 'how': rng.choice('ccd'), 'life': rng.randint(30, 250), 'stop': -1,
                 'delay': rng.randint(0, 100), 'code': 0, 'disp': dispositions()}
            ending(n)
            nodes.append(n)
    sc['nodes'] = nodes
    sc['events'] = events
    return sc


def describe(sc):
    opts = tend_options(sc)
    out = ['seed %s: tend %s %s' % (sc['seed'], 'as PID 1 of a new PID namespace' if sc['pid1']
                                    else 'not as PID 1, a stranger in its group and session',
                                    ' '.join(opts))]
    hows = {'c': 'child', 'd': 'double-forked orphan', 's': 'setsid daemon',
            'D': 'double-forked setsid daemon'}
    words = {'i': 'ignored', 'd': 'default', 'e': 'exit %d after %.2fs'}
    kids = {}
    for n in sc['nodes']:
        kids.setdefault(n['parent'], []).append(n)

    def show(n, depth):
        end = ('exits %d' % n['end'][1] if n['end'][0] == 'x'
               else 'dies of SIG%s' % name(n['end'][1]))
        what = 'main child' if n['id'] == 0 else '%s of %d, at +%.2fs' % (
            hows[n['how']], n['parent'], n['fork'] / 1000)
        line = '%s%d %s: lives %.2fs, then %s' % ('  ' * depth, n['id'], what,
                                                  n['life'] / 1000, end)
        if n['stop'] >= 0:
            line += '; SIGSTOPs itself at +%.2fs' % (n['stop'] / 1000)
        special = []
        for sig in range(1, 65):
            d = n['disp'][sig - 1]
            if d != 'l' and sig not in UNTOUCHABLE:
                w = words[d] % (n['code'], n['delay'] / 1000) if d == 'e' else words[d]
                special.append('%s %s' % (name(sig), w))
        line += '; signals logged' + (', except ' + ', '.join(special) if special else '')
        out.append('    ' + line)
        for k in kids.get(n['id'], []):
            show(k, depth + 1)
    out.append('  tree:')
    show(sc['nodes'][0], 0)
    out.append('  timeline (seconds after the main child starts), signals sent to tend:')
    for e in sc['events']:
        out.append('    +%.3fs SIG%s' % (e['t'], name(e['sig'])))
    if not sc['events']:
        out.append('    (none)')
    return '\n'.join(out)


def seconds(x):
    return ('%.3f' % x).rstrip('0').rstrip('.') or '0'


def tend_options(sc):
    opts = ['-t', seconds(sc['grace'])]
    if sc['single']:
        opts.append('-c')
    if sc['timeout']:
        opts += ['-T', seconds(sc['timeout'])]
    if sc.get('delay'):
        opts += ['-D', seconds(sc['delay'])]
    for s, r in sorted(sc['rewrite'].items()):
        opts += ['-r', '%s:%s' % (name(int(s)), name(r))]
    for c in sc['remap']:
        opts += ['-e', str(c)]
    if sc['line']:
        opts.append('-L')
    return opts


# ---------------------------------------------------------------- runner

def mono():
    return time.monotonic_ns() / 1e9


def read_logs(d):
    logs = {}
    for f in os.listdir(d):
        if not f.startswith('log.'):
            continue
        recs = []
        with open(os.path.join(d, f)) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) < 2:
                    continue
                recs.append([int(parts[0]) / 1e9, parts[1]] + [int(x) for x in parts[2:]])
        logs[f[4:]] = recs
    return logs


def proc_children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def proc_state(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            s = f.read()
        return s[s.rindex(')') + 2]
    except (OSError, ValueError):
        return None


def sampler(tend, stop, samples):
    while not stop.wait(0.05):
        t = mono()
        st = proc_state(tend)
        if st is None or st == 'Z':
            return
        try:
            fds = len(os.listdir('/proc/%d/fd' % tend))
            with open('/proc/%d/status' % tend) as f:
                rss = int(re.search(r'VmRSS:\s+(\d+)', f.read()).group(1))
        except (OSError, AttributeError):
            return
        zombies = [p for p in proc_children(tend) if proc_state(p) == 'Z']
        samples.append({'t': t, 'state': st, 'fds': fds, 'rss': rss, 'zombies': zombies})


def kill_pid(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def run(sc, tend, bindir, slot, base_uid):
    """Run one scenario for real; return what was observed."""
    uid = base_uid + slot
    d = tempfile.mkdtemp(prefix='chaos.%s.' % sc['seed'])
    os.chmod(d, 0o777)
    with open(os.path.join(d, 'tree'), 'w') as f:
        for n in sc['nodes']:
            f.write('%d %d %d %s %d %s %d %d %d %d %s\n' % (
                n['id'], n['parent'], n['fork'], n['how'], n['life'], n['end'][0],
                n['end'][1], n['stop'], n['delay'], n['code'], n['disp']))
    actor = os.path.join(bindir, 'actor')
    cmd = [actor, 'launch', d, '1' if sc['pid1'] else '0', str(uid), str(NPROC), '--',
           tend] + tend_options(sc) + ['--', actor, 'node', d, '0']
    if sc['pid1']:
        cmd = ['unshare', '-pf', '--mount-proc'] + cmd
    obs = {'dir': d, 'sends': [], 'stderr': [], 'samples': [], 'setup': None}
    t_popen = mono()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, close_fds=True)
    obs['t_popen'] = t_popen

    def read_stderr():
        for line in iter(proc.stderr.readline, b''):
            obs['stderr'].append((mono(), line.decode(errors='replace').rstrip('\n')))
    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()

    tend_pid = proc.pid
    if sc['pid1']:
        until = mono() + 5
        while mono() < until and not proc_children(proc.pid):
            time.sleep(0.005)
        kids = proc_children(proc.pid)
        tend_pid = kids[0] if kids else None
    obs['tend_pid'] = tend_pid
    main_log = os.path.join(d, 'log.0')
    until = mono() + 5
    main_start = None
    while mono() < until and main_start is None and proc.poll() is None:
        try:
            with open(main_log) as f:
                first = f.readline().split()
            if len(first) > 1 and first[1] == 'start':
                main_start = int(first[0]) / 1e9
        except OSError:
            pass
        time.sleep(0.003)
    stop = threading.Event()
    exited = threading.Event()

    def waiter():
        proc.wait()
        obs['t_exit'] = mono()
        exited.set()
    threading.Thread(target=waiter, daemon=True).start()
    if tend_pid and main_start:
        th = threading.Thread(target=sampler, args=(tend_pid, stop, obs['samples']), daemon=True)
        th.start()
        for e in sc['events']:
            delay = main_start + e['t'] - mono()
            if delay > 0 and exited.wait(delay):
                break
            # Once tend is gone its pid may be anyone's: send nothing more.
            if exited.is_set():
                break
            before = mono()
            try:
                os.kill(tend_pid, e['sig'])
            except OSError:
                continue
            obs['sends'].append((before, mono(), e['sig']))
    else:
        obs['setup'] = 'the main child never started (tend %s)' % (
            'pid unknown' if not tend_pid else 'exit %s' % proc.poll())
    obs['main_start'] = main_start
    bound = hang_bound(sc)
    if exited.wait(max(0.1, (main_start or t_popen) + bound - mono())):
        obs['status'] = proc.returncode
    else:
        obs['status'] = None
        obs['hang'] = bound
        kill_pid(tend_pid or proc.pid)
        kill_pid(proc.pid)
        exited.wait(10)
    stop.set()
    reader.join(timeout=2)
    logs = read_logs(d)
    pids = {k: r[2] for k, recs in logs.items() for r in recs[:1] if r[1] == 'start'}
    obs['alive_after'] = []
    if not sc['pid1']:
        actors = [p for k, p in pids.items() if k != 'stranger']
        alive = [p for p in actors if proc_state(p) not in (None, 'Z')]
        obs['alive_after'] = [k for k, p in pids.items() if p in alive]
        if sc['single'] and alive:
            # -c leaves them alone: let them live out their scripts.
            until = mono() + max(n['life'] + n['delay'] for n in sc['nodes']) / 1000 + 1.5
            while mono() < until and any(proc_state(p) not in (None, 'Z') for p in alive):
                time.sleep(0.02)
        for p in actors:
            if proc_state(p) not in (None, 'Z'):
                kill_pid(p)
        if 'stranger' in pids:
            kill_pid(pids['stranger'])
    # We are the subreaper of everything tend left behind: reap it all.
    until = mono() + 5
    while mono() < until:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.01)
    obs['logs'] = read_logs(d)
    return obs


def hang_bound(sc):
    start = {-1: 0}
    end = 0
    for n in sc['nodes']:
        start[n['id']] = start[n['parent']] + n['fork'] / 1000 + 0.05
        end = max(end, start[n['id']] + (n['life'] + n['delay']) / 1000)
    span = sc['events'][-1]['t'] if sc['events'] else 0
    return max(end, span) + sc['grace'] + sc['timeout'] + sc.get('delay', 0) + 5.0


# ---------------------------------------------------------------- oracle

def feasible(sent, got):
    """Can the kernel turn the forwarded sequence `sent` ((sig, must, seen,
    sig as tend received it) in send order) into the received sequence `got`? Signals wait in a
    pending set (tend's, then the child's) and leave it lowest number first,
    synchronous ones before all; a standard signal may merge with a pending
    one of its kind; real-time ones queue. A SIGCONT discards pending stop
    signals and a stop signal a pending SIGCONT, also when the child ignores
    or does not log them (not `seen`). Items not `must` may be lost: they
    were forwarded too close to the child's end."""
    n, m = len(sent), len(got)

    @functools.lru_cache(maxsize=None)
    def go(i, j, pending):
        pend = dict((s, (a, b)) for s, a, b in pending)
        if j == m and i == n:
            return all(a == 0 for a, b in pend.values())
        if j < m and got[j] in pend and min(pend, key=prio) == got[j]:
            a, b = pend[got[j]]
            nxt = dict(pend)
            if a:
                a -= 1
            else:
                b -= 1
            if a + b:
                nxt[got[j]] = (a, b)
            else:
                del nxt[got[j]]
            if go(i, j + 1, freeze(nxt)):
                return True
        if i < n:
            s, must, seen, received = sent[i]
            flushes = SUSPENDS if s == S.SIGCONT else {S.SIGCONT} if s in SUSPENDS else set()
            flushed = {k: x for k, x in pend.items() if k not in flushes}
            for base in ([pend, flushed] if len(flushed) < len(pend) else [pend]):
                if not seen:
                    if go(i + 1, j, freeze(base)):
                        return True
                    continue
                a, b = base.get(s, (0, 0))
                nxt = dict(base)
                nxt[s] = (a + 1, b) if must else (a, b + 1)
                if go(i + 1, j, freeze(nxt)):
                    return True
                # Merged while pending: at tend as received, at the child as forwarded.
                if ((s < RTMIN or received < RTMIN) and s in base) or not must:
                    if go(i + 1, j, freeze(base)):
                        return True
        return False
    return go(0, 0, ())


def freeze(pend):
    return tuple(sorted((s, a, b) for s, (a, b) in pend.items()))


def judge(sc, obs):
    """The violations of the contract in what was observed, as strings."""
    v = []
    if obs['setup']:
        return ['setup: ' + obs['setup']]
    logs = obs['logs']
    rw = {int(k): r for k, r in sc['rewrite'].items()}

    def fwd(sig):
        return rw.get(sig, sig)

    plain = not sc['pid1']
    only_main = sc['single'] and plain
    ns_tend = 1 if sc['pid1'] else obs['tend_pid']
    sends = obs['sends']
    nodes = {n['id']: n for n in sc['nodes']}
    started = {int(k): recs for k, recs in logs.items() if k != 'stranger' and recs
               and recs[0][1] == 'start'}
    main = started[0]
    pgid_main = main[0][4]

    def end_of(recs):
        for r in recs:
            if r[1] in ('exit', 'die'):
                return r
        return None

    # When tend, stopped by a forwarded SIGTSTP (not as PID 1), acts again.
    stopped = []
    if plain:
        for i, (b, a, sig) in enumerate(sends):
            if sig in SUSPENDS:
                cont = next((x[1] for x in sends[i + 1:] if x[2] == S.SIGCONT), float('inf'))
                stopped.append((b, cont))

    def eff(t):
        for b, c in stopped:
            if b <= t < c:
                return c
        return t

    main_end = end_of(main)
    # Warning lines and their arrival.
    warns = [(t, l) for t, l in obs['stderr'] if 'expired: sent SIGKILL' in l]
    touts = [(t, l) for t, l in obs['stderr'] if l.startswith('tend: --timeout expired')]
    for t, l in obs['stderr']:
        if not (l.startswith('tend: grace period of') or l.startswith('tend: --timeout expired')):
            v.append('message: unexpected line on stderr: %r' % l)
    if len(warns) > 1:
        v.append('sigkill: %d warning lines, want at most one: %s' % (
            len(warns), [l for t, l in warns]))

    # The grace deadline: earliest it may be, latest it must be.
    lo, hi = [], []
    # -D holds the first stop signal while the main child runs: it goes when
    # the delay ends, a second stop signal comes, or --timeout fires; it is
    # dropped if the main child exits first.
    def starts(sig):
        return (sig in STOPS and fwd(sig)) or fwd(sig) in STOPS
    held = None
    for i, (b, a, sig) in enumerate(sends):
        if not starts(sig):
            continue
        if sc.get('delay') and (main_end is None or main_end[0] > b) and not (
                touts and touts[0][0] < b):
            later = [x for x in sends[i + 1:] if starts(x[2])]
            rel_lo = min([b + sc['delay']] + [x[0] for x in later[:1]]
                         + ([obs['t_popen'] + sc['timeout']] if sc['timeout'] else []))
            # The same standard signal sent again before tend took the first
            # merges with it, and then hurries nothing.
            merged = [x for x in later if x[2] == sig and sig < RTMIN and x[0] < a + LATENCY]
            hurry = [x for x in later if x not in merged]
            held_merged = {id(x) for x in merged}
            rel_hi = min([eff(a + sc['delay'])] + [eff(x[1]) for x in hurry[:1]]
                         + ([eff(obs['main_start'] + sc['timeout'])] if sc['timeout'] else []))
            held = {'index': i, 'lo': rel_lo, 'hi': rel_hi + LATENCY,
                    'merged': {k for k, x in enumerate(sends) if id(x) in held_merged}}
        break
    stop_trig = []
    for i, (b, a, sig) in enumerate(sends):
        if starts(sig):
            if held and i == held['index']:
                stop_trig.append((held['lo'], held['hi']))
            else:
                stop_trig.append((b, eff(a) + LATENCY))
    lo += [t for t, u in stop_trig]
    hi += [u for t, u in stop_trig]
    if main_end:
        lo.append(main_end[0])
        if not only_main:
            hi.append(eff(main_end[0]) + LATENCY)
    if sc['timeout'] and (not main_end or main_end[0] > obs['t_popen'] + sc['timeout']):
        lo.append(obs['t_popen'] + sc['timeout'])
        hi.append(eff(obs['main_start'] + sc['timeout']) + LATENCY)
    d_lo = min(lo) + sc['grace'] if lo else float('inf')
    d_hi = eff(min(hi) + sc['grace']) if hi else float('inf')

    # Who died without a record: SIGKILLed (by tend, or by the kernel when
    # tend left PID 1 with them still there). -c outside PID 1 leaves the
    # others alone: those still running when tend exited are not counted.
    killed = []
    for k, recs in started.items():
        if end_of(recs) or (only_main and k != 0 and k in alive_ids(obs)):
            continue
        killed.append(k)
    if plain and not sc['single']:
        for k in obs['alive_after']:
            if k != 'stranger':
                v.append('left: process %s (pid %d) still running after tend exited' % (
                    k, started[int(k)][0][2]))
    kpids = {started[k][0][2]: k for k in killed}
    if killed and sc['grace'] == 0:
        v.append('sigkill: processes %s ended without exiting (SIGKILL) though -t 0 never '
                 'escalates%s' % (sorted(killed), ' (tend as PID 1 left them to the kernel)'
                                  if sc['pid1'] else ''))
    elif killed and not warns:
        v.append('sigkill: processes %s were SIGKILLed%s, and tend printed no warning' % (
            sorted(killed), ' (or left to the kernel when PID 1 exited)' if sc['pid1'] else ''))
    if warns:
        wt, wl = warns[0]
        m = re.search(r'sent SIGKILL to (\d+) process(?:es)?:(.*)$', wl)
        if sc['grace'] == 0:
            v.append('sigkill: a warning with -t 0: %r' % wl)
        if m:
            count = int(m.group(1))
            named = [int(x) for x in re.findall(r'(\d+) \(', m.group(2))]
            pid_to = {recs[0][2]: k for k, recs in started.items()}
            stranger = [r[2] for r in logs.get('stranger', [])[:1]]
            for p in named:
                # A process killed before its first log line has no pid on record.
                if p not in pid_to:
                    if p in stranger:
                        v.append('stranger: the warning names the stranger, pid %d' % p)
                elif end_of(started[pid_to[p]]) and end_of(started[pid_to[p]])[0] > wt:
                    v.append('sigkill: the warning names %d, which lived on' % p)
            # Forked while tend read /proc for the SIGKILL: the 100 ms resweep
            # kills it without a word (README, Limits: forks during a signal).
            late = {started[k][0][2] for k in killed if started[k][0][0] > wt - LATENCY}
            if count < len(killed) - len(late) or (
                    count <= 8 and not set(kpids) - late <= set(named)):
                v.append('sigkill: killed %s (pids %s), the warning says %r' % (
                    sorted(killed), sorted(kpids), wl))
        if wt < d_lo - 0.002:
            v.append('sigkill: SIGKILL %.3fs before the grace deadline (%r)' % (d_lo - wt, wl))
        if wt > d_hi + KILL_SLACK:
            v.append('sigkill: SIGKILL %.3fs after the latest grace deadline' % (wt - d_hi))
    # Whoever tend must kill is gone soon after the deadline.
    if sc['grace'] > 0 and d_hi < float('inf'):
        for k, recs in started.items():
            e = end_of(recs)
            if only_main and k != 0:
                continue
            if e and recs[0][0] < d_hi and e[0] > d_hi + KILL_SLACK and not (
                    e[1] == 'die' and e[2] == 9):
                v.append('sigkill: process %d still ran %.2fs after the latest grace deadline'
                         % (k, e[0] - d_hi))

    # Exit status.
    status = obs['status']
    if status is None:
        v.append('hang: tend still running %.1fs after the main child started' % obs['hang'])
    else:
        if status < 0:
            status = 128 - status
        if main_end is None:
            want = 137
        elif main_end[1] == 'die':
            want = 128 + main_end[2]
        else:
            want = 0 if main_end[2] in sc['remap'] else main_end[2]
        if touts:
            if status != 124:
                v.append('status: --timeout expired, tend exited %d, want 124' % status)
            if touts[0][0] < obs['t_popen'] + sc['timeout']:
                v.append('status: --timeout fired early')
            if main_end and main_end[0] < obs['t_popen'] + sc['timeout'] - 0.002:
                v.append('status: --timeout fired after the main child had exited')
        else:
            if sc['timeout'] and (main_end is None or main_end[0] >
                                  eff(obs['main_start'] + sc['timeout']) + 1.0) \
                    and status == want and main_end is not None:
                v.append('status: --timeout %gs never fired' % sc['timeout'])
            if status != want:
                v.append('status: tend exited %d, want %d (main child: %s)' % (
                    status, want, ' '.join(map(str, main_end[1:])) if main_end else 'SIGKILLed'))
        # Done means done: no sleeping out the grace.
        ends = [e[0] for recs in started.values() for e in [end_of(recs)] if e]
        if only_main:
            ends = [main_end[0]] if main_end else []
        last = max(ends + ([warns[0][0]] if warns else []) + [obs['main_start']])
        if obs['t_exit'] > eff(last) + 1.0:
            v.append('linger: tend exited %.2fs after the last process ended' % (
                obs['t_exit'] - last))

    # Forwarding to the main child: as sent, in order, nothing added.
    got = [r for r in main if r[1] == 'sig' and r[3] == ns_tend and r[4] == 0]
    gs = [r[2] for r in got]
    if touts and fwd(S.SIGTERM) and fwd(S.SIGTERM) in gs:
        t_first = obs['t_popen'] + sc['timeout']
        for i, r in enumerate(got):
            if r[2] == fwd(S.SIGTERM) and r[0] >= t_first:
                del gs[i]
                break
    disp = nodes[0]['disp']
    if main_end:
        consume_end = main_end[0]
    else:
        last = main[-1]
        consume_end = last[0] if last[1] == 'stop' else min(d_lo, obs['t_exit'])
    # A stopped main child takes its signals only once continued.
    main_stops, at = [], None
    for r in main:
        if r[1] == 'stop':
            at = r[0]
        elif r[1] == 'cont' and at is not None:
            main_stops.append((at, r[0]))
            at = None
    if at is not None:
        main_stops.append((at, float('inf')))

    def arrives(t):
        for b, c in main_stops:
            if b <= t < c:
                return c + LATENCY
        return t

    # SIGKILLed by the grace, the main child had the grace's whole length to
    # take the signal that started it: tend forwards it, then starts the grace.
    first_stop = next((i for i, x in enumerate(sends) if starts(x[2])), None)
    sure = (not main_end and warns and not touts and sc['grace'] >= 0.2
            and not any(r[1] == 'stop' for r in main))

    sent = []
    hold_item = None
    first_after = last_before = None
    for i, (b, a, sig) in enumerate(sends):
        f = fwd(sig)
        if not f or sig == S.SIGCHLD:
            continue
        seen = not (disp[f - 1] == 'i' or (disp[f - 1] == 'd' and f in DEFAULT_IGNORED))
        if held and i == held['index']:
            hold_item = (f, arrives(held['hi']) < consume_end or bool(sure), seen, sig)
            first_after = len(sent)
            continue
        if held and b < held['lo']:
            first_after = len(sent) + 1
        if held and b <= held['hi']:
            last_before = len(sent) + 1
        must = (arrives(eff(a) + LATENCY) < consume_end or (sure and i == first_stop)) and not (
            held and i in held['merged'])
        sent.append((f, must, seen, sig))
    if hold_item:
        ways = [tuple(sent[:p]) + (hold_item,) + tuple(sent[p:])
                for p in range(first_after, max(first_after, last_before or 0) + 1)]
    else:
        ways = [tuple(sent)]
    if hold_item:
        sent = list(ways[-1])
    if not any(feasible(w, tuple(gs)) for w in ways):
        v.append('forward: the main child got %s from tend; tend was sent %s (forwarded as %s, '
                 '* = must arrive)' % (
                     [name(s) for s in gs], [name(s) for b, a, s in sends],
                     [name(s) + ('*' if m else '') for s, m, seen, r in sent if seen]))

    # Everyone else: only what was forwarded, only where it may go.
    may = {}
    for b, a, sig in sends:
        if fwd(sig) and sig != S.SIGCHLD:
            may[fwd(sig)] = may.get(fwd(sig), 0) + 1
    # Possible unless a stop (or --timeout) was surely under way when it exited.
    stop_hi = [u for t, u in stop_trig]
    if sc['timeout']:
        stop_hi.append(eff(obs['main_start'] + sc['timeout']) + LATENCY)
    cleanup = main_end is not None and main_end[0] < min(stop_hi + [float('inf')])
    main_end_lo = main_end[0] if main_end else (d_lo if sc['grace'] else float('inf'))
    def was_in_group(k):
        """Forked in the main child's group: there until its setsid()."""
        parent = nodes[k]['parent']
        return parent in started and started[parent][0][4] == pgid_main

    for k, recs in started.items():
        if k == 0:
            continue
        seen = {}
        pg = recs[0][4]
        for r in recs:
            if r[1] != 'sig' or r[3] != ns_tend or r[4] != 0:
                continue
            sig = r[2]
            seen[sig] = seen.get(sig, 0) + 1
            if only_main:
                v.append('stranger: -c not as PID 1, yet process %d got SIG%s from tend' % (
                    k, name(sig)))
            elif r[0] < main_end_lo and (sc['single'] or pg != pgid_main) and not (
                    was_in_group(k) and r[0] < recs[0][0] + LATENCY):
                v.append('forward: process %d (%s) got SIG%s from tend while the main child '
                         'ran' % (k, 'with -c' if sc['single'] else 'outside its group',
                                  name(sig)))
        for sig, c in seen.items():
            allowed = may.get(sig, 0)
            if sig in (S.SIGTERM, S.SIGCONT) and cleanup:
                allowed += 1
            if sig == fwd(S.SIGTERM) and touts:
                allowed += 1
            if c > allowed:
                v.append('forward: process %d got SIG%s %d times from tend, at most %d allowed' % (
                    k, name(sig), c, allowed))

    # What the main child leaves behind, when it exits on its own, gets
    # SIGTERM and then SIGCONT (README: "The main child exits on its own").
    stop_lo = [t for t, u in stop_trig]
    if sc['timeout']:
        stop_lo.append(obs['t_popen'] + sc['timeout'])
    if main_end and not only_main and eff(main_end[0]) + LATENCY < min(stop_lo + [float('inf')]):
        for k, recs in started.items():
            e = end_of(recs)
            if k == 0 or not e or recs[0][0] >= main_end[0] or e[0] < eff(main_end[0]) + LATENCY:
                continue
            for sig in (S.SIGTERM, S.SIGCONT):
                if nodes[k]['disp'][sig - 1] in 'le' and not any(
                        r[1] == 'sig' and r[2] == sig and r[3] == ns_tend for r in recs):
                    v.append('cleanup: process %d outlived the main child by %.2fs and never got '
                             'SIG%s from tend' % (k, e[0] - main_end[0], name(sig)))

    # Strangers.
    for r in logs.get('stranger', []):
        if r[1] == 'sig' and r[3] == obs['tend_pid']:
            v.append('stranger: the stranger in tend\'s group got SIG%s from tend' % name(r[2]))

    # Zombies, descriptors, memory.
    since = {}
    for smp in obs['samples']:
        if smp['state'] == 'T':
            since = {}
            continue
        since = {p: since.get(p, smp['t']) for p in smp['zombies']}
        for p, t0 in since.items():
            if smp['t'] - t0 > ZOMBIE_BOUND:
                v.append('zombie: pid %d a zombie for %.1fs under tend' % (p, smp['t'] - t0))
                since = {}
                break
    smp = obs['samples']
    if len(smp) >= 4:
        if min(x['fds'] for x in smp[-3:]) > smp[0]['fds']:
            v.append('fd: tend had %d descriptors, then %d' % (smp[0]['fds'], smp[-1]['fds']))
        if min(x['rss'] for x in smp[-3:]) > smp[0]['rss'] + 64:
            v.append('rss: tend grew from %d KiB to %d KiB' % (smp[0]['rss'], smp[-1]['rss']))
    return v


def trace(obs):
    """What each process saw, in a line: for the report of a failure or a replay."""
    t0 = obs['main_start'] or obs['t_popen']
    tend_ns = obs['tend_pid']
    out = []
    for k in sorted(obs['logs'], key=lambda k: (k == 'stranger', k)):
        words = []
        for r in obs['logs'][k]:
            at = '+%.3f' % (r[0] - t0)
            if r[1] == 'start':
                words.append('%s start pid %d pgid %d sid %d' % (at, r[2], r[4], r[5]))
            elif r[1] == 'sig':
                frm = 'tend' if r[3] in (1, tend_ns) and r[4] == 0 else 'pid %d code %d' % (
                    r[3], r[4])
                words.append('%s SIG%s from %s' % (at, name(r[2]), frm))
            elif r[1] in ('exit', 'die'):
                words.append('%s %s %s' % (at, r[1], r[2] if r[1] == 'exit' else 'SIG' + name(r[2])))
            elif r[1] in ('stop', 'cont'):
                words.append('%s %s' % (at, r[1]))
        out.append('%s: %s' % (k, ', '.join(words)))
    sends = ', '.join('+%.3f SIG%s' % (b - t0, name(sig)) for b, a, sig in obs['sends'])
    out.append('sent to tend: %s' % (sends or 'nothing'))
    out.append('tend exited at +%.3f' % (obs['t_exit'] - t0))
    return out


def alive_ids(obs):
    return {int(k) for k in obs['alive_after'] if k != 'stranger'}


# ---------------------------------------------------------------- driver

def worker(args):
    """One scenario in this process, which is the subreaper of its leftovers."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    with open(args.run) as f:
        sc = json.load(f)
    obs = run(sc, args.tend, args.bindir, args.slot, args.uid_base)
    violations = judge(sc, obs)
    keep = obs['dir']
    summary = {'violations': violations, 'status': obs['status'], 'dir': keep,
               'stderr': [l for t, l in obs['stderr']],
               'trace': trace(obs)}
    if not violations and not args.keep:
        subprocess.run(['rm', '-rf', keep])
    json.dump(summary, sys.stdout)


def run_one(sc, args, slot):
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        json.dump(sc, f)
        path = f.name
    try:
        p = subprocess.run([sys.executable, os.path.abspath(__file__), '--run', path, '--slot',
                            str(slot), '--tend', args.tend, '--bindir', args.bindir,
                            '--uid-base', str(args.uid_base)]
                           + (['--keep'] if args.keep else []),
                           stdout=subprocess.PIPE, timeout=120)
        return json.loads(p.stdout or b'{"violations": ["driver: no result"]}')
    except subprocess.TimeoutExpired:
        return {'violations': ['driver: scenario took over 120 s'], 'status': None}
    finally:
        os.unlink(path)


def category(violation):
    return violation.split(':', 1)[0]


def shrink(sc, first, args, slot):
    """Drop events, processes and options while the same kind of violation stays."""
    want = category(first)
    budget = time.monotonic() + args.shrink_seconds

    def fails(cand):
        r = run_one(cand, args, slot)
        return any(category(x) == want for x in r['violations'])

    def candidates(cur):
        evs = cur['events']
        for i in range(len(evs) - 1, -1, -1):
            if evs[i].get('pair'):
                continue
            c = json.loads(json.dumps(cur))
            drop = {i}
            if evs[i]['sig'] in SUSPENDS:
                j = next((j for j in range(i + 1, len(evs)) if evs[j].get('pair')), None)
                if j is not None:
                    drop.add(j)
            c['events'] = [e for k, e in enumerate(evs) if k not in drop]
            yield c
        for n in reversed(cur['nodes'][1:]):
            gone = {n['id']}
            for m in cur['nodes']:
                if m['parent'] in gone:
                    gone.add(m['id'])
            c = json.loads(json.dumps(cur))
            c['nodes'] = [m for m in c['nodes'] if m['id'] not in gone]
            yield c
        for key, empty in (('line', False), ('remap', []), ('rewrite', {}), ('timeout', 0),
                           ('delay', 0)):
            if cur[key] != empty:
                c = json.loads(json.dumps(cur))
                c[key] = empty
                yield c

    cur = sc
    progress = True
    while progress and time.monotonic() < budget:
        progress = False
        for cand in candidates(cur):
            if time.monotonic() > budget:
                break
            if fails(cand):
                cur = cand
                progress = True
                break
    return cur if cur is not sc else None


def main():
    ap = argparse.ArgumentParser(description='random scenarios against the contract')
    ap.add_argument('--seeds', type=int, default=200)
    ap.add_argument('--first', type=int, default=1)
    ap.add_argument('--seed', type=int)
    ap.add_argument('--scenario')
    ap.add_argument('--tend', default=os.path.join(ROOT, 'tend'))
    ap.add_argument('--bindir')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--stop-on-fail', action='store_true')
    ap.add_argument('--no-shrink', action='store_true')
    ap.add_argument('--shrink-seconds', type=float, default=90)
    ap.add_argument('--keep', action='store_true')
    ap.add_argument('--run', help=argparse.SUPPRESS)
    ap.add_argument('--slot', type=int, default=0, help=argparse.SUPPRESS)
    # Runs side by side must not share a uid: RLIMIT_NPROC and kill(-1) count per uid.
    ap.add_argument('--uid-base', type=int, default=BASE_UID + os.getpid() % 1000 * 8)
    args = ap.parse_args()
    if args.run:
        return worker(args)
    if os.geteuid() != 0:
        print('chaos: needs root: each scenario runs as a uid of its own, '
              'as PID 1 of a new PID namespace or not', file=sys.stderr)
        return 2
    for path in (args.tend, ACTOR):
        if not os.access(path, os.X_OK):
            print('chaos: %s: not built (make tend build/chaos/actor)' % path, file=sys.stderr)
            return 2
    args.tend = args.tend_given = os.path.abspath(args.tend)
    # The scenario's own user must be able to run tend, the actor and the -L helper.
    bindir = tempfile.mkdtemp(prefix='chaos-bin.')
    os.chmod(bindir, 0o755)
    for src, dst in ((args.tend, 'tend'), (ACTOR, 'actor'),
                     (os.path.join(os.path.dirname(args.tend), 'tend-linebuf.so'),
                      'tend-linebuf.so'),
                     (os.path.join(ROOT, 'tend-linebuf.so'), 'tend-linebuf.so')):
        if os.path.exists(src) and not os.path.exists(os.path.join(bindir, dst)):
            subprocess.run(['cp', src, os.path.join(bindir, dst)], check=True)
            os.chmod(os.path.join(bindir, dst), 0o755)
    args.bindir = bindir
    args.tend = os.path.join(bindir, 'tend')
    try:
        return drive(args)
    finally:
        subprocess.run(['rm', '-rf', bindir])


def drive(args):
    if args.scenario:
        with open(args.scenario) as f:
            scenarios = [json.load(f)]
    elif args.seed is not None:
        scenarios = [generate(args.seed)]
    else:
        scenarios = [generate(s) for s in range(args.first, args.first + args.seeds)]
    verbose = len(scenarios) == 1
    default_tend = os.path.samefile(args.tend_given, os.path.join(ROOT, 'tend')) if os.path.exists(
        os.path.join(ROOT, 'tend')) else False
    other = '' if default_tend else ' --tend ' + os.path.relpath(args.tend_given, os.getcwd())
    passed = failed = 0
    lock = threading.Lock()
    queue = list(scenarios)
    stop = threading.Event()
    started = time.monotonic()

    def report(sc, res, slot):
        nonlocal passed, failed
        if not res['violations']:
            passed += 1
            if verbose:
                print(describe(sc))
                print('  tend exited %s; stderr: %s' % (res['status'], res['stderr'] or 'none'))
                print('\n'.join('    ' + l for l in res.get('trace', [])))
                print('ok')
            return
        failed += 1
        lines = ['FAIL ' + describe(sc)]
        lines.append('  observed: tend exited %s; stderr: %s; logs in %s' % (
            res['status'], res['stderr'] or 'none', res.get('dir')))
        lines += ['  seen: ' + x for x in res.get('trace', [])]
        lines += ['  violation: ' + x for x in res['violations']]
        if args.scenario:
            lines.append('  replay: chaos/chaos.py --scenario %s%s' % (args.scenario, other))
        elif other:
            lines.append('  replay: chaos/chaos.py --seed %s%s' % (sc['seed'], other))
        else:
            lines.append('  replay: make chaos SEED=%s' % sc['seed'])
        print('\n'.join(lines), flush=True)
        if args.no_shrink or stop.is_set():
            return
        small = shrink(sc, res['violations'][0], args, slot)
        if small:
            os.makedirs(os.path.join(ROOT, 'build/chaos/failures'), exist_ok=True)
            path = os.path.join(ROOT, 'build/chaos/failures/seed-%s.min.json' % sc['seed'])
            with open(path, 'w') as f:
                json.dump(small, f, indent=1)
            print('  smaller scenario that still fails (%s):\n%s\n  replay: chaos/chaos.py '
                  '--scenario %s' % (category(res['violations'][0]),
                                     '\n'.join('  ' + l for l in describe(small).split('\n')),
                                     os.path.relpath(path, os.getcwd()) + other), flush=True)

    def loop(slot):
        while not stop.is_set():
            with lock:
                if not queue:
                    return
                sc = queue.pop(0)
            res = run_one(sc, args, slot)
            with lock:
                report(sc, res, slot)
                if res['violations'] and args.stop_on_fail:
                    stop.set()
                done = passed + failed
                if not verbose and done % 100 == 0:
                    print('chaos: %d scenarios, %.0f s' % (done, time.monotonic() - started),
                          file=sys.stderr, flush=True)

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(args.jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main() or 0)
