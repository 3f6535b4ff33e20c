// Line charts over the loaded windows, oldest left, drawn as plain SVG: one path per run of
// windows that have a value (a window without one leaves a gap rather than a false line).

import { s } from '../dom.mjs';

const W = 640;
const H = 180;
const PAD = { l: 64, r: 12, t: 12, b: 28 };

export function chart(id, name) {
  const svg = s('svg', { id, class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': name });
  return {
    el: svg,
    // points: [{ t: ms, v: number | null }] oldest first; fy/fx format the axis labels.
    draw(points, fy, fx) {
      const have = points.filter((p) => p.v != null && Number.isFinite(p.v));
      const summary = have.length
        ? `${name}: ${have.length} windows, from ${fx(points[0].t)} to ${fx(points[points.length - 1].t)}, ` +
          `min ${fy(Math.min(...have.map((p) => p.v)))}, max ${fy(Math.max(...have.map((p) => p.v)))}`
        : `${name}: no data yet`;
      svg.setAttribute('aria-label', summary);
      const kids = [s('title', null, summary)];
      const x0 = PAD.l;
      const x1 = W - PAD.r;
      const y0 = H - PAD.b;
      const y1 = PAD.t;
      kids.push(s('path', { class: 'axis', d: `M${x0} ${y1}V${y0}H${x1}` }));
      if (!have.length) {
        kids.push(s('text', { x: (x0 + x1) / 2, y: (y0 + y1) / 2, 'text-anchor': 'middle' }, 'No data'));
        svg.replaceChildren(...kids);
        return;
      }
      let max = -Infinity;
      for (const p of have) if (p.v > max) max = p.v;
      const min = Math.min(0, ...have.map((p) => p.v));
      if (max <= min) max = min + 1;
      const t0 = points[0].t;
      const t1 = points[points.length - 1].t;
      const span = t1 - t0 || 1;
      const X = (t) => (t1 === t0 ? (x0 + x1) / 2 : x0 + ((t - t0) / span) * (x1 - x0));
      const Y = (v) => y0 - ((v - min) / (max - min)) * (y0 - y1);
      let d = '';
      let pen = false;
      for (const p of points) {
        if (p.v == null || !Number.isFinite(p.v)) {
          pen = false;
          continue;
        }
        d += (pen ? 'L' : 'M') + X(p.t).toFixed(1) + ' ' + Y(p.v).toFixed(1);
        pen = true;
      }
      kids.push(s('path', { class: 'line', d }));
      if (have.length < 60) {
        for (const p of have) kids.push(s('circle', { class: 'dot', cx: X(p.t).toFixed(1), cy: Y(p.v).toFixed(1), r: 2.5 }));
      }
      kids.push(
        s('text', { class: 'tick', x: x0 - 6, y: y1 + 10, 'text-anchor': 'end' }, fy(max)),
        s('text', { class: 'tick', x: x0 - 6, y: y0, 'text-anchor': 'end' }, fy(min)),
        s('text', { class: 'tick', x: x0, y: H - 8 }, fx(t0)),
        s('text', { class: 'tick', x: x1, y: H - 8, 'text-anchor': 'end' }, fx(t1)));
      svg.replaceChildren(...kids);
    },
  };
}
