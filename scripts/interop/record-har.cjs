#!/usr/bin/env node
// Records a real HAR file with Playwright and Chromium: a small page served at the mock's origin
// (page.route, so its fetch() calls are same-origin and no CORS preflight is needed) calls
// PATCH/GET /customers/{id} on a running `alguna-contract serve` the way a billing front end would.
// `alguna-contract import-har` turns the result into scenarios (tests/fixtures/har/playwright-mock.har
// was made by this script).
//
//   NODE_PATH=/path/to/node_modules node scripts/interop/record-har.cjs \
//       --base-url http://127.0.0.1:PORT --api-key KEY --out FILE.har
//
// Needs the npm package playwright-core (found through NODE_PATH) and a Chromium: /usr/bin/chromium
// (Debian's package) unless CHROMIUM names another. Exits non-zero when anything fails, including
// an answer other than the one the mock promises. Prints nothing secret: the key goes only into the
// page's requests (and so into the HAR, which import-har scrubs).
'use strict';

function usage(message) {
  process.stderr.write(`record-har: ${message}\n` +
    'usage: node record-har.cjs --base-url URL --api-key KEY --out FILE.har\n');
  process.exit(2);
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i];
    if (!['--base-url', '--api-key', '--out'].includes(name)) usage(`unknown argument ${JSON.stringify(name)}`);
    if (i + 1 >= argv.length) usage(`${name} needs a value`);
    args[name.slice(2)] = argv[i + 1];
    i += 1;
  }
  for (const name of ['base-url', 'api-key', 'out']) {
    if (!args[name]) usage(`--${name} is required`);
  }
  let url;
  try {
    url = new URL(args['base-url']);
  } catch (e) {
    usage('--base-url is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage('--base-url must be http(s)');
  args.origin = url.origin;
  return args;
}

// The page: each call as a front end makes it. run() returns what each call got, in order.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Billing settings</title></head>
<body>
<h1>Customer cust_abc123</h1>
<pre id="log"></pre>
<script>
async function call(label, method, path, headers, body) {
  const response = await fetch(path, { method, headers, body });
  const text = await response.text();
  document.getElementById('log').textContent += label + ': ' + response.status + '\\n';
  return { label, status: response.status, replayed: response.headers.get('Idempotent-Replayed'), text };
}

async function run(apiKey) {
  const json = { 'Content-Type': 'application/json' };
  const auth = { 'Authorization': 'Bearer ' + apiKey, 'Alguna-Version': '2026-04-01' };
  const rename = JSON.stringify({ name: 'Acme Corporation' });
  const renameKey = 'ik_' + crypto.randomUUID().replace(/-/g, '');
  const results = [];
  results.push(await call('rename', 'PATCH', '/customers/cust_abc123',
                          { ...auth, ...json, 'Idempotency-Key': renameKey }, rename));
  results.push(await call('rename again (replayed)', 'PATCH', '/customers/cust_abc123',
                          { ...auth, ...json, 'Idempotency-Key': renameKey }, rename));
  results.push(await call('same key, other body', 'PATCH', '/customers/cust_abc123',
                          { ...auth, ...json, 'Idempotency-Key': renameKey },
                          JSON.stringify({ name: 'Acme Holdings' })));
  results.push(await call('get', 'GET', '/customers/cust_abc123', auth));
  results.push(await call('bad currency', 'PATCH', '/customers/cust_abc123',
                          { ...auth, ...json, 'Idempotency-Key': 'ik_' + crypto.randomUUID().replace(/-/g, '') },
                          JSON.stringify({ currency: 'usd' })));
  results.push(await call('no Authorization', 'PATCH', '/customers/cust_abc123',
                          { 'Alguna-Version': '2026-04-01', ...json }, rename));
  results.push(await call('replace contacts', 'PATCH', '/customers/acme',
                          { ...auth, ...json, 'Idempotency-Key': 'ik_' + crypto.randomUUID().replace(/-/g, '') },
                          JSON.stringify({ contacts: [
                            { email: 'billing@acme.example', is_primary: true, email_preferences: ['billing'],
                              first_name: 'Ada', last_name: 'Lovelace' },
                            { email: 'ops@acme.example', is_primary: false } ] })));
  results.push(await call('get by alias', 'GET', '/customers/acme', auth));
  return results;
}
</script>
</body></html>`;

// What the mock promises for each call, in order.
const EXPECTED = [
  { status: 200, replayed: 'false' },
  { status: 200, replayed: 'true' },
  { status: 422 },
  { status: 200, name: 'Acme Corporation' },
  { status: 422 },
  { status: 401 },
  { status: 200, contacts: 2 },
  { status: 200, name: 'Acme Corporation', contacts: 2 },
];

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let playwright;
  try {
    playwright = require('playwright-core');
  } catch (e) {
    process.stderr.write('record-har: cannot load playwright-core: install it with npm and point NODE_PATH at its node_modules\n');
    process.exit(2);
  }
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const browser = await playwright.chromium.launch({ executablePath, headless: true });
  let failures = [];
  let results = [];
  try {
    const context = await browser.newContext({ recordHar: { path: args.out, mode: 'full', content: 'embed' } });
    const page = await context.newPage();
    const appUrl = `${args.origin}/app/billing`;
    await page.route(appUrl, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: PAGE }));
    await page.goto(appUrl);
    results = await page.evaluate((key) => run(key), args['api-key']);
    await context.close();  // writes the HAR
  } finally {
    await browser.close();
  }
  results.forEach((result, i) => {
    const expected = EXPECTED[i];
    const problems = [];
    if (result.status !== expected.status) problems.push(`status ${result.status}, expected ${expected.status}`);
    if (expected.replayed && result.replayed !== expected.replayed) {
      problems.push(`Idempotent-Replayed ${result.replayed}, expected ${expected.replayed}`);
    }
    if (expected.name || expected.contacts) {
      let body = {};
      try { body = JSON.parse(result.text); } catch (e) { problems.push('the body is not JSON'); }
      if (expected.name && body.name !== expected.name) problems.push(`name ${JSON.stringify(body.name)}`);
      if (expected.contacts && (!Array.isArray(body.contacts) || body.contacts.length !== expected.contacts)) {
        problems.push('contacts not replaced');
      }
    }
    if (problems.length) failures.push(`${result.label}: ${problems.join('; ')}`);
  });
  if (results.length !== EXPECTED.length) failures.push(`${results.length} calls made, expected ${EXPECTED.length}`);
  for (const failure of failures) process.stderr.write(`record-har: ${failure}\n`);
  if (failures.length) process.exit(1);
  process.stdout.write(`record-har: ${results.length} calls recorded in ${args.out}\n`);
}

main().catch((error) => {
  // The message of a Playwright error can quote the page's script, never the key: the key is an
  // argument of evaluate(), not part of its text.
  process.stderr.write(`record-har: ${error && error.message ? error.message.split('\n')[0] : error}\n`);
  process.exit(1);
});
