// pages/topic.js: one topic: summary, partitions (refreshed every 3 s from GET /v1/topics/{name}), configs,
// retention change (PATCH .../configs after a confirm dialog), delete (DELETE after typing the name) and the
// record browser with its live tail (records.js).
// Test ids: topic-summary, partitions-table (rows partition-row, data-partition), configs-table (overrides and
// the main keys: rows config-row, data-key), all-configs-table (all-config-row), retention-input,
// retention-apply, retention-reset, retention-result, delete-topic, delete-result, topic-error; the partitions
// pager partitions-* (summary, prev, next) when there are more than 100.

import { api } from '../api.js'
import { h, replace, table, message, section, tile, cols } from '../dom.js'
import { confirmDialog } from '../dialog.js'
import { recordBrowser } from './records.js'
import { localPager } from '../listview.js'
import * as fmt from '../format.js'

const DURATION_KEYS = new Set(['retention.ms', 'segment.ms', 'delete.retention.ms', 'flush.ms', 'file.delete.delay.ms',
  'min.compaction.lag.ms', 'max.compaction.lag.ms', 'local.retention.ms'])
// Shown first; every other key is in "All configs" (a topic override is always shown first).
const MAIN_KEYS = ['retention.ms', 'retention.bytes', 'cleanup.policy', 'segment.bytes', 'segment.ms', 'max.message.bytes',
  'compression.type', 'message.timestamp.type']
const BYTE_KEYS = new Set(['retention.bytes', 'segment.bytes', 'max.message.bytes', 'local.retention.bytes',
  'streamdown.page.cache.window.bytes', 'segment.index.bytes'])

/// Records in a partition: the broker's count when it sends one, else end minus start offset.
export function partitionRecords(p) {
  if (typeof p.records === 'number') return p.records
  if (typeof p.high_watermark === 'number' && typeof p.log_start_offset === 'number') return p.high_watermark - p.log_start_offset
  return null
}

function configValue(key, value) {
  if (value === null || value === undefined) return fmt.DASH
  const n = Number(value)
  if (DURATION_KEYS.has(key) && Number.isFinite(n) && n < 9e15) return `${value} (${fmt.durationMs(n)})`
  if (BYTE_KEYS.has(key) && Number.isFinite(n) && n < 9e15) return `${value} (${fmt.bytes(n)})`
  return String(value)
}

export default function mount(root, ctx, name) {
  const errorBox = h('div', { testid: 'topic-error' })
  const summary = h('div', { class: 'tiles', testid: 'topic-summary' })
  const partitionsBox = h('div', { class: 'table-wrap' }, h('div', { class: 'loading' }, 'loading...'))
  const configsBox = h('div', { class: 'table-wrap' })
  const allConfigsBox = h('div', { class: 'table-wrap' })
  const allConfigs = h('details', { class: 'more' }, h('summary', {}, 'All configs'), allConfigsBox)
  let topic = null
  const partitionsPager = localPager('partitions', 100, () => topic && render())

  // Retention: set, or remove the override (null), each after a confirmation.
  const retentionInput = h('input', { type: 'text', inputmode: 'numeric', pattern: '-?[0-9]+', testid: 'retention-input',
    placeholder: 'retention.ms', 'aria-label': 'new retention.ms' })
  const retentionHint = h('span', { class: 'muted' }, '')
  retentionInput.addEventListener('input', () => {
    const v = retentionInput.value.trim()
    retentionHint.textContent = /^-?\d+$/.test(v) ? `= ${fmt.durationMs(Number(v))}` : ''
  })
  const retentionResult = h('div', { testid: 'retention-result' })
  const currentRetention = () => topic?.effective_configs?.['retention.ms'] ?? topic?.configs?.['retention.ms'] ?? null
  const alterRetention = async value => {
    const from = currentRetention()
    const ok = await confirmDialog({
      title: 'Change retention',
      body: value === null
        ? h('p', {}, 'Remove the retention.ms override of ', h('code', {}, name), ' (back to the broker default)?')
        : h('p', {}, 'Set retention.ms of ', h('code', {}, name),
            ` from ${from === null ? 'the broker default' : configValue('retention.ms', from)} to `,
            h('strong', {}, configValue('retention.ms', value)), '? Segments older than this are deleted.'),
      confirmLabel: 'Change retention',
    })
    if (!ok) return
    try {
      await api.alterTopicConfigs(name, { 'retention.ms': value }, ctx.signal)
      replace(retentionResult, message('ok', value === null ? 'retention.ms override removed' : `retention.ms set to ${value}`))
      retentionInput.value = ''
      retentionHint.textContent = ''
      loop.refresh()
    } catch (e) {
      if (!ctx.signal.aborted) replace(retentionResult, message('error', `could not change retention: ${e.message}`))
    }
  }
  const retentionForm = h('form', { class: 'form-row' },
    h('label', { class: 'field' }, h('span', {}, 'New retention.ms (-1: forever)'), retentionInput),
    retentionHint,
    h('button', { type: 'submit', class: 'btn btn-primary', testid: 'retention-apply' }, 'Apply\u2026'),
    h('button', { type: 'button', class: 'btn', testid: 'retention-reset', on: { click: () => alterRetention(null) } },
      'Use broker default\u2026'))
  retentionForm.addEventListener('submit', e => {
    e.preventDefault()
    const v = retentionInput.value.trim()
    if (!/^-?\d+$/.test(v)) {
      replace(retentionResult, message('error', 'retention.ms is a whole number of milliseconds (-1: forever)'))
      return
    }
    alterRetention(v)
  })

  // Delete: type the name to confirm.
  const deleteResult = h('div', { testid: 'delete-result' })
  const deleteButton = h('button', { class: 'btn btn-danger', testid: 'delete-topic', on: { click: async () => {
    const ok = await confirmDialog({
      title: `Delete topic ${name}`,
      body: h('p', {}, 'Every partition and every record of ', h('code', {}, name), ' is deleted. This cannot be undone.'),
      confirmLabel: 'Delete topic',
      danger: true,
      typeToConfirm: name,
    })
    if (!ok) return
    try {
      await api.deleteTopic(name, ctx.signal)
      ctx.go('#/topics')
    } catch (e) {
      if (!ctx.signal.aborted) replace(deleteResult, message('error', `could not delete ${name}: ${e.message}`))
    }
  } } }, 'Delete topic\u2026')

  const browser = recordBrowser(ctx, name)

  root.append(
    h('div', { class: 'crumbs' }, h('a', { href: '#/topics' }, 'Topics'), ' / '),
    h('div', { class: 'page-head' }, h('h1', { testid: 'topic-name' }, name)),
    errorBox,
    summary,
    section('Partitions', h('div', { class: 'toolbar' }, partitionsPager.el), partitionsBox),
    section('Configuration', configsBox, allConfigs, h('h3', {}, 'Retention'), retentionForm, retentionResult),
    section('Records', browser.el),
    h('section', { class: 'panel danger-zone' }, h('h2', {}, 'Delete'), deleteButton, deleteResult)
  )

  const render = () => {
    const parts = Array.isArray(topic.partitions) ? topic.partitions : []
    const total = parts.reduce((a, p) => a + (partitionRecords(p) ?? 0), 0)
    replace(summary,
      tile('Partitions', fmt.num(parts.length), 'topic-partitions'),
      tile('Records', fmt.num(topic.records ?? total), 'topic-records'),
      tile('Size', fmt.bytes(topic.size_bytes), 'topic-size'),
      tile('Produce rate', fmt.rate(topic.produce_records_per_second, ' rec/s'), 'topic-rate'),
      tile('Retention', fmt.durationMs(currentRetention()), 'topic-retention'))
    replace(partitionsBox, table({
      testid: 'partitions-table',
      columns: cols('Partition#', 'Start offset#', 'End offset#', 'Records#', 'Size#', 'Segments#'),
      rows: partitionsPager.slice(parts).map(p => h('tr', { testid: 'partition-row', dataset: { partition: String(p.partition) } },
        h('td', { class: 'num' }, String(p.partition)),
        h('td', { class: 'num', dataset: { col: 'start' } }, fmt.num(p.log_start_offset)),
        h('td', { class: 'num', dataset: { col: 'end' } }, fmt.num(p.high_watermark)),
        h('td', { class: 'num', dataset: { col: 'records' } }, fmt.num(partitionRecords(p))),
        h('td', { class: 'num', dataset: { col: 'size' } }, fmt.bytes(p.size_bytes)),
        h('td', { class: 'num', dataset: { col: 'segments' } }, fmt.num(p.segments)))),
    }))
    const overrides = topic.configs || {}
    const effective = topic.effective_configs || overrides
    const configRow = (k, testid) => h('tr', { testid, dataset: { key: k } },
      h('td', {}, h('code', {}, k)),
      h('td', { dataset: { col: 'value' } }, configValue(k, effective[k])),
      h('td', {}, k in overrides ? h('span', { class: 'badge' }, 'topic override') : h('span', { class: 'muted' }, 'broker default')))
    const columns = cols('Key', 'Value', 'Source')
    const main = [...Object.keys(overrides).sort(), ...MAIN_KEYS.filter(k => k in effective && !(k in overrides))]
    replace(configsBox, table({ testid: 'configs-table', columns, rows: main.map(k => configRow(k, 'config-row')),
      emptyText: 'no overrides: every key has the broker default' }))
    const all = Object.keys(effective).sort()
    allConfigs.hidden = !topic.effective_configs
    allConfigs.firstChild.textContent = `All configs (${all.length})`
    replace(allConfigsBox, table({ testid: 'all-configs-table', columns, rows: all.map(k => configRow(k, 'all-config-row')) }))
    browser.partitionsChanged(parts)
  }

  const loop = ctx.poll(async signal => {
    try {
      topic = await api.topic(name, signal)
      replace(errorBox)
      render()
    } catch (e) {
      if (signal.aborted) return
      const text = e.status === 404 ? `topic ${name} does not exist (deleted?)` : e.message
      replace(errorBox, message('error', text))
    }
  }, 3000)

  return () => browser.close()
}
