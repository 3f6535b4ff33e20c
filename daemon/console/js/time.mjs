// Times in a named zone, shown as `2026-10-25 02:00 +02:00`.
// formatToParts is slow next to the rest of a grid cell, so it is only asked for the zone's
// offset, once per zone and UTC hour (offsets change at most once an hour); the local time is
// then plain arithmetic on the instant plus that offset.

const HOUR = 3600000;
const formatters = new Map();
const offsets = new Map();
const valid = new Map();

function formatter(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, f);
  }
  return f;
}

// A zone the browser does not know falls back to UTC rather than breaking the page.
export function checkZone(zone) {
  if (!zone) return 'UTC';
  let ok = valid.get(zone);
  if (ok === undefined) {
    try {
      formatter(zone);
      ok = true;
    } catch {
      ok = false;
    }
    valid.set(zone, ok);
  }
  return ok ? zone : 'UTC';
}

// `GMT+02:00` → 7200; `GMT` alone is +00:00.
function exactOffset(zone, ms) {
  const part = formatter(zone).formatToParts(ms).find((p) => p.type === 'timeZoneName');
  const m = /GMT([+-])(\d\d):(\d\d)(?::(\d\d))?/.exec(part ? part.value : '');
  if (!m) return 0;
  const secs = +m[2] * 3600 + +m[3] * 60 + (m[4] ? +m[4] : 0);
  return m[1] === '-' ? -secs : secs;
}

export function offsetAt(zone, ms) {
  if (zone === 'UTC') return 0;
  let byHour = offsets.get(zone);
  if (!byHour) offsets.set(zone, (byHour = new Map()));
  const hour = Math.floor(ms / HOUR);
  let off = byHour.get(hour);
  if (off === undefined) {
    const a = exactOffset(zone, hour * HOUR);
    const b = exactOffset(zone, hour * HOUR + HOUR - 1000);
    off = a === b ? a : null;  // null: a change inside this hour, ask per instant
    byHour.set(hour, off);
  }
  return off === null ? exactOffset(zone, ms) : off;
}

const p2 = (n) => (n < 10 ? '0' : '') + n;

export function offsetText(secs) {
  const a = Math.abs(secs);
  let t = (secs < 0 ? '-' : '+') + p2(Math.floor(a / 3600)) + ':' + p2(Math.floor(a / 60) % 60);
  if (a % 60) t += ':' + p2(a % 60);
  return t;
}

// { day: '2026-10-25', time: '02:00' (':SS' when not zero), offset: '+02:00', text }
export function parts(ms, zone) {
  const off = offsetAt(zone, ms);
  const d = new Date(ms + off * 1000);
  const y = d.getUTCFullYear();
  const day = (y < 1000 ? String(y).padStart(4, '0') : y) + '-' + p2(d.getUTCMonth() + 1) + '-' +
    p2(d.getUTCDate());
  const sec = d.getUTCSeconds();
  const time = p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes()) + (sec ? ':' + p2(sec) : '');
  const offset = offsetText(off);
  return { day, time, offset, text: day + ' ' + time + ' ' + offset };
}

const STAMP =
  /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/i;

// RFC 3339 from the API, and PostgreSQL's own renderings of timestamptz (`+00`, fractions).
export function parseTime(text) {
  if (typeof text !== 'string') return NaN;
  const m = STAMP.exec(text.trim());
  if (!m) return NaN;
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0),
    m[7] ? Math.floor(+('0.' + m[7]) * 1000) : 0);
  const z = m[8];
  if (z && z.toUpperCase() !== 'Z') {
    const digits = z.slice(1).replace(':', '');
    const secs = +digits.slice(0, 2) * 3600 + +(digits.slice(2, 4) || 0) * 60;
    ms -= (z[0] === '-' ? -secs : secs) * 1000;
  }
  return ms;
}

// Any API time (text) in a zone; '—' when absent, the text itself when it does not parse.
export function fmt(value, zone) {
  if (value === null || value === undefined || value === '') return '—';
  const ms = typeof value === 'number' ? value : parseTime(value);
  return Number.isNaN(ms) ? String(value) : parts(ms, zone).text;
}

export function dayKey(ms, zone) {
  return parts(ms, zone).day;
}

// 3.2 s, 45 s, 5m 3s, 2h 5m, 3d 4h
export function duration(secs) {
  if (secs === null || secs === undefined || !Number.isFinite(+secs)) return '—';
  const s = Math.max(0, +secs);
  if (s === 0) return '0 s';
  if (s < 10) return s.toFixed(1) + ' s';
  const t = Math.round(s);
  if (t < 60) return t + ' s';
  if (t < 3600) return Math.floor(t / 60) + 'm ' + (t % 60) + 's';
  if (t < 86400) return Math.floor(t / 3600) + 'h ' + Math.floor((t % 3600) / 60) + 'm';
  return Math.floor(t / 86400) + 'd ' + Math.floor((t % 86400) / 3600) + 'h';
}

export function secondsBetween(a, b) {
  const x = parseTime(a);
  const y = parseTime(b);
  return Number.isNaN(x) || Number.isNaN(y) ? null : (y - x) / 1000;
}
