#!/usr/bin/env python3
"""Turns the Google Benchmark JSON files scripts/bench writes into bench-results.json, and checks
that file's shape.

  bench_results.py assemble RESULTS_DIR OUT.json   medians -> OUT.json; prints each figure beside
                                                   its baseline and the targets
  bench_results.py check OUT.json                  every key present, no other key, every value a number
                                                   ("peers" may be absent: scripts/bench_peers skipped them)

Each figure names the benchmark it comes from; docs/PERFORMANCE.md explains them. Times are CPU
time per iteration (for threaded reads: per read on one thread), except the watch figures, which
are counters the benchmark computes itself (latency percentiles, idle CPU, memory).
"""
import json
import math
import re
import statistics
import sys
from pathlib import Path

# "hotreload" is the cheapest read, Snapshot::peek(); read(), which returns a pinning handle, is
# reported beside it in the summary (the JSON's shape is fixed by the issue).
SNAPSHOT = {"hotreload": "HotreloadPeek", "raw_atomic": "RawAtomicPointer",
            "atomic_shared_ptr": "AtomicSharedPtr", "shared_mutex": "SharedMutexSharedPtr"}
PIPELINE = {"parse": "BM_Parse", "validate": "BM_Validate", "diff": "BM_Diff",
            "publish": "BM_Publish", "total": "BM_TotalReload"}
PIPELINE_BASELINES = {"parse": ("BM_ParseBaseline_NlohmannJson", "nlohmann::json::parse"),
                      "validate": ("BM_ValidateBaseline_Walk", "walk every node, no schema"),
                      "diff": ("BM_DiffBaseline_NlohmannJsonPatch", "nlohmann::json::diff"),
                      "publish": ("BM_PublishBaseline_AtomicSharedPtr", "atomic<shared_ptr>::store"),
                      "total": ("BM_TotalBaseline_ReadAndParseNlohmannJson", "read file + nlohmann parse")}
KEYS = (100, 10_000, 100_000)
INOTIFY = "RenameToLiveSnapshot/debounce_ms:100/poll_ms:0/iterations:100/real_time"
POLLING = "RenameToLiveSnapshot/debounce_ms:0/poll_ms:100/iterations:100/real_time"
INOTIFY_FLOOR = "RawInotifyFloor/iterations:200/real_time"
IDLE = "IdleWatcher/files:{}/iterations:1/real_time"
FLAGS = {"simple": ("flags_bench", "BM_IsEnabled_FlagSet",
                    "BM_IsEnabled_UnorderedMapBaseline", "unordered_map lookup"),
         "percentage": ("flags_bench", "BM_IsEnabledForUser_FlagSet",
                        "BM_IsEnabledForUser_UnorderedMapStdHashBaseline", "map lookup + std::hash"),
         "targeting": ("flagd_bench", "BM_Targeting_Flagd", "BM_Targeting_HandWritten", "same rule by hand"),
         "fractional": ("flagd_bench", "BM_Fractional_Flagd", "BM_Rollout_FlagSet", "FlagSet 25% rollout")}

# OFREP over HTTP on 127.0.0.1 (ofrep_bench): a single-flag evaluation, beside GET /healthz of the
# same server (the HTTP stack's floor), with N client threads; counters the benchmark computes.
OFREP = "BM_OfrepEvaluate/real_time/threads:{}"
OFREP_FLOOR = "BM_StaticHealthzFloor/real_time/threads:{}"
OFREP_CLIENTS = (1, 16)
OFREP_FIGURES = {"requests_per_s": "requests_per_s", "p50_us": "p50_us", "p99_us": "p99_us"}

# A flag file renamed to a flagd sync client receiving it (flag_sync_bench): the whole chain of
# `flags serve --sync`, the same chain stopping before gRPC, and bare inotify as the floor.
FLAG_SYNC = {"sync_client": "RenameToSyncClient/debounce_ms:{}/iterations:100/real_time",
             "published": "RenameToFlagsPublished/debounce_ms:{}/iterations:100/real_time"}
FLAG_SYNC_DEBOUNCES = (0, 100)
FLAG_SYNC_FLOOR = "RawInotifyFloor/iterations:200/real_time"

# 50 `hotreload watch --report` instances and a 3-member etcd cluster (scripts/fleet_bench.py).
FLEET_PLAIN_WRITE = "FleetPlainWrite/instances:50"
FLEET_CANARY = "FleetCanaryRollout/instances:50"  # 10% canary, 5 s bake, promotion to all applied
FLEET_HALT = "FleetRefusalToHalt/instances:50"  # a canary's refusal to the rollout record halted

TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class Results:
    """The median of each run of every *.json in a directory, by file stem and run name."""

    def __init__(self, directory):
        self.runs = {}
        for path in sorted(Path(directory).glob("*.json")):
            data = json.loads(path.read_text())
            medians, iterations = {}, {}
            for entry in data["benchmarks"]:
                if entry.get("error_occurred"):
                    sys.exit(f"{path.name}: {entry['name']} failed: {entry.get('error_message')}")
                if entry.get("run_type") == "aggregate":
                    if entry.get("aggregate_name") == "median":
                        medians[entry["run_name"]] = entry
                else:
                    iterations.setdefault(entry["run_name"], []).append(entry)
            for name, runs in iterations.items():
                if name not in medians:
                    medians[name] = median_of(runs)
            self.runs[path.stem] = medians

    def get(self, binary, run_name):
        try:
            return self.runs[binary][run_name]
        except KeyError:
            sys.exit(f"missing result: {binary} {run_name} (did that benchmark run?)")

    def cpu_ns(self, binary, run_name):
        entry = self.get(binary, run_name)
        return entry["cpu_time"] * TO_NS[entry["time_unit"]]

    def counter(self, binary, run_name, counter):
        return self.get(binary, run_name)[counter]


def median_of(runs):
    """One entry whose numbers are the medians of several repetitions without aggregates."""
    merged = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            merged[key] = statistics.median(run[key] for run in runs)
    return merged


def assemble(results):
    """bench-results.json, and the rows (figure, value, unit, baseline label, baseline value)."""
    rows = []
    out = {"read_ns": {}}
    for threads in (1, 2):
        group = {key: results.cpu_ns("snapshot_read_bench", f"BM_Read<{source}>/threads:{threads}")
                 for key, source in SNAPSHOT.items()}
        out["read_ns"][f"threads_{threads}"] = group
        rows.append((f"read_ns.threads_{threads}.hotreload", group["hotreload"], "ns",
                     "raw atomic load", group["raw_atomic"]))
        handle = results.cpu_ns("snapshot_read_bench", f"BM_Read<HotreloadReadHandle>/threads:{threads}")
        rows.append((f"read_ns.threads_{threads}.hotreload (read(), a handle)", handle, "ns",
                     "raw atomic load", group["raw_atomic"]))
        rows.append((f"read_ns.threads_{threads}.atomic_shared_ptr", group["atomic_shared_ptr"], "ns",
                     "hotreload read", group["hotreload"]))
        if threads == 1:
            # The slow path a thread takes while it holds a handle older than the current value.
            held = results.cpu_ns("snapshot_read_bench", "BM_ReadWhileAnOldHandleIsHeld")
            rows.append(("read_ns.threads_1.hotreload (read() while an old handle is held)", held, "ns",
                         "raw atomic load", group["raw_atomic"]))

    latency = {}
    for backend, name, setting in (("inotify", INOTIFY, "debounce"), ("polling", POLLING, "interval")):
        number = re.search(r"debounce_ms:(\d+)" if backend == "inotify" else r"poll_ms:(\d+)", name).group(1)
        latency[backend] = {setting: float(number),
                            "p50": results.counter("watch_bench_latency", name, "p50_ms"),
                            "p99": results.counter("watch_bench_latency", name, "p99_ms")}
    out["reload_latency_ms"] = latency
    rows.append(("reload_latency_ms.polling.p50", latency["polling"]["p50"], "ms",
                 "the poll interval", latency["polling"]["interval"]))
    floor_p50 = results.counter("watch_bench_latency", INOTIFY_FLOOR, "p50_ms")
    floor_p99 = results.counter("watch_bench_latency", INOTIFY_FLOOR, "p99_ms")
    rows.append(("reload_latency_ms.inotify.p50", latency["inotify"]["p50"], "ms",
                 "raw inotify p50 + debounce", floor_p50 + latency["inotify"]["debounce"]))
    rows.append(("reload_latency_ms.inotify.p99", latency["inotify"]["p99"], "ms",
                 "raw inotify p99 + debounce", floor_p99 + latency["inotify"]["debounce"]))

    idle = {files: results.counter("watch_bench_idle", IDLE.format(files), "idle_cpu_ms_per_10s")
            for files in (0, 1, 1000)}
    out["idle_cpu_ms_per_10s"] = max(idle[1], idle[1000])
    rows.append(("idle_cpu_ms_per_10s", out["idle_cpu_ms_per_10s"], "ms", "no watcher", idle[0]))

    out["pipeline_ms"] = {}
    for keys in KEYS:
        stages = {}
        for stage, benchmark in PIPELINE.items():
            stages[stage] = results.cpu_ns("pipeline_bench", f"{benchmark}/keys:{keys}") / 1e6
            baseline, label = PIPELINE_BASELINES[stage]
            rows.append((f"pipeline_ms.keys_{keys}.{stage}", stages[stage], "ms", label,
                         results.cpu_ns("pipeline_bench", f"{baseline}/keys:{keys}") / 1e6))
        out["pipeline_ms"][f"keys_{keys}"] = stages
        # free_replaced_in_background (off by default): the frees run on the reclaimer thread.
        rows.append((f"pipeline_ms.keys_{keys}.total, frees in background",
                     results.cpu_ns("pipeline_bench", f"BM_TotalReload_FreeInBackground/keys:{keys}") / 1e6, "ms",
                     PIPELINE_BASELINES["total"][1],
                     results.cpu_ns("pipeline_bench", f"{PIPELINE_BASELINES['total'][0]}/keys:{keys}") / 1e6))
        rows.append((f"pipeline_ms.keys_{keys}.total, frees in background (process CPU)",
                     results.cpu_ns("pipeline_bench", f"BM_TotalReload_FreeInBackground/keys:{keys}/process_time") / 1e6, "ms",
                     PIPELINE_BASELINES["total"][1],
                     results.cpu_ns("pipeline_bench", f"{PIPELINE_BASELINES['total'][0]}/keys:{keys}") / 1e6))

    out["flag_eval_ns"] = {}
    for kind, (binary, benchmark, baseline, label) in FLAGS.items():
        out["flag_eval_ns"][kind] = results.cpu_ns(binary, benchmark)
        rows.append((f"flag_eval_ns.{kind}", out["flag_eval_ns"][kind], "ns", label,
                     results.cpu_ns(binary, baseline)))

    keys = results.counter("schema_bench", "BM_SchemaValidate", "keys")
    out["schema_validate_ns_per_key"] = results.cpu_ns("schema_bench", "BM_SchemaValidate") / keys
    rows.append(("schema_validate_ns_per_key", out["schema_validate_ns_per_key"], "ns",
                 "same rules by hand", results.cpu_ns("schema_bench", "BM_HandWrittenBaseline") / keys))

    out["ofrep_http"] = {}
    for clients in OFREP_CLIENTS:
        group = {}
        for side, name in (("evaluate", OFREP), ("static_floor", OFREP_FLOOR)):
            group[side] = {key: results.counter("ofrep_bench", name.format(clients), counter)
                           for key, counter in OFREP_FIGURES.items()}
        out["ofrep_http"][f"clients_{clients}"] = group
        for key, unit in (("requests_per_s", "/s"), ("p50_us", "us"), ("p99_us", "us")):
            rows.append((f"ofrep_http.clients_{clients}.evaluate.{key}", group["evaluate"][key], unit,
                         "GET /healthz, same server", group["static_floor"][key]))

    out["flag_sync_latency_ms"] = {"inotify_floor": {p: results.counter("flag_sync_bench", FLAG_SYNC_FLOOR, f"{p}_ms")
                                                     for p in ("p50", "p99")}}
    for debounce in FLAG_SYNC_DEBOUNCES:
        group = {side: {p: results.counter("flag_sync_bench", name.format(debounce), f"{p}_ms") for p in ("p50", "p99")}
                 for side, name in FLAG_SYNC.items()}
        out["flag_sync_latency_ms"][f"debounce_ms_{debounce}"] = group
        for p in ("p50", "p99"):
            rows.append((f"flag_sync_latency_ms.debounce_ms_{debounce}.sync_client.{p}", group["sync_client"][p], "ms",
                         "compiled, before gRPC", group["published"][p]))
    for p in ("p50", "p99"):
        rows.append((f"flag_sync_latency_ms.inotify_floor.{p}", out["flag_sync_latency_ms"]["inotify_floor"][p], "ms",
                     "-", None))

    out["fleet_ms"] = {"plain_write": {p: results.counter("fleet_bench", FLEET_PLAIN_WRITE, f"{p}_ms")
                                       for p in ("p50", "p99")},
                       "canary_rollout_bake_5s": results.counter("fleet_bench", FLEET_CANARY, "p50_ms"),
                       "refusal_to_halt": results.counter("fleet_bench", FLEET_HALT, "p50_ms")}
    for p in ("p50", "p99"):
        rows.append((f"fleet_ms.plain_write.{p} (50 instances)", out["fleet_ms"]["plain_write"][p], "ms",
                     "-", None))
    rows.append(("fleet_ms.canary_rollout_bake_5s (median)", out["fleet_ms"]["canary_rollout_bake_5s"], "ms",
                 "the bake", 5000.0))
    rows.append(("fleet_ms.refusal_to_halt (median)", out["fleet_ms"]["refusal_to_halt"], "ms", "-", None))

    out["memory_kib"] = {f"files_{files}": results.counter("watch_bench_idle", IDLE.format(files), "memory_kib")
                         for files in (1, 1000)}
    for files in (1, 1000):
        rows.append((f"memory_kib.files_{files}", out["memory_kib"][f"files_{files}"], "KiB", "-", None))
    return out, rows


def targets(out):
    """(target, measured, met) for each target of docs/PERFORMANCE.md."""
    read = out["read_ns"]["threads_2"]
    inotify = out["reload_latency_ms"]["inotify"]
    return [
        ("hotreload read within 2x of raw_atomic (2 threads)",
         f"{read['hotreload'] / read['raw_atomic']:.1f}x", read["hotreload"] <= 2 * read["raw_atomic"]),
        ("hotreload read >= 100x faster than atomic_shared_ptr (2 threads)",
         f"{read['atomic_shared_ptr'] / read['hotreload']:.0f}x", read["atomic_shared_ptr"] >= 100 * read["hotreload"]),
        ("inotify p99 within debounce + 5 ms",
         f"{inotify['p99']:.1f} ms vs {inotify['debounce'] + 5:.0f} ms", inotify["p99"] <= inotify["debounce"] + 5),
        ("idle CPU under 1 ms per 10 s", f"{out['idle_cpu_ms_per_10s']:.2f} ms", out["idle_cpu_ms_per_10s"] < 1),
        ("10,000-key pipeline total under 10 ms",
         f"{out['pipeline_ms']['keys_10000']['total']:.1f} ms", out["pipeline_ms"]["keys_10000"]["total"] < 10),
        ("simple flag under 50 ns", f"{out['flag_eval_ns']['simple']:.1f} ns", out["flag_eval_ns"]["simple"] < 50),
        ("targeting flag under 500 ns", f"{out['flag_eval_ns']['targeting']:.0f} ns",
         out["flag_eval_ns"]["targeting"] < 500),
        ("schema validation well under 1 ms per 1,000 keys",
         f"{out['schema_validate_ns_per_key'] / 1e3:.3f} ms", out["schema_validate_ns_per_key"] < 1000),
    ]


def peer_targets(results, peers):
    """(target, measured, met) for each target of issue 22 (docs/PERFORMANCE.md, "Peers, same run")."""
    found = []
    if peers is not None:
        ratio = peers["peer_over_hotreload"]
        for figure, what in (("validate_all_errors_ns_per_key", "validation, all errors, at least as fast as ajv"),
                             ("validate_pass_fail_ns_per_key", "validation, pass/fail, at least as fast as ajv"),
                             ("parse_json_ms", "JSON parse at least as fast as JSON.parse"),
                             ("parse_yaml_ms", "YAML parse at least as fast as js-yaml")):
            found.append((what, f"peer/hotreload {ratio[figure]:.2f}", ratio[figure] >= 1))
    for keys in (10_000, 100_000):
        total = results.cpu_ns("pipeline_bench", f"BM_TotalReload/keys:{keys}")
        baseline = results.cpu_ns("pipeline_bench", f"{PIPELINE_BASELINES['total'][0]}/keys:{keys}")
        found.append((f"whole reload within 1.5x read + parse, {keys:,} keys",
                      f"{total / baseline:.2f}x", total <= 1.5 * baseline))
    targeting = results.cpu_ns("flagd_bench", "BM_Targeting_Flagd")
    by_hand = results.cpu_ns("flagd_bench", "BM_Targeting_HandWritten")
    found.append(("flagd targeting within 2x the rule by hand", f"{targeting / by_hand:.2f}x", targeting <= 2 * by_hand))
    for threads in (1, 2):
        raw = results.cpu_ns("snapshot_read_bench", f"BM_Read<RawAtomicPointer>/threads:{threads}")
        handle = results.cpu_ns("snapshot_read_bench", f"BM_Read<HotreloadReadHandle>/threads:{threads}")
        peek = results.cpu_ns("snapshot_read_bench", f"BM_Read<HotreloadPeek>/threads:{threads}")
        found.append((f"read() within 3x a raw atomic load ({threads} thread{'s' if threads > 1 else ''})",
                      f"{handle / raw:.2f}x", handle <= 3 * raw))
        found.append((f"peek() within 2x a raw atomic load ({threads} thread{'s' if threads > 1 else ''})",
                      f"{peek / raw:.2f}x", peek <= 2 * raw))
    return found


def print_summary(out, rows):
    print(f"{'figure':58} {'value':>12}   {'baseline':30} {'value':>12} {'ratio':>8}")
    for figure, value, unit, label, baseline in rows:
        if baseline is None:
            print(f"{figure:58} {value:>9.4g} {unit:3}  {label:30}")
            continue
        ratio = f"{value / baseline:.2f}x" if baseline else "-"
        print(f"{figure:58} {value:>9.4g} {unit:3}  {label:30} {baseline:>9.4g} {unit:3} {ratio:>7}")
    print()
    for target, measured, met in targets(out):
        print(f"{'met ' if met else 'MISSED'}  {target}: {measured}")


# The exact shape of bench-results.json: a dict maps each key to its own shape, None is a number.
_STAGES = dict.fromkeys(("parse", "validate", "diff", "publish", "total"))
_READS = dict.fromkeys(SNAPSHOT)
SHAPE = {
    "read_ns": {"threads_1": _READS, "threads_2": _READS},
    "reload_latency_ms": {"inotify": dict.fromkeys(("debounce", "p50", "p99")),
                          "polling": dict.fromkeys(("interval", "p50", "p99"))},
    "idle_cpu_ms_per_10s": None,
    "pipeline_ms": {f"keys_{keys}": _STAGES for keys in KEYS},
    "flag_eval_ns": dict.fromkeys(FLAGS),
    "schema_validate_ns_per_key": None,
    "memory_kib": {"files_1": None, "files_1000": None},
    "ofrep_http": {f"clients_{clients}": {side: dict.fromkeys(OFREP_FIGURES) for side in ("evaluate", "static_floor")}
                   for clients in OFREP_CLIENTS},
    "fleet_ms": {"plain_write": dict.fromkeys(("p50", "p99")), "canary_rollout_bake_5s": None, "refusal_to_halt": None},
    "flag_sync_latency_ms": {"inotify_floor": dict.fromkeys(("p50", "p99")),
                             **{f"debounce_ms_{debounce}": {side: dict.fromkeys(("p50", "p99")) for side in FLAG_SYNC}
                                for debounce in FLAG_SYNC_DEBOUNCES}},
}


# ---- Peers on the same inputs (scripts/bench_peers; docs/PERFORMANCE.md, "Peers, same run") ----
# Each figure: hotreload's benchmark in peers_bench, the peer's file in RESULTS_DIR/peers/ and its
# benchmark there, the unit. Both sides report process CPU time and wall time per call; the figures
# are CPU time, the ratios are the peer's time over hotreload's (below 1: the peer is faster). Files:
# RESULTS_DIR/peers/round-N/hotreload/peers_bench.json and RESULTS_DIR/peers/round-N/<peer>.json.
PEER_FIGURES = {
    "validate_all_errors_ns_per_key": ("BM_ValidateAllErrors", "ajv", "validate_all_errors", "ns/key"),
    "validate_pass_fail_ns_per_key": ("BM_ValidatePassFail", "ajv", "validate_pass_fail", "ns/key"),
    "parse_json_ms": ("BM_ParseJson", "json_parse", "parse", "ms"),
    "parse_yaml_ms": ("BM_ParseYaml", "js_yaml", "parse", "ms"),
    "flagd_targeting_ns": ("BM_FlagdTargeting", "flagd_core", "targeting", "ns"),
    "flagd_fractional_ns": ("BM_FlagdFractional", "flagd_core", "fractional", "ns"),
}
PEER_NAMES = ("ajv", "json_parse", "js_yaml", "flagd_core")
PEER_LABELS = {"ajv": "ajv", "json_parse": "JSON.parse, node", "js_yaml": "js-yaml", "flagd_core": "flagd-core"}
PEER_KEYS = 10_000  # the config's leaf settings (peers_bench's "keys" counter; checked below)


def peer_unit(ns, unit, keys):
    return ns / keys if unit == "ns/key" else ns / 1e6 if unit == "ms" else ns


def peer_round(directory):
    """One round's figures: {figure: (hotreload cpu, hotreload wall, peer cpu, peer wall, keys)} in ns,
    and the peers' versions."""
    ours = Results(directory / "hotreload")
    files, figures = {}, {}
    for name in PEER_NAMES:
        path = directory / f"{name}.json"
        if not path.exists():
            sys.exit(f"missing peer result {path} (did scripts/bench_peers fail?)")
        files[name] = json.loads(path.read_text())
    for figure, (benchmark, peer, peer_benchmark, unit) in PEER_FIGURES.items():
        entry = ours.get("peers_bench", f"{benchmark}/process_time")
        theirs = files[peer]["benchmarks"][peer_benchmark]
        keys = entry.get("keys", PEER_KEYS)
        if unit == "ns/key" and not (keys == PEER_KEYS == theirs["keys"]):
            sys.exit(f"peers: {figure}: hotreload counted {keys} keys, {peer} {theirs['keys']}")
        scale = TO_NS[entry["time_unit"]]
        figures[figure] = (entry["cpu_time"] * scale, entry["real_time"] * scale, theirs["cpu_ns"], theirs["wall_ns"], keys)
    return figures, {name: data["version"] for name, data in files.items()}


def assemble_peers(directory):
    """bench-results.json's "peers" and the summary's rows, or (None, reason) when they were skipped.
    Each figure is the median over the rounds of each side's median; each ratio the median of the
    rounds' ratios (a round's two processes ran one after the other)."""
    peers_dir = Path(directory) / "peers"
    if (peers_dir / "SKIPPED").exists():
        return None, (peers_dir / "SKIPPED").read_text().strip()
    round_dirs = sorted(peers_dir.glob("round-*"))
    if not round_dirs:
        return None, f"no {peers_dir}/round-* (scripts/bench_peers did not run)"
    rounds = [peer_round(round_dir) for round_dir in round_dirs]
    versions = rounds[-1][1]
    out = {"rounds": len(rounds), "hotreload": {}, **{name: {} for name in PEER_NAMES}, "peer_over_hotreload": {},
           "peer_over_hotreload_wall": {}}
    rows = []
    for figure, (_, peer, _, unit) in PEER_FIGURES.items():
        values = [figures[figure] for figures, _ in rounds]
        keys = values[0][4]
        out["hotreload"][figure] = peer_unit(statistics.median(v[0] for v in values), unit, keys)
        out[peer][figure] = peer_unit(statistics.median(v[2] for v in values), unit, keys)
        ratios = [v[2] / v[0] for v in values]
        out["peer_over_hotreload"][figure] = statistics.median(ratios)
        out["peer_over_hotreload_wall"][figure] = statistics.median(v[3] / v[1] for v in values)
        rows.append((figure, out["hotreload"][figure], unit, f"{PEER_LABELS[peer]} {versions[peer]}", out[peer][figure],
                     out["peer_over_hotreload"][figure], out["peer_over_hotreload_wall"][figure], ratios))
    return out, rows


def print_peers(peers, rows):
    print()
    if peers is None:
        print(f"peers: skipped ({rows})")
        return
    print(f"hotreload beside its peers, same inputs, same run, {peers['rounds']} rounds (CPU time per call, median"
          " of the rounds; ratio = peer / hotreload, below 1: the peer is faster)")
    print(f"{'figure':32} {'hotreload':>16} {'peer':24} {'value':>16} {'ratio':>7} {'wall ratio':>10}  ratio per round")
    for figure, ours, unit, label, theirs, ratio, wall_ratio, ratios in rows:
        each = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"{figure:32} {ours:>9.4g} {unit:6} {label:24} {theirs:>9.4g} {unit:6} {ratio:>6.2f}x {wall_ratio:>9.2f}x"
              f"  {each}")


PEERS_SHAPE = {"rounds": None, "hotreload": dict.fromkeys(PEER_FIGURES),
               **{name: {figure: None for figure, spec in PEER_FIGURES.items() if spec[1] == name}
                  for name in PEER_NAMES},
               "peer_over_hotreload": dict.fromkeys(PEER_FIGURES),
               "peer_over_hotreload_wall": dict.fromkeys(PEER_FIGURES)}


def shape_errors(value, shape, path="bench-results.json"):
    if shape is None:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return [] if ok else [f"{path}: expected a number, got {value!r}"]
    if not isinstance(value, dict):
        return [f"{path}: expected an object, got {value!r}"]
    errors = [f"{path}: missing key {key!r}" for key in shape if key not in value]
    errors += [f"{path}: unexpected key {key!r}" for key in value if key not in shape]
    for key in shape:
        if key in value:
            errors += shape_errors(value[key], shape[key], f"{path}.{key}")
    return errors


def main(argv):
    if len(argv) == 4 and argv[1] == "assemble":
        out, rows = assemble(Results(argv[2]))
        peers, peer_rows = assemble_peers(argv[2])
        if peers is not None:
            out["peers"] = peers
        Path(argv[3]).write_text(json.dumps(out, indent=2) + "\n")
        print_summary(out, rows)
        print_peers(peers, peer_rows)
        print()
        print("issue 22's targets (this run):")
        for target, measured, met in peer_targets(Results(argv[2]), peers):
            print(f"{'met ' if met else 'MISSED'}  {target}: {measured}")
        return 0
    if len(argv) == 3 and argv[1] == "check":
        data = json.loads(Path(argv[2]).read_text())
        if "peers" not in data:
            print(f"{argv[2]}: no peers (scripts/bench_peers skipped them)")
        errors = shape_errors(data, {**SHAPE, "peers": PEERS_SHAPE} if "peers" in data else SHAPE)
        for error in errors:
            print(error, file=sys.stderr)
        if not errors:
            print(f"{argv[2]}: shape ok")
        return 1 if errors else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
