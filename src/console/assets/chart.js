// chart.js: a time-series line chart on uPlot (served by the broker from the npm package; nothing external).
//
// timeChart(container, {id, title, series: [{label, color?}], format, height, sparse}) -> {update(lines, range), destroy()}
// - lines: one {ts: [epoch ms], vs: [number]} per configured series (same order); they need not share
//   timestamps: the chart aligns them on the union of their times (a gap where a series has no point).
// - range: optional {from, to} in epoch ms for the x axis (so charts of one page share their time axis);
//   without it the axis spans the data, at least a minute. range.grid (epoch ms, optional): the sampling
//   times of the page, added to the x values so a sparse series shows gaps where it has no point instead of
//   a line across them.
// - format(v) formats the y axis and the legend values.
// - For tests and scripts the container carries data-testid="chart-<id>", data-points (x values plotted) and
//   data-last (the last plotted value of each series, comma-separated, "" for none).
// - The chart follows its container's width (ResizeObserver); destroy() releases it.

import uPlot from '/console/vendor/uPlot.esm.js'
import { h } from './dom.js'

const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#14b8a6']

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  return v || fallback
}

export function timeChart(container, { id, title, series, format = String, height = 170, sparse = false }) {
  const box = h('div', { class: 'chart', testid: `chart-${id}`, dataset: { points: '0', last: '' } })
  if (title) container.append(h('h3', { class: 'chart-title' }, title))
  container.append(box)

  const axisColor = cssVar('--muted', '#888')
  const gridColor = cssVar('--grid', 'rgba(128,128,128,0.15)')
  const axis = {
    stroke: axisColor,
    grid: { stroke: gridColor, width: 1 },
    ticks: { stroke: gridColor, width: 1 },
    font: '11px system-ui, sans-serif',
  }
  const opts = {
    width: Math.max(200, box.clientWidth || container.clientWidth || 400),
    height,
    scales: {
      // at least a minute wide, so a young series does not stretch over milliseconds
      x: { time: true, range: (u, min, max) => (min === null ? [min, max] : [Math.min(min, max - 60), max]) },
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.color || PALETTE[i % PALETTE.length],
        width: 1.5,
        // sparse series (latency: no point in a second without requests) show their points, so a lone
        // sample between gaps is visible
        points: sparse ? { show: true, size: 4 } : { show: false },
        value: (u, v) => (v === null || v === undefined ? '-' : format(v)),
      })),
    ],
    axes: [axis, { ...axis, size: 64, values: (u, splits) => splits.map(v => format(v)) }],
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
  }
  const empty = [[], ...series.map(() => [])]
  const plot = new uPlot(opts, empty, box)

  const resize = new ResizeObserver(() => {
    const w = box.clientWidth
    if (w > 0 && Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height })
  })
  resize.observe(box)

  return {
    update(lines, range) {
      const times = new Set(range?.grid || [])
      for (const l of lines) for (const t of l.ts) times.add(t)
      const xs = [...times].sort((a, b) => a - b)
      const index = new Map(xs.map((t, i) => [t, i]))
      const ys = lines.map(l => {
        const col = new Array(xs.length).fill(null)
        for (let i = 0; i < l.ts.length; i++) col[index.get(l.ts[i])] = l.vs[i]
        return col
      })
      plot.setData([xs.map(t => t / 1000), ...ys], !range)
      if (range && xs.length) plot.setScale('x', { min: range.from / 1000, max: range.to / 1000 })
      box.dataset.points = String(xs.length)
      box.dataset.last = lines.map(l => (l.vs.length ? String(l.vs[l.vs.length - 1]) : '')).join(',')
    },
    destroy() {
      resize.disconnect()
      plot.destroy()
    },
  }
}
