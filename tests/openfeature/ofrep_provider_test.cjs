// The real OpenFeature Node SDK with the OFREP provider against `hotreload flags serve`.
// Run by run_ofrep_provider_test.sh, which starts the servers and passes, in the environment:
// OFREP_URL (base URL), FLAG_FILE (the served file, edited here), SERVE_LOG (the server's
// stdout, whose "flags: ..." lines say when an edit was applied or refused), HOTRELOAD_CLI, and
// SECURED_URL with OFREP_TOKEN: a second server that requires the token.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { OpenFeature, ErrorCode } = require('@openfeature/server-sdk');
const { OFREPProvider } = require('@openfeature/ofrep-provider');

const { OFREP_URL, FLAG_FILE, SERVE_LOG, HOTRELOAD_CLI, SECURED_URL, OFREP_TOKEN } = process.env;
const BOUND_MS = 20000; // a failure bound on awaited server output, never a pace

// Resolves once the server's log has `count` lines starting with `prefix`.
async function serverSaid(prefix, count) {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const lines = fs.readFileSync(SERVE_LOG, 'utf8').split('\n').filter((line) => line.startsWith(prefix));
    if (lines.length >= count) return lines[count - 1];
    if (Date.now() > deadline) throw new Error(`the server never said "${prefix}" ${count} time(s)`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// An atomic edit: the whole new file renamed over the old one.
function replaceFlagFile(transform) {
  const flags = JSON.parse(fs.readFileSync(FLAG_FILE, 'utf8'));
  const next = path.join(path.dirname(FLAG_FILE), 'next.json');
  fs.writeFileSync(next, typeof transform === 'function' ? JSON.stringify(transform(flags), null, 2) : transform);
  fs.renameSync(next, FLAG_FILE);
}

// What hotreload's own evaluator says, for comparison.
function hotreloadEval(flag, context) {
  const out = execFileSync(HOTRELOAD_CLI, ['flags', 'eval', '--flags', FLAG_FILE, '--flag', flag, '--context', JSON.stringify(context)]);
  return JSON.parse(out.toString());
}

async function main() {
  await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: OFREP_URL }));
  const client = OpenFeature.getClient('hotreload-test');

  // boolean, with targeting
  const checkout = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u1', country: 'de' });
  assert.equal(checkout.value, true);
  assert.equal(checkout.variant, 'on');
  assert.equal(checkout.reason, 'TARGETING_MATCH');
  assert.equal(checkout.flagMetadata.owner, 'payments');
  assert.equal(await client.getBooleanValue('new-checkout', true, { targetingKey: 'u1', country: 'fr' }), false);

  // string, with a $ref evaluator
  assert.equal(await client.getStringValue('greeting', '', { targetingKey: 'u1', email: 'ann@example.com' }), 'Hi');
  assert.equal(await client.getStringValue('greeting', '', { targetingKey: 'u1', email: 'bob@else.org' }), 'Good day');

  // numbers and objects
  assert.equal(await client.getNumberValue('page-size', 0, { targetingKey: 'u1' }), 10);
  assert.equal(await client.getNumberValue('ratio', 0, { targetingKey: 'u1' }), 0.75);
  assert.deepEqual(await client.getObjectValue('theme', {}, { targetingKey: 'u1' }), { background: 'white', contrast: 4.5 });

  // a fractional split: the same bucket as hotreload's evaluator, and both buckets in use
  const seen = new Set();
  for (let i = 0; i < 20; i++) {
    const context = { targetingKey: `user-${i}` };
    const details = await client.getStringDetails('experiment', 'none', context);
    const expected = hotreloadEval('experiment', context);
    assert.equal(details.value, expected.value, `user-${i}`);
    assert.equal(details.variant, expected.variant, `user-${i}`);
    assert.equal(details.reason, 'TARGETING_MATCH');
    seen.add(details.value);
  }
  assert.deepEqual([...seen].sort(), ['control', 'treatment']);

  // flags that defer to the code default: OFREP sends no value. This provider version predates
  // that form and reports TYPE_MISMATCH, but the value is the code default either way.
  assert.equal(await client.getBooleanValue('legacy-banner', true, { targetingKey: 'u1' }), true);
  assert.equal(await client.getStringValue('code-default', 'mine', { targetingKey: 'u1' }), 'mine');

  // a missing flag, and a context the server refuses
  const missing = await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u1' });
  assert.equal(missing.value, true);
  assert.equal(missing.errorCode, ErrorCode.FLAG_NOT_FOUND);
  assert.equal(missing.reason, 'ERROR');
  const badContext = await client.getBooleanDetails('new-checkout', true, { targetingKey: 42 });
  assert.equal(badContext.value, true);
  assert.equal(badContext.errorCode, ErrorCode.INVALID_CONTEXT);
  const wrongType = await client.getNumberDetails('greeting', 7, { targetingKey: 'u1' });
  assert.equal(wrongType.value, 7);
  assert.equal(wrongType.errorCode, ErrorCode.TYPE_MISMATCH);

  // the bulk endpoint: an ETag, and 304 while nothing changes
  const bulkRequest = (etag) =>
    fetch(`${OFREP_URL}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(etag ? { 'If-None-Match': etag } : {}) },
      body: JSON.stringify({ context: { targetingKey: 'u1' } }),
    });
  const bulk = await bulkRequest();
  assert.equal(bulk.status, 200);
  const etag = bulk.headers.get('etag');
  assert.ok(etag);
  assert.equal((await bulk.json()).flags.length, 8);
  assert.equal((await bulkRequest(etag)).status, 304);

  // the event stream the bulk response advertises, read with Node's own HTTP client
  const advertised = (await (await bulkRequest()).json()).eventStreams;
  assert.deepEqual(advertised, [{ type: 'sse', endpoint: { requestUri: '/ofrep/v1/events' } }]);
  const events = await fetch(`${OFREP_URL}${advertised[0].endpoint.requestUri}`);
  assert.equal(events.status, 200);
  assert.match(events.headers.get('content-type'), /^text\/event-stream/);
  const eventReader = events.body.getReader();
  let eventText = '';
  const readEventsUntil = async (marker) => {
    const deadline = Date.now() + BOUND_MS;
    while (!eventText.includes(marker)) {
      if (Date.now() > deadline) throw new Error(`no "${marker}" on the event stream: ${eventText}`);
      const { value, done } = await eventReader.read();
      if (done) throw new Error(`the event stream ended: ${eventText}`);
      eventText += Buffer.from(value).toString();
    }
  };
  await readEventsUntil('\n\n'); // the opening comment: the stream is registered

  // an edit is served once the server has applied it, and announced on the stream
  replaceFlagFile((flags) => {
    flags.flags['page-size'].defaultVariant = 'large';
    flags.flags['new-checkout'].targeting = { if: [{ in: [{ var: 'country' }, ['de', 'fr']] }, 'on'] };
    return flags;
  });
  await serverSaid('flags: applied', 2);
  assert.equal(await client.getNumberValue('page-size', 0, { targetingKey: 'u1' }), 50);
  assert.equal(await client.getBooleanValue('new-checkout', false, { targetingKey: 'u1', country: 'fr' }), true);
  const afterEdit = await bulkRequest(etag);
  assert.equal(afterEdit.status, 200, 'the ETag changes with the flags');
  await readEventsUntil('"type":"refetchEvaluation"');
  const data = JSON.parse(eventText.split('\n').find((line) => line.startsWith('data: ')).slice(6));
  assert.equal(data.type, 'refetchEvaluation');
  // the re-fetch an event triggers, with the event's metadata as the spec says
  const refetch = await fetch(
    `${OFREP_URL}/ofrep/v1/evaluate/flags?flagConfigEtag=${encodeURIComponent(data.etag)}&flagConfigLastModified=${data.lastModified}`,
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ context: { targetingKey: 'u1' } }) },
  );
  assert.equal(refetch.status, 200);
  assert.equal((await refetch.json()).flags.find((flag) => flag.key === 'page-size').value, 50);
  await eventReader.cancel();

  // an invalid edit changes nothing
  replaceFlagFile((flags) => {
    flags.flags['page-size'].defaultVariant = 'huge'; // not a variant
    return flags;
  });
  await serverSaid('flags: refused', 1);
  replaceFlagFile('{"flags": {"page-size": ');
  await serverSaid('flags: refused', 2);
  assert.equal(await client.getNumberValue('page-size', 0, { targetingKey: 'u1' }), 50);
  assert.equal(await client.getStringValue('greeting', '', { targetingKey: 'u1', email: 'ann@example.com' }), 'Hi');
  assert.equal((await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u1' })).errorCode, undefined);

  // a server behind a token: the provider's headers carry it; without them, the default and an error
  await OpenFeature.setProviderAndWait(
    'secured',
    new OFREPProvider({ baseUrl: SECURED_URL, headers: [['Authorization', `Bearer ${OFREP_TOKEN}`]] }),
  );
  await OpenFeature.setProviderAndWait('anonymous', new OFREPProvider({ baseUrl: SECURED_URL }));
  assert.equal(await OpenFeature.getClient('secured').getNumberValue('page-size', 0, { targetingKey: 'u1' }), 10);
  await OpenFeature.setProviderAndWait('keyed', new OFREPProvider({ baseUrl: SECURED_URL, headers: { 'X-API-Key': OFREP_TOKEN } }));
  assert.equal(await OpenFeature.getClient('keyed').getStringValue('greeting', '', { targetingKey: 'u1' }), 'Good day');
  const refused = await OpenFeature.getClient('anonymous').getNumberDetails('page-size', 0, { targetingKey: 'u1' });
  assert.equal(refused.value, 0);
  assert.equal(refused.reason, 'ERROR');
  assert.ok(refused.errorCode, 'a refused request is an error');

  await OpenFeature.close();
  console.log('ofrep-provider: all checks passed');
}

main().catch((error) => {
  console.error('ofrep-provider test failed:', error);
  process.exit(1);
});
