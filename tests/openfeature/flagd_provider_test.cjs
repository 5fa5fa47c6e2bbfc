// The OpenFeature Node SDK with the flagd provider in in-process mode, syncing its flags from
// `hotreload flags serve --sync` (flagd's sync protocol over gRPC) and evaluating them itself.
// Started by run_flagd_provider_test.sh with:
//   SYNC_ADDRESS    host:port of --sync
//   FLAG_FILE       the served test-bed flag file (the test edits it)
//   EXTRA_FILE      a second served flag file, selected by its path
//   TESTBED_FLAGS   the test-bed's flag file as shipped (hotreload's own evaluator reads it)
//   SERVE_LOG       the server's stdout ("flags: applied ..." / "flags: refused ...")
//   HOTRELOAD_CLI   the hotreload binary
// Every check failing is collected; the exit status is the number of failures (capped at 1).
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { OpenFeature, ProviderEvents } = require('@openfeature/server-sdk');
const { FlagdProvider } = require('@openfeature/flagd-provider');

const BOUND_MS = 20000;  // a failure bound for awaited events, never a pace
const [host, port] = process.env.SYNC_ADDRESS.split(':');
const flagFile = process.env.FLAG_FILE;
const extraFile = process.env.EXTRA_FILE;
const testbed = JSON.parse(fs.readFileSync(process.env.TESTBED_FLAGS, 'utf8'));

let failures = 0;
function check(name, fn) {
  try {
    fn();
    console.log(`ok - ${name}`);
  } catch (error) {
    failures += 1;
    console.log(`not ok - ${name}\n  ${String(error.message).split('\n').join('\n  ')}`);
  }
}

// Resolves when `event` fires on the SDK (for any provider), or rejects after the bound.
function nextEvent(event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${BOUND_MS} ms`)), BOUND_MS);
    const handler = (details) => {
      clearTimeout(timer);
      OpenFeature.removeHandler(event, handler);
      resolve(details);
    };
    OpenFeature.addHandler(event, handler);
  });
}

// Replaces a file atomically, as editors and deploy tools do.
function replaceFile(path, text) {
  fs.writeFileSync(`${path}.tmp`, text, { mode: 0o644 });
  fs.renameSync(`${path}.tmp`, path);
}

// Waits until the server's stdout has `count` lines starting with `prefix`.
async function serverSaid(prefix, count) {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const lines = fs.readFileSync(process.env.SERVE_LOG, 'utf8').split('\n').filter((l) => l.startsWith(prefix));
    if (lines.length >= count) return;
    if (Date.now() > deadline) throw new Error(`the server did not print "${prefix}" ${count} times`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// hotreload's own evaluation of every test-bed flag in `context` (hotreload flags eval).
function ownEvaluation(context) {
  const out = execFileSync(process.env.HOTRELOAD_CLI,
    ['flags', 'eval', '--flags', process.env.TESTBED_FLAGS, '--context', JSON.stringify(context)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim().split('\n').map((line) => JSON.parse(line));
}

function typeOf(key) {
  const variants = Object.values(testbed.flags[key].variants);
  const value = variants[0];
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  return 'object';
}

async function details(client, key, type, context) {
  switch (type) {
    case 'boolean': return client.getBooleanDetails(key, false, context);
    case 'string': return client.getStringDetails(key, '', context);
    case 'number': return client.getNumberDetails(key, 0, context);
    default: return client.getObjectDetails(key, {}, context);
  }
}

// Where the reference evaluators disagree, hotreload sides with one of them; these pairs are
// compared only where both agree. The test-bed's own scenario for the flag passes either way.
const divergences = {
  // A bucket key that evaluates to null with a targetingKey in the context: flagd (Go) buckets on
  // the targetingKey, as hotreload does; flagd-core (JS) falls back to the default variant.
  'fractional-null-bucket-key-flag': (context) => 'targetingKey' in context,
};

const contexts = [
  {},
  { targetingKey: 'jon@company.com' },
  { targetingKey: 'user-7', email: 'ballmer@macrosoft.com', version: '2.1.0', tier: 'gold', color: 'yellow' },
  { targetingKey: 'another-user', user: { name: 'jack' }, id: 7, num: 12, version: '1.0.0', email: 'a@b.c' },
  { targetingKey: 'fractional-1', version: '3.0.0-beta' },
];

async function main() {
  const provider = new FlagdProvider({ resolverType: 'in-process', host, port: Number(port), deadlineMs: BOUND_MS });
  await OpenFeature.setProviderAndWait(provider);
  const client = OpenFeature.getClient();

  // 1. The same results as hotreload's own evaluator, flag by flag, context by context.
  for (const context of contexts) {
    const own = ownEvaluation(context);
    assert.equal(own.length, Object.keys(testbed.flags).length);
    for (const expected of own) {
      if (divergences[expected.key]?.(context)) continue;
      const got = await details(client, expected.key, typeOf(expected.key), context);
      check(`${expected.key} in ${JSON.stringify(context)} as hotreload evaluates it`, () => {
        if (expected.errorCode) {
          assert.equal(got.errorCode, expected.errorCode, JSON.stringify(got));
        } else {
          assert.deepEqual(got.value, expected.value, JSON.stringify(got));
          // No variant (the code default): hotreload prints null, the SDK leaves it out.
          assert.equal(got.variant ?? null, expected.variant, JSON.stringify(got));
          assert.equal(got.reason, expected.reason, JSON.stringify(got));
        }
      });
    }
  }

  // 2. A flag of the other file is served merged; a missing flag is FLAG_NOT_FOUND.
  const extra = await client.getStringDetails('extra-flag', 'none');
  check('the second file\'s flag is served merged', () => assert.equal(extra.value, 'from-extra'));
  const missing = await client.getBooleanDetails('no-such-flag', true);
  check('a missing flag is FLAG_NOT_FOUND', () => assert.equal(missing.errorCode, 'FLAG_NOT_FOUND'));

  // 3. A selector (the served file's path) syncs that file only.
  const selected = new FlagdProvider({ resolverType: 'in-process', host, port: Number(port), selector: extraFile,
                                       deadlineMs: BOUND_MS });
  await OpenFeature.setProviderAndWait('selected', selected);
  const selectedClient = OpenFeature.getClient('selected');
  const own = await selectedClient.getStringDetails('extra-flag', 'none');
  const other = await selectedClient.getBooleanDetails('boolean-flag', true);
  check('a selector picks one file', () => {
    assert.equal(own.value, 'from-extra');
    assert.equal(other.errorCode, 'FLAG_NOT_FOUND');
  });

  // 4. An edit reaches the provider: boolean-flag's default variant goes from "on" to "off".
  let changes = 0;
  OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, () => { changes += 1; });
  const before = await client.getBooleanValue('boolean-flag', false);
  check('boolean-flag starts on', () => assert.equal(before, true));
  const edited = structuredClone(testbed);
  edited.flags['boolean-flag'].defaultVariant = 'off';
  const changed = nextEvent(ProviderEvents.ConfigurationChanged);
  replaceFile(flagFile, JSON.stringify(edited, null, 2));
  await changed;
  const after = await client.getBooleanValue('boolean-flag', true);
  check('an edit of the flag file reaches the provider', () => assert.equal(after, false));

  // 5. An invalid edit changes nothing: the server refuses it and sends nothing.
  const changesBefore = changes;
  replaceFile(flagFile, '{"flags": {"boolean-flag": {"state": "ENABLED", "variants": {}, "defaultVariant": "on"}}}');
  await serverSaid('flags: refused', 1);
  // A second, valid edit proves the stream is live and that nothing came in between.
  const edited2 = structuredClone(edited);
  edited2.flags['string-flag'].defaultVariant = 'parting';
  const changedAgain = nextEvent(ProviderEvents.ConfigurationChanged);
  replaceFile(flagFile, JSON.stringify(edited2, null, 2));
  await changedAgain;
  const still = await client.getBooleanValue('boolean-flag', true);
  const parting = await client.getStringValue('string-flag', '');
  check('an invalid edit changed nothing', () => {
    assert.equal(still, false);
    assert.equal(parting, 'bye');
    assert.equal(changes, changesBefore + 1, 'one change event for the valid edit only');
  });

  await OpenFeature.close();
}

main().then(
  () => {
    console.log(failures === 0 ? 'all checks passed' : `${failures} check(s) failed`);
    process.exit(failures === 0 ? 0 : 1);
  },
  (error) => {
    console.log(`not ok - ${error.stack || error}`);
    process.exit(1);
  });
