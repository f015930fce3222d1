// pages/overview.js: the broker at a glance: stat tiles with current values and live charts of the last
// 15 minutes. One GET /v1/history for the window, then every 2 s only the newer points (since=), appended and
// trimmed to 15 minutes (history.js). Tiles: data-testid="tile-<series>" with data-value (raw number).

import { h, replace, message } from '../dom.js'
import { HistoryStore, lastValue, timeRange } from '../history.js'
import { timeChart } from '../chart.js'
import * as fmt from '../format.js'

const CHARTS = [
  { id: 'records', title: 'Records per second', format: fmt.compact,
    series: [['produce_records_per_second', 'produce'], ['fetch_records_per_second', 'consume']] },
  { id: 'bytes', title: 'Bytes per second', format: fmt.bytes,
    series: [['produce_bytes_per_second', 'produce'], ['fetch_bytes_per_second', 'consume']] },
  { id: 'produce-latency', title: 'Produce latency', format: fmt.latency, sparse: true,
    series: [['produce_latency_p50_seconds', 'p50'], ['produce_latency_p99_seconds', 'p99']] },
  { id: 'fetch-latency', title: 'Fetch latency p99 (includes the long-poll wait consumers ask for)', format: fmt.latency, sparse: true,
    series: [['fetch_latency_p99_seconds', 'p99']] },
  { id: 'connections', title: 'Connections', format: fmt.compact, series: [['connections', 'connections']] },
  { id: 'memory', title: 'Memory budget', format: fmt.bytes,
    series: [['memory_in_use_bytes', 'in use'], ['memory_budget_bytes', 'budget']] },
  { id: 'backpressure', title: 'Backpressure (seconds stalled per second)', format: v => fmt.num(v, 3),
    series: [['backpressure_seconds_per_second', 'backpressure']] },
  { id: 'disk', title: 'Disk', format: fmt.bytes, series: [['log_bytes', 'logs'], ['disk_free_bytes', 'free']] },
]

const TILES = [
  { series: 'produce_records_per_second', label: 'Produce', format: v => fmt.rate(v, ' rec/s') },
  { series: 'produce_bytes_per_second', label: 'Produce bytes', format: fmt.byteRate },
  { series: 'fetch_records_per_second', label: 'Consume', format: v => fmt.rate(v, ' rec/s') },
  { series: 'fetch_bytes_per_second', label: 'Consume bytes', format: fmt.byteRate },
  { series: 'produce_latency_p50_seconds', label: 'Produce p50', format: fmt.latency },
  { series: 'produce_latency_p99_seconds', label: 'Produce p99', format: fmt.latency },
  { series: 'fetch_latency_p99_seconds', label: 'Fetch p99', format: fmt.latency, sub: () => 'includes long-poll wait' },
  { series: 'connections', label: 'Connections', format: v => fmt.num(v) },
  { series: 'memory_in_use_bytes', label: 'Memory in use', format: fmt.bytes,
    sub: s => `of ${fmt.bytes(lastValue(s, 'memory_budget_bytes'))} budget` },
  { series: 'backpressure_seconds_per_second', label: 'Backpressure', format: v => fmt.num(v, 3),
    sub: () => 'seconds stalled per second' },
  { series: 'log_bytes', label: 'Disk used by logs', format: fmt.bytes },
  { series: 'disk_free_bytes', label: 'Disk free', format: fmt.bytes,
    sub: s => `of ${fmt.bytes(lastValue(s, 'disk_total_bytes'))}` },
]

const ALL_SERIES = [...new Set([...CHARTS.flatMap(c => c.series.map(s => s[0])), 'disk_total_bytes'])]

export default function mount(root, ctx) {
  const store = new HistoryStore(ALL_SERIES)
  const errorBox = h('div', { testid: 'overview-error' })
  const tiles = TILES.map(t => {
    const value = h('div', { class: 'tile-value' }, fmt.DASH)
    const sub = h('div', { class: 'tile-sub' }, '')
    const el = h('div', { class: 'tile', testid: `tile-${t.series}` }, h('div', { class: 'tile-label' }, t.label), value, sub)
    return { t, el, value, sub }
  })
  const grid = h('div', { class: 'chart-grid' })
  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Overview'), h('span', { class: 'muted' }, 'last 15 minutes, per second')),
    errorBox,
    h('div', { class: 'tiles' }, tiles.map(x => x.el)),
    grid
  )
  const charts = CHARTS.map(c => {
    const cell = h('div', { class: 'panel chart-panel' })
    grid.append(cell)
    const series = c.series.map(([, label]) => ({ label }))
    return { c, chart: timeChart(cell, { id: c.id, title: c.title, format: c.format, sparse: c.sparse, series }) }
  })

  const render = () => {
    for (const { t, el, value, sub } of tiles) {
      const v = lastValue(store, t.series)
      value.textContent = t.format(v)
      el.dataset.value = v === null ? '' : String(v)
      sub.textContent = t.sub ? t.sub(store) : ''
    }
    const range = timeRange(store)
    for (const { c, chart } of charts) {
      chart.update(c.series.map(([name]) => store.series(name)[0] || { ts: [], vs: [] }), range)
    }
  }

  let loaded = false
  ctx.poll(async signal => {
    try {
      if (loaded) await store.poll(signal)
      else {
        await store.load(signal)
        loaded = true
      }
      replace(errorBox)
    } catch (e) {
      if (!signal.aborted) replace(errorBox, message('error', `history: ${e.message}`))
      return
    }
    render()
  }, 2000)

  return () => charts.forEach(x => x.chart.destroy())
}
