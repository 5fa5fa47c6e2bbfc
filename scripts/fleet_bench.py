#!/usr/bin/env python3
"""A fleet on loopback: a 3-member etcd cluster and N `hotreload watch --report` instances (50 by
default, each with a JSON Schema), all watching one etcd key. Measures, and writes as Google
Benchmark JSON that scripts/bench_results.py reads beside the other benchmarks:

- plain write: from a write of the key to the last instance reporting it applied, over repeated
  writes (p50, p99);
- canary rollout: `hotreload rollout KEY FILE --canary 10 --bake 5s`, from its start to the last
  instance reporting the promoted revision (median of the repetitions);
- halt: a rollout of a candidate the instances' schema refuses (the operator did not pass
  --schema to the rollout, so only the canaries can catch it), from the canary's report of the
  refusal to the rollout record turning `halted` (median).

  fleet_bench.py --cli PATH --out FILE.json [--instances 50] [--writes 20] [--rollouts 3] [--debounce 100]

Times are taken where the events arrive on one etcd watch of the whole /bench/ prefix (reports and
rollout record): what an operator watching etcd would see. Every process is started here, bound
to 127.0.0.1, and stopped at the end, whatever happens.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

MEMBERS = 3
BOUND_S = 60  # a failure bound for anything awaited, never a pace


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64(text):
    return base64.b64encode(text.encode()).decode()


def prefix_end(prefix):
    """The range_end that makes a range or watch cover every key under `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def post(endpoint, path, body, timeout=10):
    request = urllib.request.Request(f"http://{endpoint}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


class Cluster:
    """Three etcd members on loopback, each with its own data directory and ports."""

    def __init__(self, directory):
        self.directory = directory
        ports = [(free_port(), free_port()) for _ in range(MEMBERS)]
        self.endpoints = [f"127.0.0.1:{client}" for client, _ in ports]
        initial = ",".join(f"m{i}=http://127.0.0.1:{peer}" for i, (_, peer) in enumerate(ports))
        self.processes = []
        for i, (client, peer) in enumerate(ports):
            log = open(os.path.join(directory, f"etcd-m{i}.log"), "w")
            self.processes.append(subprocess.Popen(
                ["etcd", "--name", f"m{i}", "--data-dir", os.path.join(directory, f"m{i}.etcd"),
                 "--listen-client-urls", f"http://127.0.0.1:{client}",
                 "--advertise-client-urls", f"http://127.0.0.1:{client}",
                 "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                 "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                 "--initial-cluster", initial, "--initial-cluster-state", "new"],
                stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + BOUND_S
        for endpoint in self.endpoints:
            while not self.healthy(endpoint):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"etcd member {endpoint} not healthy after {BOUND_S} s "
                                       f"(logs in {directory})")
                time.sleep(0.1)  # polling a process that gives no other signal

    @staticmethod
    def healthy(endpoint):
        try:
            with urllib.request.urlopen(f"http://{endpoint}/health", timeout=1) as response:
                return json.loads(response.read()).get("health") == "true"
        except (OSError, ValueError):
            return False

    def url(self, path):
        return "etcd://" + ",".join(self.endpoints) + path

    def put(self, key, value):
        """Writes through the first member; returns the revision of the write."""
        return int(post(self.endpoints[0], "/v3/kv/put", {"key": b64(key), "value": b64(value)})["header"]["revision"])

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


class Reports:
    """Every instance's newest report, from a watch of PREFIX/instances/, with its arrival time;
    and each phase of the rollout record RECORD_KEY as it arrives (the watch covers `watched`)."""

    def __init__(self, endpoint, watched, record_key):
        self.changed = threading.Condition()
        self.latest = {}  # id -> (report, arrival)
        self.refusals = []  # (rollout version, arrival) of each failed report naming a rollout
        self.phases = []  # (rollout id, phase, arrival) of each rollout record written
        self.record_key = record_key
        key = watched
        body = json.dumps({"create_request": {"key": b64(key), "range_end": b64(prefix_end(key))}}).encode()
        request = urllib.request.Request(f"http://{endpoint}/v3/watch", data=body,
                                         headers={"Content-Type": "application/json"})
        self.stream = urllib.request.urlopen(request, timeout=BOUND_S * 10)
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        try:
            for line in self.stream:
                arrival = time.monotonic()
                events = json.loads(line).get("result", {}).get("events", [])
                with self.changed:
                    for event in events:
                        if event.get("type") == "DELETE":
                            continue
                        key = base64.b64decode(event["kv"]["key"]).decode()
                        value = json.loads(base64.b64decode(event["kv"]["value"]))
                        if key == self.record_key:
                            self.phases.append((value.get("id"), value.get("phase"), arrival))
                        elif "/instances/" in key:
                            self.latest[value["id"]] = (value, arrival)
                            for version in value.get("attemptedSources", {}).values():
                                if value.get("status") == "failed" and version.startswith("rollout-"):
                                    self.refusals.append((version, arrival))
                    self.changed.notify_all()
        except (OSError, ValueError):
            pass  # the stream ends when the cluster stops

    def first(self, entries, match):
        """The arrival of the first entry of `entries` (a list this object appends to) matching."""
        deadline = time.monotonic() + BOUND_S
        with self.changed:
            while True:
                for entry in entries:
                    if match(entry):
                        return entry[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"not seen within {BOUND_S} s")
                self.changed.wait(left)

    def await_all(self, ids, layer, revision):
        """The arrival of the last of `ids` to report `layer` applied at `revision` or later."""
        def applied(entry):
            report = entry[0]
            version = report.get("sources", {}).get(layer, "0")  # "rollout-ID" while it canaries
            return report.get("status") == "applied" and version.isdigit() and int(version) >= revision

        deadline = time.monotonic() + BOUND_S
        with self.changed:
            while True:
                entries = [self.latest.get(i) for i in ids]
                if all(entry is not None and applied(entry) for entry in entries):
                    return max(entry[1] for entry in entries)
                left = deadline - time.monotonic()
                if left <= 0:
                    behind = [i for i, entry in zip(ids, entries) if entry is None or not applied(entry)]
                    raise RuntimeError(f"{len(behind)} instances had not applied revision {revision} after "
                                       f"{BOUND_S} s: {', '.join(behind[:5])}")
                self.changed.wait(left)


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1) + 0.5))]


def benchmark_json(name, samples_ms, extra):
    """One Google Benchmark-style entry whose counters are the percentiles, as watch_bench reports."""
    entry = {"name": name, "run_name": name, "run_type": "iteration", "iterations": len(samples_ms),
             "real_time": statistics.median(samples_ms), "cpu_time": statistics.median(samples_ms),
             "time_unit": "ms", "p50_ms": percentile(samples_ms, 0.50), "p99_ms": percentile(samples_ms, 0.99),
             "max_ms": max(samples_ms)}
    entry.update(extra)
    return entry


def rollout(cli, cluster, key, candidate_path, expect):
    """Runs `hotreload rollout KEY FILE --canary 10 --bake 5s`; returns (rollout id, stdout)."""
    done = subprocess.run([cli, "rollout", cluster.url(key), candidate_path, "--canary", "10", "--bake", "5s"],
                          capture_output=True, text=True, timeout=BOUND_S * 2)
    if done.returncode != expect:
        raise RuntimeError(f"hotreload rollout exited {done.returncode}, not {expect}:\n{done.stdout}{done.stderr}")
    words = done.stdout.split()
    return words[words.index("rollout") + 1].rstrip(":"), done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", required=True, help="the hotreload binary")
    parser.add_argument("--out", required=True, help="where to write the JSON")
    parser.add_argument("--instances", type=int, default=50)
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--rollouts", type=int, default=3, help="canary rollouts, and halted ones, each")
    parser.add_argument("--debounce", type=int, default=100, help="each instance's --debounce, in ms")
    args = parser.parse_args()
    if shutil.which("etcd") is None:
        sys.exit("fleet_bench: etcd is not installed (Debian's etcd-server)")

    directory = tempfile.mkdtemp(prefix="hotreload-fleet-bench-")
    cluster = None
    instances = []
    try:
        cluster = Cluster(directory)
        key, prefix = "/bench/app/config.json", "/bench/fleet/"
        schema = os.path.join(directory, "config.schema.json")
        with open(schema, "w") as out:
            json.dump({"type": "object", "properties": {"version": {"type": "integer", "minimum": 0}}}, out)
        cluster.put(key, json.dumps({"version": 0}))
        reports = Reports(cluster.endpoints[1], "/bench/", key + ".rollout")
        layer = cluster.url(key)
        ids = [f"bench-{i}" for i in range(args.instances)]
        for instance_id in ids:
            instances.append(subprocess.Popen(
                [args.cli, "watch", "--debounce", str(args.debounce), "--schema", schema, "--report",
                 cluster.url(prefix), "--instance-id", instance_id, layer],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(directory, f"{instance_id}.err"), "w")))
        started = time.monotonic()
        reports.await_all(ids, layer, 1)
        print(f"fleet_bench: {args.instances} instances reporting {time.monotonic() - started:.1f} s after start")

        latencies = []
        for version in range(1, args.writes + 1):
            sent = time.monotonic()
            revision = cluster.put(key, json.dumps({"version": version}))
            latencies.append((reports.await_all(ids, layer, revision) - sent) * 1e3)
        print(f"fleet_bench: write to all {args.instances} applied, {args.writes} writes: "
              f"p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
              f"max {max(latencies):.1f} ms")

        promotions, halts = [], []
        candidate = os.path.join(directory, "candidate.json")
        for attempt in range(args.rollouts):
            with open(candidate, "w") as out:
                json.dump({"version": 1000 + attempt}, out)
            sent = time.monotonic()
            rollout_id, output = rollout(args.cli, cluster, key, candidate, 0)
            revision = int(output.split("promoted at revision")[1].split()[0])
            promotions.append((reports.await_all(ids, layer, revision) - sent) * 1e3)

            with open(candidate, "w") as out:
                json.dump({"version": -1}, out)  # the instances' schema refuses it
            rollout_id, _ = rollout(args.cli, cluster, key, candidate, 1)
            refused = reports.first(reports.refusals, lambda entry: entry[0] == f"rollout-{rollout_id}")
            halted = reports.first(reports.phases, lambda entry: entry[0] == rollout_id and entry[1] == "halted")
            halts.append((halted - refused) * 1e3)
        print(f"fleet_bench: 10% canary + 5 s bake + promotion to all {args.instances} applied: "
              f"median {statistics.median(promotions):.0f} ms ({', '.join(f'{t:.0f}' for t in promotions)})")
        print(f"fleet_bench: a canary's refusal to the rollout halted: "
              f"median {statistics.median(halts):.0f} ms ({', '.join(f'{t:.0f}' for t in halts)})")

        common = {"instances": args.instances, "debounce_ms": args.debounce}
        result = {"context": {"instances": args.instances, "members": MEMBERS, "debounce_ms": args.debounce},
                  "benchmarks": [benchmark_json(f"FleetPlainWrite/instances:{args.instances}", latencies, common),
                                 benchmark_json(f"FleetCanaryRollout/instances:{args.instances}", promotions,
                                                {**common, "canary_percent": 10, "bake_ms": 5000}),
                                 benchmark_json(f"FleetRefusalToHalt/instances:{args.instances}", halts, common)]}
        with open(args.out, "w") as out:
            json.dump(result, out, indent=2)
    finally:
        for process in instances:
            process.send_signal(signal.SIGTERM)
        for process in instances:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if cluster:
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
