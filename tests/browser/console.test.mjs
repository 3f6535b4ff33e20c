// The web console in Debian's Chromium (playwright-core), against the sluiced and the
// database tests/browser/run.sh started and seeded (tests/browser/seed.sql). Tests run in
// file order: the viewer's counts are read before the operator changes anything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { chromium } from 'playwright-core';

const base = process.env.SLUICE_CONSOLE_URL;
const shortBase = process.env.SLUICE_SHORT_CONSOLE_URL;
const artifacts = process.env.SLUICE_ARTIFACTS;
const tokens = {
  viewer: 'browser-viewer-token-0001',
  operator: 'browser-operator-token-0001',
  admin: 'browser-admin-token-0001',
};
const slow = { timeout: 60000 };

function sql(query) {
  return execFileSync('psql', ['-qAtX', '-v', 'ON_ERROR_STOP=1', process.env.SLUICE_BROWSER_DB_URL,
    '-c', query], { encoding: 'utf8' }).trim();
}
const recordId = (pipeline, start) => sql(`SELECT id FROM pipeline_records WHERE pipeline_id =
  '${pipeline}' AND window_start_time = '${start}'`);

// A TCP relay in front of the daemon that can cut every connection and refuse new ones for a
// while: a dropped network, as the browser sees it.
function relay(target) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = net.connect(Number(port), hostname);
    const end = () => {
      client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream);
    };
    for (const s of [client, upstream]) { sockets.add(s); s.on('error', end); s.on('close', end); }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    drop() { refusing = true; for (const s of sockets) s.destroy(); },
    restore() { refusing = false; },
    close() { server.close(); for (const s of sockets) s.destroy(); },
  })));
}

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.SLUICE_CHROMIUM,
    // Root in CI: Chromium's sandbox needs a user namespace it may not have there.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
});
after(async () => { await browser?.close(); });

// A page of its own context (its own cookies), watched for what must never happen: script
// errors, dialogs (an XSS probe's alert) and requests for the probes' `x` image.
async function open(url = base, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ baseURL: url, viewport });
  const page = await context.newPage();
  const seen = { errors: [], dialogs: [], probes: [] };
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('dialog', (d) => { seen.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('request', (r) => { if (new URL(r.url()).pathname.endsWith('/x')) seen.probes.push(r.url()); });
  return { context, page, seen };
}

const ready = (page, name) =>
  page.waitForSelector(`main[aria-busy="false"][data-page="${name}"]`, slow);

async function signIn(page, role, hash = '') {
  await page.goto('/' + hash);
  await ready(page, 'sign-in');
  await page.fill('#token', tokens[role]);
  await page.click('#sign-in button[type="submit"]');
}

async function session(role, hash = '#/pipelines', page_name = 'pipelines') {
  const s = await open();
  await signIn(s.page, role, hash);
  await ready(s.page, page_name);
  return s;
}

function clean(seen) {
  assert.deepEqual(seen.errors, [], 'no script error');
  assert.deepEqual(seen.dialogs, [], 'no dialog');
  assert.deepEqual(seen.probes, [], 'no request made by a probe');
}

const actions = (page) => page.locator('[data-action]:not([data-action="sign-out"])').count();

test('a viewer sees every pipeline with the counts the database holds, and no action', async () => {
  const { context, page, seen } = await session('viewer');
  const rows = sql(`SELECT pipeline_id, count(*) FILTER (WHERE pipeline_status = 'FAILED'),
    count(*) FILTER (WHERE pipeline_status = 'PENDING'),
    count(*) FILTER (WHERE pipeline_status = 'IN_PROGRESS')
    FROM pipeline_records GROUP BY 1 ORDER BY 1`).split('\n').map((l) => l.split('|'));
  assert.equal(rows.length, 4);
  for (const [id, failed, pending, running] of rows) {
    const row = page.locator(`tr[data-pipeline="${id}"]`);
    assert.equal((await row.locator('[data-col="failed"]').innerText()).trim(), failed, id);
    assert.equal((await row.locator('[data-col="backlog"]').innerText()).trim(), pending, id);
    assert.equal((await row.locator('[data-col="running"]').innerText()).trim(), running, id);
  }
  assert.equal(await page.locator('#pipelines tbody tr').count(), 4);
  assert.match(await page.locator('tr[data-pipeline="zurich_hourly"] [data-col="state"]').innerText(),
    /paused/i);
  assert.equal(await actions(page), 0, 'no action on the pipelines page');
  // Search (id, description, tags) and the state filter narrow the rows as you type.
  const visible = () => page.locator('#pipelines tbody tr:visible').count();
  await page.fill('#search', 'dst change');
  assert.equal(await visible(), 1);
  assert.equal(await page.locator('tr[data-pipeline="zurich_hourly"]:visible').count(), 1);
  await page.fill('#search', '');
  await page.selectOption('#filter-state', 'paused');
  assert.equal(await visible(), 3);
  await page.selectOption('#filter-state', 'failing');
  assert.equal(await visible(), rows.filter(([, failed]) => failed !== '0').length);
  await page.selectOption('#filter-state', 'all');
  assert.equal(await visible(), 4);

  for (const [hash, name] of [['#/pipelines/orders_hourly', 'pipeline'],
    [`#/records/${recordId('orders_hourly', '2026-11-01T05:00:00Z')}`, 'record'],
    ['#/backfills', 'backfills'], ['#/locks', 'locks']]) {
    await page.goto('/' + hash);
    await ready(page, name);
    assert.equal(await actions(page), 0, `no action on ${hash}`);
  }
  // The admin pages are not offered to a viewer.
  assert.equal(await page.locator('a[href="#/audit"], a[href="#/connections"]').count(), 0);

  // A forged change with the viewer's cookie, even with its CSRF token, is refused.
  const before = sql("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED'");
  const forged = await page.evaluate(async () => {
    const s = await (await fetch('/api/v1/session')).json();
    const r = await fetch('/api/v1/records/rerun', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf },
      body: JSON.stringify({ pipeline: 'orders_hourly', only_failed: true }),
    });
    return r.status;
  });
  assert.equal(forged, 403);
  assert.equal(sql("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED'"), before);
  clean(seen);
  await context.close();
});

test('the graph shows the pipelines by level and their edge; a waiting window says on what', async () => {
  const { context, page, seen } = await session('viewer', '#/graph', 'graph');
  for (const [id, level] of [['orders_hourly', 0], ['xss_probe', 0], ['zurich_hourly', 0],
    ['orders_daily', 1]]) {
    const node = page.locator(`.level[data-level="${level}"] li.node[data-pipeline="${id}"]`);
    assert.equal(await node.count(), 1, id);
    assert.equal(await node.locator('a').getAttribute('href'), '#/pipelines/' + id);
  }
  assert.equal((await page.locator('#graph-count').innerText()).trim(),
    '4 pipelines in 2 levels, 2 edges between them');
  // depends_on, and the lineage it declares (orders_daily reads orders_hourly's target):
  // drawn from the upstream's box to the downstream's, and listed.
  const from = await page.locator('li.node[data-pipeline="orders_hourly"]').boundingBox();
  const to = await page.locator('li.node[data-pipeline="orders_daily"]').boundingBox();
  const path = page.locator('svg.edges path[data-kind="depends_on"][data-from="orders_hourly"]' +
    '[data-to="orders_daily"]');
  // `M x1 y1 C c1x c1y, c2x c2y, x2 y2`
  const n = (await path.getAttribute('d')).match(/-?[\d.]+/g).map(Number);
  const [x1, x2] = [n[0], n[6]];
  const svg = await page.locator('svg.edges').boundingBox();
  assert.ok(Math.abs(svg.x + x1 - (from.x + from.width)) < 2, 'starts at the upstream box');
  assert.ok(Math.abs(svg.x + x2 - to.x) < 2, 'ends at the downstream box');
  assert.equal(await page.locator('svg.edges path[data-kind="lineage"][data-declared="true"]').count(), 1);
  const listed = page.locator('#graph-edges tr[data-kind="depends_on"][data-from="orders_hourly"]');
  assert.equal((await listed.locator('[data-col="to"]').innerText()).trim(), 'orders_daily');
  assert.equal((await listed.locator('[data-col="edge"]').innerText()).trim(), 'depends_on (windows)');
  assert.equal((await page.locator('#graph-edges tr[data-kind="lineage"] [data-col="edge"]')
    .innerText()).trim(), 'lineage via demo:demo.events_copy');

  // Its counts and what holds it, on the graph, the pipeline page, the grid and the record.
  const waiting = 'waiting on orders_hourly [2026-11-01T05:00:00Z, 2026-11-01T06:00:00Z) FAILED';
  const daily = page.locator('li.node[data-pipeline="orders_daily"]');
  assert.equal((await daily.locator('.counts').innerText()).trim(), 'backlog 1 · running 0 · failed 0');
  assert.equal((await daily.locator('.waiting').innerText()).trim(), waiting);
  await daily.locator('a').click();
  await ready(page, 'pipeline');
  assert.equal((await page.locator('#waiting-on').innerText()).trim(), waiting);
  const cell = page.locator('.grid .cell[data-waiting]');
  assert.equal(await cell.count(), 1);
  assert.ok((await cell.getAttribute('title')).endsWith(' · ' + waiting));
  await cell.click();
  await ready(page, 'record');
  assert.equal((await page.locator('#record-waiting').innerText()).trim(), waiting);
  clean(seen);
  await context.close();
});

test('a change without the CSRF token is refused and changes nothing', async () => {
  const { context, page } = await session('operator');
  const status = await page.evaluate(async () => (await fetch('/api/v1/pipelines/orders_hourly/pause',
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
  assert.equal(status, 403);
  assert.equal(sql("SELECT count(*) FROM pipelines WHERE pipeline_id = 'orders_hourly' AND paused"), '0');
  await context.close();
});

test('the Zurich grid shows 25 windows on the October DST day, the two 02:00 told apart', async () => {
  const { context, page, seen } = await session('viewer', '#/pipelines/zurich_hourly', 'pipeline');
  const day = page.locator('.grid-row[data-day="2026-10-25"] .cell');
  assert.equal(await day.count(), 25);
  assert.equal(await page.locator('.grid-row[data-day="2026-10-24"] .cell').count(), 24);
  assert.equal(await page.locator('.grid-row[data-day="2026-10-26"] .cell').count(), 24);
  const twos = page.locator('.grid-row[data-day="2026-10-25"] .cell[data-local="02:00"]');
  assert.equal(await twos.count(), 2);
  const offsets = [await twos.nth(0).getAttribute('data-offset'),
    await twos.nth(1).getAttribute('data-offset')].sort();
  assert.deepEqual(offsets, ['+01:00', '+02:00']);
  // Each cell says its status in words, not by colour alone.
  const failed = page.locator('.grid-row[data-day="2026-10-25"] .cell[data-status="FAILED"]');
  assert.equal(await failed.count(), 1);
  assert.match(await failed.getAttribute('title'), /FAILED/);

  // In UTC the same windows fall on UTC days: the 25th has 24 hours and one offset.
  await page.click('#time-zone-switch');
  await page.waitForSelector('.grid-row[data-day="2026-10-25"] .cell[data-offset="+00:00"]', slow);
  assert.equal(await page.locator('.grid-row[data-day="2026-10-25"] .cell').count(), 24);
  assert.equal(await page.locator('.cell[data-offset="+02:00"], .cell[data-offset="+01:00"]').count(), 0);
  await page.click('#time-zone-switch');
  clean(seen);
  await context.close();
});

test('XSS probes in a description, an error and business fields render as text', async () => {
  const { context, page, seen } = await session('admin');
  const ids = [recordId('xss_probe', '2026-11-01T01:00:00Z'),
    recordId('orders_hourly', '2026-11-01T05:00:00Z')];
  for (const [hash, name] of [['#/pipelines', 'pipelines'], ['#/pipelines/xss_probe', 'pipeline'],
    [`#/records/${ids[0]}`, 'record'], [`#/records/${ids[1]}`, 'record']]) {
    await page.goto('/' + hash);
    await ready(page, name);
    const text = await page.evaluate(() => document.body.innerText);
    if (name === 'pipeline') assert.ok(text.includes('<script>window.__xss = 1</script>'), hash);
    if (hash.endsWith(ids[0])) {
      assert.ok(text.includes('<script>window.__xss = 5</script>"><img src=x onerror='), hash);
      assert.ok(text.includes('window.__xss = 7'), hash);
    }
    if (hash.endsWith(ids[1])) assert.ok(text.includes('<script>window.__xss = 3</script>'), hash);
    assert.equal(await page.evaluate(() => window.__xss), undefined, hash);
    assert.equal(await page.locator('img, main script').count(), 0, hash);
  }
  clean(seen);
  await context.close();
});

test('an operator backfills: the dry run lists the windows, the progress reaches DONE live', async () => {
  const { context, page, seen } = await session('operator', '#/pipelines/orders_hourly', 'pipeline');
  await page.evaluate(() => { window.__noReload = true; });
  const form = page.locator('#backfill');
  await form.locator('[name="from"]').fill('2026-11-01T00:00:00Z');
  await form.locator('[name="to"]').fill('2026-11-01T03:00:00Z');
  await form.locator('[name="reprocess"]').selectOption('all');
  await page.click('[data-action="backfill-dry-run"]');
  const listed = page.locator('#backfill-plan li');
  await listed.first().waitFor(slow);
  assert.equal(await listed.count(), 3);
  const plan = await page.locator('#backfill-plan').innerText();
  for (const hour of ['00:00', '01:00', '02:00']) assert.ok(plan.includes(`2026-11-01 ${hour}`), plan);
  assert.equal(sql('SELECT count(*) FROM backfill_requests'), '0', 'a dry run writes nothing');

  await page.click('[data-action="backfill-submit"]');
  await ready(page, 'backfills');
  const id = sql('SELECT id FROM backfill_requests');
  const row = page.locator(`tr[data-backfill="${id}"]`);
  await page.waitForSelector(`tr[data-backfill="${id}"][data-status="DONE"]`, { timeout: 120000 });
  const bar = row.locator('progress');
  assert.equal(await bar.getAttribute('value'), await bar.getAttribute('max'));
  assert.equal(await page.evaluate(() => window.__noReload), true, 'never reloaded');
  assert.equal(sql(`SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'orders_hourly'
    AND trigger = 'backfill' AND pipeline_status = 'SUCCESS'`), '3');
  clean(seen);
  await context.close();
});

test('a FAILED window rerun from its record page ends SUCCESS; the grid cell turns live', async () => {
  const { context, page: grid, seen } = await session('operator', '#/pipelines/orders_hourly', 'pipeline');
  const id = recordId('orders_hourly', '2026-11-01T05:00:00Z');
  const cell = `.cell[data-record="${id}"]`;
  assert.equal(await grid.locator(cell).getAttribute('data-status'), 'FAILED');
  await grid.evaluate(() => { window.__noReload = true; });

  const page = await context.newPage();
  await page.goto(`/#/records/${id}`);
  await ready(page, 'record');
  assert.equal(await page.locator('#record-status').getAttribute('data-status'), 'FAILED');
  await page.click('[data-action="rerun"]');
  await page.waitForSelector('dialog#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForSelector('#record-status[data-status="SUCCESS"]', { timeout: 120000 });
  await grid.waitForSelector(`${cell}[data-status="SUCCESS"]`, slow);
  assert.equal(await grid.evaluate(() => window.__noReload), true, 'the grid page never reloaded');
  clean(seen);
  await context.close();
});

test('a dropped event stream reconnects and reads again what changed meanwhile', async () => {
  const network = await relay(base);
  const { context, page } = await open(network.url);
  await signIn(page, 'viewer', '#/pipelines/orders_hourly');
  await ready(page, 'pipeline');
  const id = recordId('orders_hourly', '2026-11-01T10:00:00Z');
  await page.waitForSelector('#live:has-text("live")', slow);
  network.drop();
  await page.waitForSelector('#live:has-text("reconnecting")', slow);
  // Without triggers (replica role) no notification is sent: only a resync can show it.
  sql(`SET session_replication_role = replica;
       UPDATE pipeline_records SET pipeline_status = 'SKIPPED' WHERE id = ${id}`);
  network.restore();
  await page.waitForSelector(`.cell[data-record="${id}"][data-status="SKIPPED"]`, slow);
  await page.waitForSelector('#live:has-text("live")', slow);
  await context.close();
  network.close();
});

test('an expired session is sent to sign-in and comes back to its page', async () => {
  const { context, page } = await open(shortBase);
  await signIn(page, 'viewer', '#/backfills');
  await ready(page, 'backfills');
  await page.waitForTimeout(3500);  // the short daemon's http.session_ttl is 3 s
  await page.click('a[href="#/locks"]');
  await ready(page, 'sign-in');
  assert.match(await page.locator('#sign-in-message').innerText(), /expired/i);
  await page.fill('#token', tokens.viewer);
  await page.click('#sign-in button[type="submit"]');
  await ready(page, 'locks');
  await context.close();
});

test('an admin tests a connection and reads the audit log of the changes made above', async () => {
  const { context, page, seen } = await session('admin', '#/connections', 'connections');
  const row = page.locator('tr[data-connection="demo"]');
  await row.locator('[data-action="test-connection"]').click();
  await page.waitForFunction(() => /ok/i.test(
    document.querySelector('tr[data-connection="demo"] [data-col="result"]')?.innerText ?? ''), null, slow);
  await page.goto('/#/audit');
  await ready(page, 'audit');
  const text = await page.locator('#audit').innerText();
  assert.ok(text.includes('olaf'), text);
  assert.ok(/backfill/.test(text) && /rerun/.test(text), text);
  clean(seen);
  await context.close();
});

// The pipeline catalog from the console: made from the form, edited, diffed, rolled back,
// run now and deleted. A catalog change reaches the daemon within about a second.
const made = 'console_made';
const madePath = `/api/v1/pipelines/${made}`;

// The API as the admin token calls it (no session, no CSRF token): a change made elsewhere.
async function adminApi(method, path, { yaml, ifMatch } = {}) {
  const headers = { Authorization: `Bearer ${tokens.admin}`, Accept: 'application/json' };
  if (yaml !== undefined) headers['Content-Type'] = 'application/yaml';
  if (ifMatch !== undefined) headers['If-Match'] = `"${ifMatch}"`;
  const res = await fetch(base + path, { method, headers, body: yaml });
  return { status: res.status, body: await res.json() };
}

async function untilListed(page, id, listed) {
  const row = page.locator(`tr[data-pipeline="${id}"]`);
  for (let i = 0; i < 40 && (await row.count() > 0) !== listed; ++i) {
    await page.waitForTimeout(500);
    await page.goto('/#/pipelines');
    await ready(page, 'pipelines');
  }
  assert.equal(await row.count(), listed ? 1 : 0, `${id} ${listed ? '' : 'not '}listed`);
}

const versionText = (n) =>
  sql(`SELECT yaml FROM pipeline_definitions WHERE pipeline_id = '${made}' AND version = ${n}`);
const historyRows = (page, n) => page.waitForFunction((count) =>
  document.querySelectorAll('#history tbody tr[data-version]').length === count, n, slow);

test('an admin makes a pipeline from the form: connections offered, the YAML checked live', async () => {
  const { context, page, seen } = await session('admin');
  await page.click('#new-pipeline-link');
  await ready(page, 'pipeline-new');
  // The selects offer the daemon file's connections (GET /api/v1/connections).
  for (const select of ['#new-source-connection', '#new-target-connection']) {
    const offered = await page.locator(`${select} option`).evaluateAll((os) =>
      os.map((o) => o.value).filter(Boolean));
    assert.deepEqual(offered, ['demo'], select);
  }
  await page.fill('#new-id', made);
  await page.fill('#new-description', 'made in the console');
  await page.selectOption('#new-source-connection', 'demo');
  await page.fill('#new-source-table', 'demo.events');
  await page.fill('#new-time-column', 'event_time');
  await page.selectOption('#new-target-connection', 'demo');
  await page.fill('#new-target-table', 'demo.console_copy');
  await page.selectOption('#new-granularity', '1h');
  await page.fill('#new-start-date', '2026-11-01');
  await page.fill('#new-end-date', '2026-11-02');
  await page.check('#new-paused');  // Run now below finds its window queued, not run
  await page.waitForSelector('#definition-check[data-state="valid"]', slow);
  const yaml = await page.inputValue('#definition-yaml');
  for (const line of [`id: ${made}`, '  connection: demo', '  table: demo.console_copy',
    '  granularity: 1h', "  start_date: '2026-11-01'", 'paused: true']) {
    assert.ok(yaml.split('\n').includes(line), `${line} in\n${yaml}`);
  }

  // A key the schema does not know, typed into the YAML: its line and column, live.
  const line = yaml.split('\n').length;  // the text ends with a newline: the next line
  await page.focus('#definition-yaml');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('colour: blue\n');
  await page.waitForSelector('#definition-check[data-state="invalid"]', slow);
  const error = (await page.locator('#definition-errors li').first().innerText()).trim();
  assert.match(error, new RegExp(`^line ${line}, column 1: .*colour`), error);
  assert.equal(await page.getAttribute('#definition-yaml', 'aria-invalid'), 'true');
  assert.equal(await page.isVisible('#yaml-by-hand'), true, 'the fields no longer write the YAML');
  await page.screenshot({ path: `${artifacts}/pipeline-new-error-1280x800.png`, fullPage: true });
  await page.fill('#definition-yaml', yaml);
  await page.waitForSelector('#definition-check[data-state="valid"]', slow);
  assert.equal(await page.locator('#definition-errors li').count(), 0);
  assert.equal(sql(`SELECT count(*) FROM pipeline_definitions WHERE pipeline_id = '${made}'`), '0',
    'a check stores nothing');

  await page.fill('#new-comment', 'first cut');
  await page.click('[data-action="pipeline-create"]');
  await page.waitForURL(new RegExp(`#/pipelines/${made}$`), slow);
  await ready(page, 'pipeline');
  assert.equal(versionText(1), yaml.trimEnd());
  assert.equal(sql(`SELECT comment FROM pipeline_definitions WHERE pipeline_id = '${made}'`), 'first cut');
  await historyRows(page, 1);
  assert.equal(await page.isVisible('[data-action="pipeline-edit"]'), true);
  await untilListed(page, made, true);

  // The same id again: 409, said beside the Create button.
  await page.goto('/#/new-pipeline');
  await ready(page, 'pipeline-new');
  await page.fill('#definition-yaml', yaml);
  await page.click('[data-action="pipeline-create"]');
  await page.waitForSelector('#action-error:not([hidden])', slow);
  assert.match(await page.locator('#action-error').innerText(), /in the catalog already/);
  clean(seen);
  await context.close();
});

test('a viewer reads a catalog pipeline\'s history, and is offered no change to it', async () => {
  const { context, page, seen } = await session('viewer');
  assert.equal(await page.locator('#new-pipeline-link').count(), 0);
  await page.goto(`/#/pipelines/${made}`);
  await ready(page, 'pipeline');
  await historyRows(page, 1);
  assert.equal(await actions(page), 0, 'no Run now, Edit, Delete or Roll back');
  await page.goto('/#/new-pipeline');
  await ready(page, 'pipeline-new');
  assert.equal(await page.locator('#new-pipeline, textarea').count(), 0);
  clean(seen);
  await context.close();
});

test('an admin edits the pipeline, diffs two versions and rolls back to the first', async () => {
  const { context, page, seen } = await session('admin', `#/pipelines/${made}`, 'pipeline');
  await page.click('[data-action="pipeline-edit"]');
  await page.waitForSelector('#editor:not([hidden])', slow);
  assert.equal((await page.inputValue("#edit-yaml")).trimEnd(), versionText(1));
  await page.waitForSelector('#edit-check[data-state="valid"]', slow);
  const edited = versionText(1).replace("'made in the console'", "'edited in the console'");
  await page.fill('#edit-yaml', edited);
  await page.fill('#edit-comment', 'a better description');
  await page.click('[data-action="pipeline-save"]');
  await page.waitForSelector('#catalog-result:has-text("Saved: version 2")', slow);
  assert.equal(versionText(2), edited);
  await historyRows(page, 2);

  await page.selectOption('#diff-from', '1');
  await page.selectOption('#diff-to', '2');
  await page.waitForSelector('#diff[data-from="1"][data-to="2"]', slow);
  assert.deepEqual(await page.locator('#diff .diff-del').allInnerTexts(),
    ["- description: 'made in the console'"]);
  assert.deepEqual(await page.locator('#diff .diff-add').allInnerTexts(),
    ["+ description: 'edited in the console'"]);
  await page.locator('#history-section').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${artifacts}/pipeline-history-1280x800.png`, fullPage: true });

  // The newest version has no Roll back: it is the text in force.
  assert.equal(await page.locator('tr[data-version="2"] [data-action="rollback"]').count(), 0);
  await page.click('tr[data-version="1"] [data-action="rollback"]');
  await page.waitForSelector('dialog#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForSelector('#history-result:has-text("version 3")', slow);
  await historyRows(page, 3);
  assert.equal(versionText(3), versionText(1), "version 3 is version 1's exact text");
  assert.match(await page.locator('tr[data-version="3"] [data-col="comment"]').innerText(),
    /rollback to version 1/);
  // The page shows what the daemon loaded: the first description again.
  await page.waitForSelector('#description:has-text("made in the console")', slow);
  clean(seen);
  await context.close();
});

test('a save over a change made meanwhile is refused, and says another change came first', async () => {
  const { context, page, seen } = await session('admin', `#/pipelines/${made}`, 'pipeline');
  await page.click('[data-action="pipeline-edit"]');
  await page.waitForSelector('#edit-base:has-text("version 3")', slow);
  const behind = versionText(3).replace("'made in the console'", "'changed behind its back'");
  const put = await adminApi('PUT', madePath, { yaml: behind, ifMatch: 3 });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.version, 4);

  await page.fill('#edit-yaml', versionText(3).replace("'made in the console'", "'mine'"));
  await page.click('[data-action="pipeline-save"]');
  await page.waitForSelector('#edit-stale:not([hidden])', slow);
  assert.match(await page.locator('#edit-stale').innerText(),
    /Another change came first: .* as version 4 while you edited version 3\. Nothing was saved/);
  assert.equal(sql(`SELECT max(version) FROM pipeline_definitions WHERE pipeline_id = '${made}'`), '4');
  await page.click('#edit-reload');
  await page.waitForSelector('#edit-base:has-text("version 4")', slow);
  assert.equal(await page.inputValue('#edit-yaml'), behind);
  assert.equal(await page.isVisible('#edit-stale'), false);
  clean(seen);
  await context.close();
});

test('an operator runs the pipeline now: one manual window, queued when asked again', async () => {
  const { context, page, seen } = await session('operator', `#/pipelines/${made}`, 'pipeline');
  assert.equal(await page.locator('[data-action="pipeline-edit"], [data-action="pipeline-delete"], ' +
    '[data-action="rollback"]').count(), 0, 'no admin control');
  const said = async () => {
    await page.click('[data-action="run-now"]');
    await page.waitForSelector('#catalog-result:not(:empty)', slow);
    return (await page.locator('#catalog-result').innerText()).trim();
  };
  const first = await said();
  assert.match(first, /^Run now: (created|queued|reset): .*2026-11-01 23:00/, first);
  const second = await said();
  assert.match(second, /^Run now: (queued|running): /, second);
  assert.equal(sql(`SELECT count(*) FROM pipeline_records WHERE pipeline_id = '${made}'
    AND trigger = 'manual'`), '1');
  clean(seen);
  await context.close();
});

test('an admin deletes the pipeline: it leaves the list once the daemon has dropped it', async () => {
  const { context, page, seen } = await session('admin', `#/pipelines/${made}`, 'pipeline');
  await page.click('[data-action="pipeline-delete"]');
  await page.waitForSelector('dialog#confirm[open]');
  assert.match(await page.locator('#confirm-text').innerText(), new RegExp(`Delete pipeline ${made}\\?`));
  await page.click('#confirm-ok');
  await ready(page, 'pipelines');
  assert.equal(await page.locator(`tr[data-pipeline="${made}"]`).count(), 0);
  assert.equal(sql(`SELECT deleted FROM pipeline_definitions WHERE pipeline_id = '${made}'
    ORDER BY version DESC LIMIT 1`), 't');
  clean(seen);
  await context.close();
});

test('every page at 1280x800 and at a phone\'s 390x844: no sideways scroll, screenshots kept', async () => {
  const record = recordId('zurich_hourly', '2026-10-25T00:00:00Z');
  const pages = [['pipelines', '#/pipelines'], ['graph', '#/graph'],
    ['pipeline', '#/pipelines/zurich_hourly'],
    ['record', `#/records/${record}`], ['backfills', '#/backfills'], ['locks', '#/locks'],
    ['audit', '#/audit'], ['connections', '#/connections'], ['pipeline-new', '#/new-pipeline']];
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const { context, page, seen } = await open(base, viewport);
    await signIn(page, 'admin');
    await ready(page, 'pipelines');
    for (const [name, hash] of pages) {
      await page.goto('/' + hash);
      await ready(page, name);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(wide <= 1, `${name} at ${viewport.width}px scrolls sideways by ${wide}px`);
      await page.screenshot({ path: `${artifacts}/${name}-${viewport.width}x${viewport.height}.png`,
        fullPage: true });
    }
    await page.goto('/#/sign-in');
    await page.screenshot({ path: `${artifacts}/sign-in-${viewport.width}x${viewport.height}.png` });
    clean(seen);
    await context.close();
  }
});

test('the keyboard reaches the navigation and opens a window from the grid', async () => {
  const { context, page } = await session('viewer', '#/pipelines/zurich_hourly', 'pipeline');
  const reached = new Set();
  await page.focus('a.brand');
  for (let i = 0; i < 12; ++i) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => document.activeElement?.getAttribute('href') ?? ''));
  }
  assert.ok(reached.has('#/pipelines') && reached.has('#/backfills'), [...reached].join(' '));
  const cell = page.locator('.grid-row[data-day="2026-10-26"] .cell').first();
  const id = await cell.getAttribute('data-record');
  await cell.focus();
  await page.keyboard.press('Enter');
  await ready(page, 'record');
  assert.ok(page.url().endsWith(`#/records/${id}`), page.url());
  await context.close();
});

test('a pipeline file that stops validating shows as a config error with its place', async () => {
  const { writeFileSync, rmSync } = await import('node:fs');
  const file = `${process.env.SLUICE_BROWSER_PIPELINES}/broken_file.yaml`;
  writeFileSync(file, 'id: broken_file\nsource:\n  connection: demo\n  table: demo.events\n' +
    '  time_column: event_time\ntarget:\n  connection: demo\n  table: demo.broken_copy\n' +
    'window:\n  granularity: 7 parsecs\n  start_date: 2026-11-01\n');
  try {
    process.kill(Number(process.env.SLUICE_BROWSER_DAEMON_PID), 'SIGHUP');
    const { context, page, seen } = await session('viewer');
    const state = page.locator('tr[data-pipeline="broken_file"] [data-col="state"] .state');
    // The list refreshes itself; the reload takes a moment.
    for (let i = 0; i < 60 && await state.count() === 0; ++i) {
      await page.waitForTimeout(500);
      await page.goto('/#/pipelines');
      await ready(page, 'pipelines');
    }
    assert.equal(await state.getAttribute('data-state'), 'config_error');
    assert.equal((await state.innerText()).trim(), 'config error');
    assert.match(await state.getAttribute('title'), /broken_file\.yaml:10:\d+: .*granularity/);
    await page.selectOption('#filter-state', 'config_error');
    assert.equal(await page.locator('#pipelines tbody tr:visible').count(), 1);
    await page.goto('/#/pipelines/broken_file');
    await ready(page, 'pipeline');
    assert.equal((await page.locator('#pipeline-state').innerText()).trim(), 'config error');
    assert.match(await page.locator('#config-error').innerText(),
      /broken_file\.yaml:10:\d+: .*granularity.*\(not scheduled\)/);
    clean(seen);
    await context.close();
  } finally {
    rmSync(file, { force: true });
  }
});
