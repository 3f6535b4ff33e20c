// Catalog pipelines: which they are, and waiting for the daemons to follow a change made
// from the console (create, save, roll back, delete).

export function isCatalog(detail) {
  return String(detail?.config?.file ?? '').startsWith('catalog:');
}

const POLL_MS = 300;
const WAIT_MS = 15000;

// Polls the pipeline until done(detail) holds (detail null: the daemon does not have it);
// false when it did not within WAIT_MS. A catalog change reaches the daemons within about a
// second, but its change event comes as it is stored, before they have reloaded.
async function until(ctx, id, done) {
  const path = '/api/v1/pipelines/' + encodeURIComponent(id);
  for (let waited = 0; waited < WAIT_MS; waited += POLL_MS) {
    let detail = null;
    try {
      detail = await ctx.api(path);
    } catch (e) {
      if (e.status !== 404) throw e;
    }
    if (done(detail)) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}

// Until the daemon has loaded (present) or dropped (!present) the pipeline.
export function untilLoaded(ctx, id, present) {
  return until(ctx, id, (d) => !!d === present);
}

// Until the config the daemon shows differs from `before` (JSON text): a change was loaded.
export function untilReloaded(ctx, id, before) {
  return until(ctx, id, (d) => !d || JSON.stringify(d.config ?? null) !== before);
}
