// pages/alerts.js: the alert rules from the broker's config with their state (GET /v1/alerts, every 3 s) and
// their recent transitions, newest first (each rule's recent_transitions, at most 100 shown).
// Test ids: alerts-table (alert-row with data-rule, data-state), transitions-table (transition-row), alerts-error.

import { api } from '../api.js'
import { h, replace, table, message, section, cols } from '../dom.js'
import * as fmt from '../format.js'

const STATE_CLASS = { firing: 'bad', pending: 'warn', inactive: 'ok' }

function stateBadge(s) {
  return h('span', { class: `badge badge-${STATE_CLASS[s] || 'idle'}` }, s || fmt.DASH)
}

function valueText(rule, v) {
  if (v === null || v === undefined) return fmt.DASH
  if (String(rule.kind).startsWith('disk_free_bytes')) return fmt.bytes(v)
  if (rule.kind === 'disk_free_ratio') return `${fmt.num(v * 100, 2)} %`
  if (rule.kind === 'consumer_lag_seconds') return fmt.seconds(v)
  return fmt.num(v, 3)
}

function labelsText(labels) {
  if (!Array.isArray(labels) || !labels.length) return fmt.DASH
  const shown = labels.slice(0, 3).map(l => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(' '))
  return shown.join('; ') + (labels.length > 3 ? ` (+${labels.length - 3} more)` : '')
}

export default function mount(root, ctx) {
  const errorBox = h('div', { testid: 'alerts-error' })
  const rulesBox = h('div', { class: 'table-wrap' }, h('div', { class: 'loading' }, 'loading...'))
  const transitionsBox = h('div', { class: 'table-wrap' })
  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Alerts'),
      h('span', { class: 'muted' }, 'rules come from the broker\u2019s config ([[alert]] tables)')),
    errorBox,
    section('Rules', rulesBox),
    section('Recent transitions', transitionsBox))

  ctx.poll(async signal => {
    let rules
    try {
      rules = await api.alerts(signal)
    } catch (e) {
      if (!signal.aborted) replace(errorBox, message('error', e.message))
      return
    }
    replace(errorBox)
    rules = Array.isArray(rules) ? rules : []
    const order = { firing: 0, pending: 1, inactive: 2 }
    const rank = r => order[r.state] ?? 3
    const sorted = [...rules].sort((a, b) => rank(a) - rank(b) || String(a.rule).localeCompare(b.rule))
    replace(rulesBox, table({
      testid: 'alerts-table',
      columns: cols('Rule', 'Kind', 'State', 'Value#', 'Threshold#', 'For', 'Since', 'Filters', 'Offending'),
      rows: sorted.map(r => h('tr', { testid: 'alert-row', dataset: { rule: r.rule, state: r.state } },
        h('td', { class: 'nowrap' }, h('strong', {}, r.rule)),
        h('td', { class: 'nowrap' }, h('code', {}, r.kind)),
        h('td', { dataset: { col: 'state' } }, stateBadge(r.state)),
        h('td', { class: 'num', dataset: { col: 'value' } }, valueText(r, r.value)),
        h('td', { class: 'num' }, valueText(r, r.threshold)),
        h('td', {}, fmt.seconds(r.for_seconds)),
        h('td', { title: r.since || '' }, r.since_ms ? `${fmt.ago(r.since_ms)} (${fmt.time(r.since_ms)})` : fmt.DASH),
        h('td', {}, Object.entries(r.filters || {}).map(([k, v]) => `${k}=${v}`).join(' ') || fmt.DASH),
        h('td', {}, r.offending_count ? `${fmt.num(r.offending_count)}: ${labelsText(r.labels)}` : fmt.DASH))),
      emptyText: 'no alert rules configured',
    }))
    // newest first; transitions of one evaluation share at_ms and keep their order (each rule's list is oldest first)
    const transitions = rules.flatMap(r => (r.recent_transitions || []).map((t, i) => ({ ...t, rule: r.rule, r, i })))
    transitions.sort((a, b) => b.at_ms - a.at_ms || b.i - a.i)
    const haveField = rules.some(r => Array.isArray(r.recent_transitions))
    replace(transitionsBox, table({
      testid: 'transitions-table',
      columns: cols('When', 'Rule', 'From', 'To', 'Value#'),
      rows: transitions.slice(0, 100).map(t => h('tr', { testid: 'transition-row', dataset: { rule: t.rule, to: t.to } },
        h('td', { class: 'nowrap' }, `${fmt.time(t.at_ms)} (${fmt.ago(t.at_ms)})`),
        h('td', {}, t.rule),
        h('td', {}, stateBadge(t.from)),
        h('td', {}, stateBadge(t.to)),
        h('td', { class: 'num' }, valueText(t.r, t.value)))),
      emptyText: haveField ? 'no transitions yet' : 'this broker does not report transitions',
    }))
  }, 3000)
}
