#!/usr/bin/python3
"""Turn scripts/bench.sh's results.txt into the benchmark report.

Usage: bench-report.py RESULTS [MACHINE_TXT]

Result lines (written by bench.sh):
  A DEV ACCEL                              accelerator a guest ran under
  G BACKEND SPEC DEV REP key=value...      fio result of one guest job
  U BACKEND SPEC DEV REP CPU_RATE          QEMU CPU-seconds per second then
  L DEV REP phase=... key=value...         load generator phase
  C DEV noop=0|1 cmds=N ir=N               callgrind total instructions
  CL DEV noop=0|1 cmds=N ir=N polls=N      the same, lean-batch:read
  S K Q[ns] REP phase=... key=value...     scaling: K iothreads x Q pairs
  M KEY VALUE...                           machine notes (load average)
  MIG DEV REP HOP downtime=MS total=MS setup=MS   one live migration hop
  MIGFAIL DEV REP HOP ERROR...             a migration that did not complete
  G mig migrate DEV REP key=value...       the fio load running across them
Devices: ours (a), oursio (a': ours with an iothread), upstream (b),
virtio (c).  Values of repeated rounds
are averaged; "spread" is (max - min) / mean of IOPS over the rounds.
"""
import os
import sys
from collections import defaultdict

DEVS = ["ours", "oursio", "upstream", "virtio"]
OURS = ("ours", "oursio")
LABEL = {"ours": "(a) ours", "oursio": "(a') +iothread", "upstream": "(b) upstream",
         "virtio": "(c) virtio-blk"}


def kv(words):
    out = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            out[k] = v
    return out


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, digits=0, width=8):
    if v is None:
        return "-".rjust(width)
    return f"{v:{width}.{digits}f}"


def fmt_ratio(v, width=6):
    return "-".rjust(width) if v is None else f"{v:{width}.2f}"


def spec_name(spec):
    rw, bs, qd, eng = spec.split(":")
    return f"{rw} {bs} QD{qd} {eng}"


LOCK_FNS = ("qemu_mutex_lock_impl", "qemu_rec_mutex_lock_impl", "pthread_mutex_lock")


def cg_functions(path):
    """Yield (fn, line) over a callgrind file with uncompressed names."""
    fn = None
    with open(path) as f:
        for line in f:
            if line.startswith("fn="):
                fn = line.split(" ", 1)[-1].strip() if " " in line else line[3:].strip()
            yield fn, line


def cg_locks(path):
    """(all lock calls, lock calls from nvme_* functions) of a callgrind file."""
    total = nvme = 0
    cfn = None
    for fn, line in cg_functions(path):
        if line.startswith("cfn="):
            cfn = line[4:].split(" ", 1)[-1].strip()
        elif line.startswith("calls=") and cfn and cfn.split("'")[0] in LOCK_FNS:
            c = int(line[6:].split()[0])
            # pthread_mutex_lock is also called by the QEMU wrappers: count
            # the wrappers, and only direct pthread calls of other code
            if cfn == "pthread_mutex_lock" and fn and fn.startswith("qemu_"):
                continue
            total += c
            if fn and fn.startswith("nvme_"):
                nvme += c
    return total, nvme


def cg_top(path, k):
    """The @k functions with the most exclusive instructions."""
    cost = defaultdict(int)
    call = False
    for fn, line in cg_functions(path):
        if line.startswith("calls="):
            call = True             # the next cost line is the call's
            continue
        if fn and line[:1] and line[:1] in "0123456789+-*":
            parts = line.split()
            if not call and len(parts) >= 2:
                cost[fn] += int(parts[1])
            call = False
    return sorted(cost.items(), key=lambda x: -x[1])[:k]


def cg_per_cmd(cg):
    """dev -> instructions per command: (run - no-op baseline) / commands."""
    out = {}
    for dev in ("ours", "upstream"):
        run, base = cg.get((dev, "0")), cg.get((dev, "1"))
        if run and base and run[0] and base[0] and run[1]:
            out[dev] = (run[0] - base[0]) / run[1]
    return out


def main():
    accel = {}
    guest = defaultdict(lambda: defaultdict(list))   # (backend, spec, dev) -> key -> [values]
    cpu = defaultdict(list)                          # (backend, spec, dev) -> [rate]
    specs = defaultdict(list)                        # backend -> [spec] in order
    loadgen = defaultdict(lambda: defaultdict(list))  # (phase, dev) -> key -> [values]
    phases = []
    cg = {}
    cgl = {}
    scaling = defaultdict(lambda: defaultdict(list))  # (iothreads, queues, phase) -> key -> [values]
    notes = {}
    errors = []
    mig = defaultdict(lambda: defaultdict(list))     # dev -> key -> [values]
    migfail = {}                                     # dev -> error
    migload = defaultdict(list)                      # dev -> [(iops, err)]
    with open(sys.argv[1]) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "A":
                accel[w[1]] = w[2]
            elif w[0] == "MIG":
                for k, v in kv(w[4:]).items():
                    mig[w[1]][k].append(num(v))
            elif w[0] == "MIGFAIL":
                migfail[w[1]] = " ".join(w[4:])
            elif w[0] == "G" and w[1] == "mig":
                vals = kv(w[5:])
                migload[w[3]].append((num(vals.get("iops")), vals.get("err")))
            elif w[0] == "G":
                backend, spec, dev = w[1], w[2], w[3]
                vals = kv(w[5:])
                if spec not in specs[backend]:
                    specs[backend].append(spec)
                if vals.get("err") != "0":
                    errors.append(f"guest {backend} {spec} {dev} round {w[4]}: err={vals.get('err')}")
                    continue
                for k in ("iops", "mean_us", "p99_us"):
                    guest[(backend, spec, dev)][k].append(num(vals.get(k)))
            elif w[0] == "U":
                cpu[(w[1], w[2], w[3])].append(num(w[5]))
            elif w[0] == "L":
                dev = w[1]
                vals = kv(w[3:])
                ph = vals["phase"]
                if ph not in phases:
                    phases.append(ph)
                if vals.get("errors") != "0":
                    errors.append(f"loadgen {dev} {ph}: {vals.get('errors')} commands failed")
                for k in ("cmds_per_s", "cmds_per_cpu_s"):
                    loadgen[(ph, dev)][k].append(num(vals.get(k)))
            elif w[0] == "S":
                vals = kv(w[4:])
                key = (int(w[1]), w[2], vals["phase"])
                if vals.get("errors") != "0":
                    errors.append(f"scaling {w[1]}x{w[2]} {vals['phase']}: {vals.get('errors')} commands failed")
                for k in ("cmds_per_s", "cmds_per_cpu_s", "cmds_per_iot_cpu_s", "iot_wait_s",
                          "gen_cpu_s", "main_cpu_s", "wall_s"):
                    scaling[key][k].append(num(vals.get(k)))
            elif w[0] == "C":
                vals = kv(w[2:])
                cg[(w[1], vals["noop"])] = (num(vals.get("ir")), num(vals.get("cmds")))
            elif w[0] == "CL":
                vals = kv(w[2:])
                cgl[(w[1], vals["noop"])] = (num(vals.get("ir")), num(vals.get("cmds")),
                                             num(vals.get("polls")))
            elif w[0] == "M":
                notes[w[1]] = " ".join(w[2:])

    out = []
    p = out.append
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            out.extend(l.rstrip("\n") for l in f)
        p("")
    accels = sorted(set(accel.values()))
    if accels:
        p("accelerator: " + ", ".join(f"{LABEL[d]} {a}" for d, a in accel.items()))
        if "tcg" in accels:
            p("  TCG: no usable KVM here, the guest CPU is emulated; guest figures measure")
            p("  mostly CPU emulation (driver, fio and interrupt handling run 10-50x slower),")
            p("  not the devices.  The load generator and callgrind figures have no guest CPU.")
    if "load_start" in notes:
        p(f"load average (1/5/15 min): start {notes['load_start']}, end {notes.get('load_end', '?')}"
          " (2 host CPUs shared with other developers' builds and tests)")
    p("")

    # ---- guest table
    summary = {}   # (backend, spec, dev) -> (iops, mean, p99, cpu/MIO, spread)
    for backend in specs:
        for spec in specs[backend]:
            for dev in DEVS:
                g = guest.get((backend, spec, dev))
                if not g:
                    continue
                iops = mean(g["iops"])
                rate = mean(cpu.get((backend, spec, dev), []))
                cpm = rate / iops * 1e6 if rate is not None and iops else None
                xs = [x for x in g["iops"] if x]
                spread = (max(xs) - min(xs)) / iops if iops and len(xs) > 1 else None
                summary[(backend, spec, dev)] = (iops, mean(g["mean_us"]), mean(g["p99_us"]), cpm, spread)
    if summary:
        p("Guest fio (numjobs = 2 vCPUs, iodepth per job; mean = total latency, p99 = completion")
        p("latency; CPU = QEMU process CPU-seconds per million I/Os; ratios are (a) and (a') over (b) and (c)):")
        for backend in specs:
            title = {"null": "null-co (read-zeroes=on)", "file": "raw image on tmpfs (aio=threads)"}.get(backend, backend)
            p("")
            p(f"backend: {title}")
            p(f"{'job':<27} {'device':<15} {'IOPS':>8} {'spread':>6} {'mean us':>8} {'p99 us':>8} {'CPU s/MIO':>9}"
              f" {'IOPS/b':>6} {'IOPS/c':>6} {'lat/b':>6} {'CPU/b':>6} {'CPU/c':>6}")
            for spec in specs[backend]:
                first = True
                for dev in DEVS:
                    s = summary.get((backend, spec, dev))
                    if not s:
                        continue
                    iops, lat, p99, cpm, spread = s
                    line = (f"{spec_name(spec) if first else '':<27} {LABEL[dev]:<15} {fmt(iops)} "
                            f"{'-' if spread is None else f'{spread * 100:.0f}%':>6} {fmt(lat, 1)} {fmt(p99, 0)} {fmt(cpm, 1, 9)}")
                    if dev in OURS:
                        b = summary.get((backend, spec, "upstream"))
                        c = summary.get((backend, spec, "virtio"))
                        line += (f" {fmt_ratio(ratio(iops, b and b[0]))} {fmt_ratio(ratio(iops, c and c[0]))}"
                                 f" {fmt_ratio(ratio(lat, b and b[1]))} {fmt_ratio(ratio(cpm, b and b[3]))}"
                                 f" {fmt_ratio(ratio(cpm, c and c[3]))}")
                    p(line)
                    first = False
        p("")

    # ---- load generator
    lg = {}
    if phases:
        p("Load generator (qtest socket, no guest CPU, null-co read-zeroes=off, 1 queue pair of 2048,")
        p("MSI-X; batch = 2047 commands per doorbell write; QD1/QD32 figures include the qtest")
        p("round trips of polling, so they understate device differences; lean-*: SQEs written")
        p("once, doorbells and one CQE read per chunk, IEN=0: lean-batch 1023 commands per doorbell,")
        p("two chunks in flight, lean-qd32 16 per doorbell, 32 in flight; CPU = whole QEMU process):")
        p(f"{'phase':<16} {'(a) cmds/s':>11} {'cmds/CPU-s':>11} {'(b) cmds/s':>11} {'cmds/CPU-s':>11} {'CPU/cmd a/b':>11}")
        for ph in phases:
            a = loadgen.get((ph, "ours"), {})
            b = loadgen.get((ph, "upstream"), {})
            ar, ac = mean(a.get("cmds_per_s", [])), mean(a.get("cmds_per_cpu_s", []))
            br, bc = mean(b.get("cmds_per_s", [])), mean(b.get("cmds_per_cpu_s", []))
            lg[ph] = ratio(bc, ac)
            p(f"{ph:<16} {fmt(ar, 0, 11)} {fmt(ac, 0, 11)} {fmt(br, 0, 11)} {fmt(bc, 0, 11)} {fmt_ratio(lg[ph], 11)}")
        p("")
    irc = cg_per_cmd(cg)
    if irc:
        p("Callgrind, instructions per command of the whole QEMU process (batch:mixed, "
          f"{int(cg[('ours', '0')][1]) if ('ours', '0') in cg else '?'} commands, minus the same qtest traffic with no-op doorbells):")
        for dev in ("ours", "upstream"):
            if dev in irc:
                p(f"  {LABEL[dev]:<15} {irc[dev]:10.0f} instructions/command")
        if len(irc) == 2:
            p(f"  ratio (a)/(b): {irc['ours'] / irc['upstream']:.2f}")
        p("")
    ircl = cg_per_cmd(cgl)
    if ircl:
        p("Callgrind, lean generator (lean-batch:read: 4 KiB reads, 1023 per doorbell, SQEs")
        p("written once, IEN=0; minus the same doorbells and one poll per chunk, no-op):")
        for dev in ("ours", "upstream"):
            if dev in ircl:
                run = cgl[(dev, "0")]
                extra = (run[2] or 0) - (cgl[(dev, "1")][2] or 0)
                p(f"  {LABEL[dev]:<15} {ircl[dev]:10.0f} instructions/command"
                  f" ({int(run[1])} commands, {extra:.0f} polls more than the baseline)")
        if len(ircl) == 2:
            p(f"  ratio (a)/(b): {ircl['ours'] / ircl['upstream']:.2f}")
        p("")
    outdir = os.path.dirname(os.path.abspath(sys.argv[1]))
    run_f = os.path.join(outdir, "callgrind-ours-noop0.out")
    base_f = os.path.join(outdir, "callgrind-ours-noop1.out")
    if os.path.exists(run_f) and os.path.exists(base_f) and ("ours", "0") in cg:
        n = cg[("ours", "0")][1]
        run, base = cg_locks(run_f), cg_locks(base_f)
        p("Mutex acquisitions per command (callgrind calls to qemu_mutex_lock_impl /")
        p("qemu_rec_mutex_lock_impl / pthread_mutex_lock, minus the no-op baseline):")
        p(f"  whole QEMU process: {(run[0] - base[0]) / n:.3f}")
        p(f"  taken by hw/nvme (callers nvme_*): {(run[1] - base[1]) / n:.3f}")
        p("")
        p("Where our instructions go (batch:mixed, exclusive, top functions):")
        for name, ir in cg_top(run_f, 15):
            p(f"  {ir / cg[('ours', '0')][0] * 100:5.1f}%  {ir / n:8.0f}/cmd  {name}")
        p("")
    for dev in ("ours", "upstream"):
        run_f = os.path.join(outdir, f"callgrind-{dev}-lean-noop0.out")
        base_f = os.path.join(outdir, f"callgrind-{dev}-lean-noop1.out")
        if not (os.path.exists(run_f) and os.path.exists(base_f) and (dev, "0") in cgl):
            continue
        n = cgl[(dev, "0")][1]
        base = dict(cg_top(base_f, 100000))
        top = sorted(((ir - base.get(name, 0), name) for name, ir in cg_top(run_f, 100000)),
                     reverse=True)[:20]
        p(f"Where {LABEL[dev]}'s instructions go (lean-batch:read, exclusive, top functions,")
        p("per command, minus the no-op baseline):")
        for ir, name in top:
            p(f"  {ir / (ircl[dev] * n) * 100:5.1f}%  {ir / n:8.0f}/cmd  {name}")
        if dev == "ours":
            run, base = cg_locks(run_f), cg_locks(base_f)
            p(f"  mutex acquisitions per command: whole process {(run[0] - base[0]) / n:.3f},"
              f" by hw/nvme {(run[1] - base[1]) / n:.3f}")
        p("")
    if scaling:
        p("Scaling: our nvme, K iothreads driving Q queue pairs (load generator, null-co reads,")
        p("mean of the repeats, spread = (max - min) / mean of cmds/s; iot = the iothreads'")
        p("threads: their CPU time and the time they waited for a CPU, per wall second; gen =")
        p("the generator and QEMU's main thread (qtest), CPU per wall second; Qns: each queue")
        p("a namespace on a null-co node of its own):")
        p(f"{'K x Q':<7} {'phase':<16} {'cmds/s':>10} {'spread':>6} {'x (1x1)':>8} {'cmds/CPU-s':>11}"
          f" {'cmds/iot-CPU-s':>14} {'iot CPU':>7} {'iot wait':>8} {'gen CPU':>7}")
        for (k, q, ph) in sorted(scaling, key=lambda x: (x[2], x[0], len(x[1]), x[1])):
            v = scaling[(k, q, ph)]
            rate = mean(v["cmds_per_s"])
            one = mean(scaling.get((1, "1", ph), {}).get("cmds_per_s", []))
            xs = [x for x in v["cmds_per_s"] if x]
            spread = (max(xs) - min(xs)) / rate if rate and len(xs) > 1 else None
            walls = [w for w in v.get("wall_s", []) if w]

            def per_wall(key):
                vals = [x for x in v.get(key, []) if x is not None]
                if not vals or len(vals) != len(walls):
                    return None
                return mean([x / w for x, w in zip(vals, walls)])
            iot = None
            if rate and mean(v.get("cmds_per_iot_cpu_s", [])):
                iot = rate / mean(v["cmds_per_iot_cpu_s"])
            gen = None
            if per_wall("gen_cpu_s") is not None and per_wall("main_cpu_s") is not None:
                gen = per_wall("gen_cpu_s") + per_wall("main_cpu_s")
            p(f"{k}x{q:<5} {ph:<16} {fmt(rate, 0, 10)} {'-' if spread is None else f'{spread * 100:.0f}%':>6}"
              f" {fmt_ratio(ratio(rate, one), 8)} {fmt(mean(v['cmds_per_cpu_s']), 0, 11)}"
              f" {fmt(mean(v.get('cmds_per_iot_cpu_s', [])), 0, 14)} {fmt(iot, 2, 7)}"
              f" {fmt(per_wall('iot_wait_s'), 2, 8)} {fmt(gen, 2, 7)}")
        p("")

    # ---- live migration
    if mig or migfail:
        p("Live migration under fio (4k randrw QD32, numjobs = 2 vCPUs, raw image on tmpfs), each")
        p("hop to a fresh QEMU on this host; query-migrate's downtime and total time, ms:")
        p(f"{'device':<15} {'hops':>4} {'downtime':>9} {'max':>6} {'total':>8} {'max':>6} {'fio IOPS':>9}"
          f" {'down-c':>7} {'total-c':>8}")
        c = mig.get("virtio", {})
        for dev in DEVS:
            m = mig.get(dev)
            if not m:
                if dev in migfail:
                    p(f"{LABEL[dev]:<15} {'refused' if dev == 'upstream' else 'FAILED'}: {migfail[dev]}")
                    if dev != "upstream":
                        errors.append(f"migration {dev}: {migfail[dev]}")
                continue
            down, total = mean(m["downtime"]), mean(m["total"])
            load = [i for i, e in migload.get(dev, []) if e == "0"]
            bad = [e for i, e in migload.get(dev, []) if e != "0"]
            line = (f"{LABEL[dev]:<15} {len(m['downtime']):>4} {fmt(down, 0, 9)} {fmt(max(m['downtime']), 0, 6)}"
                    f" {fmt(total, 0, 8)} {fmt(max(m['total']), 0, 6)} {fmt(mean(load), 0, 9)}")
            if dev != "virtio" and c:
                cd, ct = mean(c["downtime"]), mean(c["total"])
                line += (f" {'-' if down is None or cd is None else f'{down - cd:+.0f}':>7}"
                         f" {'-' if total is None or ct is None else f'{total - ct:+.0f}':>8}")
            p(line)
            if dev in migfail:
                errors.append(f"migration {dev}: {migfail[dev]}")
            for e in bad:
                errors.append(f"migration {dev}: fio err={e}")
        p("(down-c, total-c: what the device adds over virtio-blk, in ms, same run)")
        p("")

    # ---- goals
    p("Goals of the performance issue (informational; met = yes/no):")

    def goal(text, values, ok):
        vals = [v for v in values if v is not None]
        if not vals:
            p(f"  {text}: not measured")
            return
        worst = min(vals) if ok(1e9) else max(vals)
        met = all(ok(v) for v in vals)
        p(f"  {text}: {'yes' if met else 'no'} (worst {worst:.2f}, all: {' '.join(f'{v:.2f}' for v in vals)})")

    def r(k, dev, i):
        other = summary.get((k[0], k[1], dev))
        return ratio(summary[k][i], other and other[i])
    for ours in OURS:
        if not any(k[2] == ours for k in summary):
            continue
        qd32 = [k for k in summary if k[2] == ours and ":4k:32:" in k[1]]
        qd1 = [k for k in summary if k[2] == ours and ":4k:1:" in k[1]]
        tag = LABEL[ours].split()[0]
        goal(f"{tag} QD32 IOPS >= 1.5x upstream (guest)", [r(k, "upstream", 0) for k in qd32],
             lambda v: v >= 1.5)
        goal(f"{tag} QD32 IOPS >= virtio-blk (guest)", [r(k, "virtio", 0) for k in qd32], lambda v: v >= 1.0)
        goal(f"{tag} QD1 mean latency <= 0.8x upstream (guest)", [r(k, "upstream", 1) for k in qd1],
             lambda v: v <= 0.8)
        goal(f"{tag} host CPU per I/O <= 0.67x upstream (guest)",
             [r(k, "upstream", 3) for k in summary if k[2] == ours], lambda v: v <= 0.67)
    goal("host CPU per command <= 0.67x upstream (load generator)", list(lg.values()), lambda v: v <= 0.67)
    if len(irc) == 2:
        goal("instructions per command <= 0.67x upstream (callgrind)", [irc["ours"] / irc["upstream"]],
             lambda v: v <= 0.67)
    if len(ircl) == 2:
        goal("instructions per 4 KiB read <= 0.5x upstream (callgrind, lean batch)",
             [ircl["ours"] / ircl["upstream"]], lambda v: v <= 0.5)
    one = mean(scaling.get((1, "1", "lean16k-batch:read"), {}).get("cmds_per_s", []))
    if one:
        def x(k, q):
            return ratio(mean(scaling.get((k, q, "lean16k-batch:read"), {}).get("cmds_per_s", [])), one)
        goal("2 iothreads x 2 pairs >= 1.7x 1 x 1 (lean16k batch, a node per queue)", [x(2, "2ns")],
             lambda v: v >= 1.7)
        goal("2 iothreads x 2 pairs >= 1.7x 1 x 1 (lean16k batch, one shared node)", [x(2, "2")],
             lambda v: v >= 1.7)
        two = x(2, "2")
        goal("2 x 4 pairs no worse than 2 x 2 (lean16k batch)",
             [x(2, "4") / two if two and x(2, "4") else None], lambda v: v >= 0.9)
    if errors:
        p("")
        p("Errors:")
        for e in errors:
            p("  " + e)
    print("\n".join(out))


if __name__ == "__main__":
    main()
