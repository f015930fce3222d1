// history.js: the broker's per-second history (GET /v1/history) held for a page's charts.
//
// Contract:
// - load() fetches the window once; poll() asks only for points newer than the newest held (`since`) and
//   appends them. Points at or before a series' last point are ignored (a broker that ignores `since` answers
//   the whole window, and nothing is counted twice).
// - Each series keeps at most windowMs of points, measured on the broker's clock (its newest point), so a
//   page holds 15 minutes whatever its client's clock says.
// - A broker that does not know a requested series answers 400 with the names it knows; the store then asks
//   only for those (remembered for the session) and the missing series stay empty (charts show "-").
// - filters ({group, topic}) are sent to the broker and also applied here to the series' labels.

import { api, ApiError } from './api.js'

export const WINDOW_MS = 15 * 60 * 1000

let knownSeries = null // Set of names the broker said it has, after a 400; null: not asked yet

export class HistoryStore {
  constructor(names, { filters = {}, windowMs = WINDOW_MS } = {}) {
    this.names = names
    this.filters = filters
    this.windowMs = windowMs
    this.byKey = new Map() // name + labels -> {name, labels, ts: [], vs: []}
    this.newest = 0
  }

  load(signal) {
    return this.fetch(undefined, signal)
  }

  poll(signal) {
    return this.fetch(this.newest || undefined, signal)
  }

  /// Every held series with this name: [{name, labels, ts, vs}].
  series(name) {
    const out = []
    for (const s of this.byKey.values()) if (s.name === name) out.push(s)
    return out
  }

  async fetch(since, signal) {
    const wanted = knownSeries ? this.names.filter(n => knownSeries.has(n)) : this.names
    if (!wanted.length) return
    let doc
    try {
      doc = await api.history({ series: wanted.join(','), since, ...this.filters }, signal)
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && Array.isArray(e.body?.series) && !knownSeries) {
        knownSeries = new Set(e.body.series)
        return this.fetch(since, signal)
      }
      throw e
    }
    for (const s of doc?.series || []) this.add(s)
    this.trim()
  }

  add(s) {
    const labels = s.labels || {}
    for (const [k, v] of Object.entries(this.filters)) {
      if (v !== undefined && v !== null && v !== '' && k in labels && labels[k] !== String(v)) return
    }
    const key = s.name + JSON.stringify(Object.entries(labels).sort())
    let held = this.byKey.get(key)
    if (!held) {
      held = { name: s.name, labels, ts: [], vs: [] }
      this.byKey.set(key, held)
    }
    let last = held.ts.length ? held.ts[held.ts.length - 1] : -Infinity
    for (const [t, v] of s.points || []) {
      if (t <= last) continue
      held.ts.push(t)
      held.vs.push(v)
      last = t
      if (t > this.newest) this.newest = t
    }
  }

  trim() {
    const cutoff = this.newest - this.windowMs
    for (const [key, s] of this.byKey) {
      let i = 0
      while (i < s.ts.length && s.ts[i] < cutoff) i++
      if (i) {
        s.ts.splice(0, i)
        s.vs.splice(0, i)
      }
      if (!s.ts.length) this.byKey.delete(key)
    }
  }
}

/// The time span a page's charts share: the held window (at most windowMs, at least minMs), and its sampling
/// times (grid: the timestamps of the longest series held), or null before any point.
export function timeRange(store, minMs = 60000) {
  if (!store.newest) return null
  let oldest = store.newest
  let grid = []
  for (const s of store.byKey.values()) {
    if (s.ts.length && s.ts[0] < oldest) oldest = s.ts[0]
    if (s.ts.length > grid.length) grid = s.ts
  }
  return { from: Math.min(oldest, store.newest - minMs), to: store.newest, grid }
}

/// Series summed per timestamp (e.g. a group's lag over its partitions): {ts, vs}, ts ascending.
export function sumByTime(seriesList) {
  const acc = new Map()
  for (const s of seriesList) {
    for (let i = 0; i < s.ts.length; i++) acc.set(s.ts[i], (acc.get(s.ts[i]) || 0) + (s.vs[i] ?? 0))
  }
  const ts = [...acc.keys()].sort((a, b) => a - b)
  return { ts, vs: ts.map(t => acc.get(t)) }
}

/// The last value of the first series with this name (current value for a tile), or null.
export function lastValue(store, name) {
  const s = store.series(name)[0]
  return s && s.vs.length ? s.vs[s.vs.length - 1] : null
}
