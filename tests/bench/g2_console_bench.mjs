// The console's render times in headless Chromium (tests/bench/g2_console_bench.sh starts the
// daemon and seeds it). Each figure is the median of SLUICE_BENCH_RUNS loads in a fresh page
// of one signed-in context; the baseline is the same page fetching the same JSON unrendered.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const base = process.env.SLUICE_CONSOLE_URL;
const runs = Number(process.env.SLUICE_BENCH_RUNS ?? 7);
const pipelines = Number(process.env.SLUICE_BENCH_PIPELINES);
const windows = Number(process.env.SLUICE_BENCH_WINDOWS);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({
  executablePath: process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
const signIn = await context.request.post('/api/v1/session',
  { data: { token: process.env.SLUICE_G2_TOKEN } });
if (!signIn.ok()) throw new Error(`sign-in: ${signIn.status()}`);

// From navigation start to the page's data rendered (main[aria-busy=false] of that page with
// `count` elements matching `selector`).
async function rendered(hash, page_name, selector, count) {
  const times = [];
  for (let i = 0; i < runs; ++i) {
    const page = await context.newPage();
    await page.goto('/' + hash, { waitUntil: 'commit' });
    await page.waitForSelector(`main[aria-busy="false"][data-page="${page_name}"]`, { timeout: 60000 });
    const n = await page.locator(selector).count();
    if (n !== count) throw new Error(`${hash}: ${n} of ${selector}, expected ${count}`);
    times.push(await page.evaluate(() => performance.now()));
    await page.close();
  }
  return median(times);
}

// The same JSON fetched and parsed by a page of the console's origin, not rendered.
async function fetched(urls) {
  const page = await context.newPage();
  await page.goto('/console/console.css');
  const times = [];
  for (let i = 0; i < runs; ++i) {
    times.push(await page.evaluate(async (list) => {
      const t0 = performance.now();
      for (const u of list) await (await fetch(u)).json();
      return performance.now() - t0;
    }, urls));
  }
  await page.close();
  return median(times);
}

const list = await rendered('#/pipelines', 'pipelines', '#pipelines tbody tr', pipelines + 1);
const listJson = await fetched(['/api/v1/pipelines?recent=24']);
const grid = await rendered('#/pipelines/big', 'pipeline', '#grid .cell', windows);
const first = await (await context.request.get(`/api/v1/records?pipeline=big&order=newest&limit=1000`)).json();
const gridJson = await fetched([`/api/v1/records?pipeline=big&order=newest&limit=1000`,
  `/api/v1/records?pipeline=big&order=newest&limit=1000&cursor=${first.next_cursor}`]);
// SLUICE_BENCH_TRACE=1: where one load of each page spends its time (requests, from the
// navigation's start), to see what to make faster.
async function trace(hash, page_name) {
  const page = await context.newPage();
  const seen = [];
  const t0 = Date.now();
  page.on('requestfinished', (r) => seen.push([r.url().replace(base, ''), Date.now() - t0]));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto('/' + hash, { waitUntil: 'commit' });
  await page.waitForSelector(`main[aria-busy="false"][data-page="${page_name}"]`, { timeout: 60000 });
  console.log(`-- ${hash}: rendered ${Date.now() - t0} ms after the navigation began`);
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  console.log(`   script ${(m.ScriptDuration * 1000).toFixed(0)} ms, style ` +
    `${(m.RecalcStyleDuration * 1000).toFixed(0)} ms, layout ${(m.LayoutDuration * 1000).toFixed(0)} ms, ` +
    `tasks ${(m.TaskDuration * 1000).toFixed(0)} ms, ${m.Nodes} nodes`);
  for (const [name, end] of seen) console.log(`   ${String(end).padStart(6)} ms  ${name} finished`);
  await page.close();
}
if (process.env.SLUICE_BENCH_TRACE) {
  await trace('#/pipelines', 'pipelines');
  await trace('#/pipelines/big', 'pipeline');
}

const line = (name, ms, baseline, what) => console.log(
  `${name.padEnd(10)} ${ms.toFixed(0).padStart(6)} ms to rendered (${what}); its JSON alone ` +
  `${baseline.toFixed(0)} ms, ratio ${(ms / baseline).toFixed(1)}   target <= 1000 ms`);
line('pipelines', list, listJson, `${pipelines + 1} pipelines`);
line('grid', grid, gridJson, `${windows} windows`);
await browser.close();
