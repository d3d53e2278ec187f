// A uPlot chart of values per day. uPlot draws on a canvas, so the chart is labelled for screen
// readers and followed by the same numbers as a table for them.
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../lib/html.js';
import { day, number, locale, t } from '../lib/i18n.js';
import { isDark } from '../lib/theme.js';

// The light theme's series colours and their counterparts on dark backgrounds (styles/app.css).
const ON_DARK = /** @type {Record<string, string>} */ ({ '#1f5bd8': '#7ea6ff', '#17683a': '#6fd49a', '#b3261e': '#ff8a80', '#7a4a00': '#f3c66b' });

/**
 * @param {{ label: string, days: string[], series: { label: string, values: number[], color: string }[], bars?: boolean }} props
 */
export function DayChart({ label, days, series, bars }) {
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  const dark = isDark();
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    /** @type {any} */
    let plot;
    let cancelled = false;
    const xs = days.map((_, i) => i);
    const axisColor = dark ? '#aab2c0' : '#4a5160';
    const gridColor = dark ? '#2a313d' : '#e4e8f0';
    import('uplot').then(({ default: UPlot }) => {
      if (cancelled) return;
      const opts = {
        width: Math.max(280, el.clientWidth),
        height: 220,
        // Bars need half a slot of room on both ends, or the first and last are cut in half.
        scales: { x: { time: false, range: /** @type {[number, number]} */ (bars ? [-0.5, days.length - 0.5] : [0, Math.max(1, days.length - 1)]) } },
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        axes: [
          { stroke: axisColor, grid: { stroke: gridColor }, values: (/** @type {any} */ _u, /** @type {number[]} */ ticks) => ticks.map((i) => (days[i] ? day(days[i]) : '')) },
          { stroke: axisColor, grid: { stroke: gridColor }, values: (/** @type {any} */ _u, /** @type {number[]} */ ticks) => ticks.map((v) => number(v)) },
        ],
        series: [
          { label: t('chart.day'), value: (/** @type {any} */ _u, /** @type {number} */ i) => (days[i] ? day(days[i]) : '–') },
          ...series.map((s) => {
            const color = dark ? (ON_DARK[s.color] ?? s.color) : s.color;
            return {
            label: s.label,
            stroke: color,
            fill: bars ? `${color}88` : `${color}22`,
            width: bars ? 0 : 2,
            paths: bars ? UPlot.paths.bars?.({ size: [0.6, 40] }) : undefined,
            points: { show: false },
            };
          }),
        ],
      };
      plot = new UPlot(opts, [xs, ...series.map((s) => s.values)], el);
    });
    const resize = () => plot && plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      cancelled = true;
      window.removeEventListener('resize', resize);
      if (plot) plot.destroy();
    };
  }, [JSON.stringify(days), JSON.stringify(series), dark, locale.value]);
  return html`<figure style="margin:0">
    <div class="chart" ref=${box} role="img" aria-label=${label}></div>
    <div class="sr-only"><table>
      <caption>${label}</caption>
      <thead><tr><th scope="col">${t('chart.day')}</th>${series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr></thead>
      <tbody>${days.map((d, i) => html`<tr><th scope="row">${day(d)}</th>${series.map((s) => html`<td>${number(s.values[i])}</td>`)}</tr>`)}</tbody>
    </table></div>
  </figure>`;
}
