// Shared by the peer benchmarks (docs/PERFORMANCE.md, "Peers, same run"): the command line, the
// inputs peers_bench wrote, the check that a peer gives hotreload's answers, and the timing.
//
// Timing follows what peers_bench (Google Benchmark) does on the C++ side: a warm-up (here long
// enough for V8 to optimise the code), then repetitions of a fixed number of calls, each long enough
// (min_time) to swamp the clock's cost, and the median over the repetitions. Per call it reports the
// process's CPU time (process.cpuUsage(): V8's helper threads, concurrent GC included, are counted,
// as every thread of the C++ process is) and the wall time.
'use strict';

const fs = require('fs');
const path = require('path');
const util = require('util');

// --inputs=DIR (required), --repetitions=N, --min-time=SECONDS, --warmup=SECONDS.
function options(argv = process.argv.slice(2)) {
  const out = { inputs: null, repetitions: 12, minTime: 0.2, warmup: 1.0 };
  for (const arg of argv) {
    const [name, value] = arg.split(/=(.*)/s);
    if (name === '--inputs') out.inputs = value;
    else if (name === '--repetitions') out.repetitions = Number(value);
    else if (name === '--min-time') out.minTime = Number(value);
    else if (name === '--warmup') out.warmup = Number(value);
    else fail(`unknown argument ${arg}`);
  }
  if (!out.inputs) fail('usage: node BENCH.js --inputs=DIR [--repetitions=N] [--min-time=S] [--warmup=S]');
  if (!(out.repetitions >= 1 && out.minTime > 0 && out.warmup >= 0)) fail('bad --repetitions, --min-time or --warmup');
  return out;
}

function fail(message) {
  process.stderr.write(`${path.basename(process.argv[1])}: ${message}\n`);
  process.exit(1);
}

// The text of a file peers_bench --write-inputs wrote.
function input(dir, name) {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8');
  } catch (error) {
    return fail(`cannot read ${path.join(dir, name)}: ${error.message}`);
  }
}

// Stops with both answers when the peer's differs from hotreload's.
function same(what, peer, hotreload) {
  if (!util.isDeepStrictEqual(peer, hotreload)) {
    fail(`${what}: the peer's answer differs from hotreload's\n  peer:      ${JSON.stringify(peer).slice(0, 2000)}` +
         `\n  hotreload: ${JSON.stringify(hotreload).slice(0, 2000)}`);
  }
}

function version(name) {
  return require(`${name}/package.json`).version;
}

let sink;  // every result is stored here, so no call can be optimised away

// One batch of `iterations` calls of fn(i): its wall and CPU nanoseconds.
function batch(fn, iterations) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let last;
  for (let i = 0; i < iterations; i++) last = fn(i);
  const wall = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  sink = last;
  return { wall, cpu: (used.user + used.system) * 1e3 };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// Medians, minimum and maximum per call (ns) over the repetitions of fn(i); i counts calls.
function measure(fn, { repetitions, minTime, warmup }) {
  const target = minTime * 1e9;
  for (let i = 0, end = Date.now() + warmup * 1e3; (i & 15) !== 0 || Date.now() < end; i++) sink = fn(i);
  let iterations = 1;
  // As Google Benchmark does: grow the batch until it lasts min_time of CPU time (at most 10x per step).
  for (let elapsed = batch(fn, iterations).cpu; elapsed < target; elapsed = batch(fn, iterations).cpu) {
    iterations = Math.ceil(iterations * Math.min(10, (1.4 * target) / Math.max(elapsed, 1)));
  }
  const runs = Array.from({ length: repetitions }, () => batch(fn, iterations));
  const per = (key) => runs.map((run) => run[key] / iterations);
  return {
    cpu_ns: median(per('cpu')), wall_ns: median(per('wall')),
    cpu_ns_min: Math.min(...per('cpu')), cpu_ns_max: Math.max(...per('cpu')),
    wall_ns_min: Math.min(...per('wall')), wall_ns_max: Math.max(...per('wall')),
    iterations, repetitions,
  };
}

// Prints the peer's figures as one JSON object: what scripts/bench_results.py reads.
function report(peer, packageVersion, benchmarks, settings) {
  process.stdout.write(JSON.stringify({
    peer, version: packageVersion, node: process.version,
    measures: 'per call: process CPU time (process.cpuUsage) and wall time; medians of repetitions',
    warmup_s: settings.warmup, min_time_s: settings.minTime, benchmarks,
  }, null, 1) + '\n');
}

module.exports = { options, input, same, fail, version, measure, report };
