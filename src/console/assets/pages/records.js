// pages/records.js: the record browser and live tail of one topic (used by pages/topic.js).
//
// recordBrowser(ctx, topic) -> {el, partitionsChanged(partitions), close()}
// - Browse: a partition, a start (earliest, newest page, an offset, or a local date and time), 50 records a
//   page from GET .../partitions/{p}/records?from=...&encoding=base64 (from= is clamped into the log, so no 416),
//   with Previous/Next pages. Keys, values and header values show as text when valid UTF-8 (JSON objects and
//   arrays pretty-printed), else hex (format.recordBytes).
// - Live tail: an EventSource on GET .../events?from=latest (all partitions), newest first, at most 200 rows
//   kept, drawn in batches every 250 ms; closed when switched off or when the page is left (close(), or
//   ctx.signal).
// Test ids: rb-partition, rb-mode, rb-offset, rb-time, rb-read, rb-prev, rb-next, rb-status, records-table
// (rows record-row with data-offset, data-partition; cells data-col key|value|headers, each value <pre> with
// data-kind text|json|hex|null), rb-tail (checkbox), tail-status, tail-table.

import { api } from '../api.js'
import { h, replace, table, message, cols } from '../dom.js'
import * as fmt from '../format.js'

const PAGE = 50
const TAIL_MAX_ROWS = 200

function bytesCell(b64, col) {
  const r = fmt.recordBytes(b64)
  return h('td', { class: 'rec', dataset: { col } },
    h('div', { class: 'rec-line' },
      h('pre', { class: `val val-${r.kind}`, dataset: { kind: r.kind } }, r.text),
      r.kind === 'json' || r.kind === 'hex' ? h('span', { class: 'badge' }, r.kind) : null),
    r.truncated ? h('div', { class: 'muted small' }, `\u2026 cut: ${fmt.num(r.size)} bytes in all`) : null)
}

function headersCell(headers) {
  const list = Array.isArray(headers) ? headers : Object.entries(headers || {})
  if (!list.length) return h('td', { class: 'rec muted', dataset: { col: 'headers' } }, fmt.DASH)
  return h('td', { class: 'rec', dataset: { col: 'headers' } },
    list.map(([k, v]) => {
      const r = fmt.recordBytes(v)
      return h('div', { class: 'header-kv' }, h('code', {}, k), ': ', h('span', { dataset: { kind: r.kind } }, r.text))
    }))
}

function recordRow(r, withPartition) {
  return h('tr', { testid: 'record-row', dataset: { offset: String(r.offset), partition: String(r.partition) } },
    withPartition ? h('td', { class: 'num' }, String(r.partition)) : null,
    h('td', { class: 'num' }, String(r.offset)),
    h('td', { class: 'nowrap', title: String(r.timestamp) }, fmt.time(r.timestamp)),
    bytesCell(r.key, 'key'),
    bytesCell(r.value, 'value'),
    headersCell(r.headers))
}

const COLUMNS = cols('Offset#', 'Timestamp', 'Key', 'Value', 'Headers')

export function recordBrowser(ctx, topic) {
  const partition = h('select', { testid: 'rb-partition', 'aria-label': 'partition' })
  const mode = h('select', { testid: 'rb-mode', 'aria-label': 'start at' },
    h('option', { value: 'earliest' }, 'earliest'),
    h('option', { value: 'newest' }, 'newest page'),
    h('option', { value: 'offset' }, 'offset'),
    h('option', { value: 'time' }, 'date and time'))
  const offset = h('input', { type: 'number', min: 0, testid: 'rb-offset', 'aria-label': 'offset', placeholder: 'offset',
    hidden: true })
  const timeInput = h('input', { type: 'datetime-local', step: 1, testid: 'rb-time', 'aria-label': 'time', hidden: true })
  const read = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'rb-read' }, 'Read')
  const prev = h('button', { type: 'button', class: 'btn', testid: 'rb-prev', disabled: true }, '\u2190 Previous')
  const next = h('button', { type: 'button', class: 'btn', testid: 'rb-next', disabled: true }, 'Next \u2192')
  const status = h('span', { class: 'muted', testid: 'rb-status' }, '')
  const errorBox = h('div', { testid: 'rb-error' })
  const tableBox = h('div', { class: 'table-wrap' })
  const tail = h('input', { type: 'checkbox', testid: 'rb-tail' })
  const tailStatus = h('span', { class: 'muted', testid: 'tail-status' }, '')
  const tailBody = h('tbody', {})
  const tailTable = h('table', { class: 'data', testid: 'tail-table' },
    h('thead', {}, h('tr', {}, [...cols('Partition#'), ...COLUMNS].map(c => h('th', { class: c.cls }, c.label)))),
    tailBody)
  const browsePane = h('div', {},
    h('div', { class: 'toolbar' }, status, h('div', { class: 'pager' }, prev, next)), errorBox, tableBox)
  const tailPane = h('div', { hidden: true },
    h('div', { class: 'toolbar' }, tailStatus), h('div', { class: 'table-wrap' }, tailTable))

  mode.addEventListener('change', () => {
    offset.hidden = mode.value !== 'offset'
    timeInput.hidden = mode.value !== 'time'
  })

  let page = null // last answer: {records, next_offset, high_watermark, log_start_offset}
  let seq = 0
  let es = null

  const show = async from => {
    const p = Number(partition.value)
    if (!Number.isInteger(p)) return
    const mine = ++seq
    read.disabled = true
    try {
      const doc = await api.records(topic, p, { from, maxRecords: PAGE, signal: ctx.signal })
      if (mine !== seq) return
      page = doc
      const recs = doc.records || []
      replace(errorBox)
      replace(tableBox, table({ testid: 'records-table', columns: COLUMNS, rows: recs.map(r => recordRow(r, false)),
        emptyText: `no records at this position (partition ${p} ends at offset ${fmt.num(doc.high_watermark)})` }))
      const span = (a, b) => `${fmt.num(a)}\u2013${fmt.num(b)}`
      status.textContent = recs.length
        ? `partition ${p}: offsets ${span(recs[0].offset, recs[recs.length - 1].offset)} of ` +
          span(doc.log_start_offset, doc.high_watermark - 1)
        : `partition ${p}: no records from here (end offset ${fmt.num(doc.high_watermark)})`
      prev.disabled = !recs.length || recs[0].offset <= doc.log_start_offset
      next.disabled = doc.next_offset >= doc.high_watermark
    } catch (e) {
      if (!ctx.signal.aborted && mine === seq) replace(errorBox, message('error', `could not read records: ${e.message}`))
    } finally {
      if (mine === seq) read.disabled = false
    }
  }

  const startFrom = async () => {
    if (mode.value === 'earliest') return 'earliest'
    if (mode.value === 'offset') return offset.value === '' ? 'earliest' : String(Math.max(0, Math.floor(Number(offset.value))))
    if (mode.value === 'time') {
      const ms = new Date(timeInput.value).getTime()
      if (!Number.isFinite(ms)) throw new Error('pick a date and time')
      return `@${ms}`
    }
    // newest page: the partition's end offset minus a page, from the broker's current answer
    const end = await api.records(topic, Number(partition.value), { from: 'latest', maxRecords: 1, signal: ctx.signal })
    return String(Math.max(end.log_start_offset, end.high_watermark - PAGE))
  }

  const form = h('form', { class: 'form-row' },
    h('label', { class: 'field narrow' }, h('span', {}, 'Partition'), partition),
    h('label', { class: 'field' }, h('span', {}, 'Start at'), mode),
    offset, timeInput, read,
    h('label', { class: 'toggle' }, tail, ' Live tail (all partitions)'))
  form.addEventListener('submit', async e => {
    e.preventDefault()
    try {
      await show(await startFrom())
    } catch (err) {
      if (!ctx.signal.aborted) replace(errorBox, message('error', err.message))
    }
  })
  prev.addEventListener('click', () => {
    const first = page?.records?.[0]?.offset
    if (first !== undefined) show(String(Math.max(page.log_start_offset, first - PAGE)))
  })
  next.addEventListener('click', () => page && show(String(page.next_offset)))

  // Records arriving faster than the page repaints are batched: at most TAIL_MAX_ROWS wait, drawn every 250 ms.
  let pending = []
  let flushTimer = null
  let received = 0
  const flush = () => {
    flushTimer = null
    const rows = pending.map(r => recordRow(r, true)).reverse()
    pending = []
    tailBody.prepend(...rows)
    while (tailBody.childElementCount > TAIL_MAX_ROWS) tailBody.lastElementChild.remove()
    tailStatus.textContent = `live: ${fmt.num(received)} received, newest first (the last ${TAIL_MAX_ROWS} kept)`
    tailStatus.dataset.received = String(received)
  }
  const stopTail = () => {
    if (es) es.close()
    es = null
    clearTimeout(flushTimer)
    flushTimer = null
    pending = []
  }
  const startTail = () => {
    stopTail()
    tailBody.replaceChildren()
    received = 0
    tailStatus.textContent = 'connecting...'
    es = new EventSource(api.eventsUrl(topic))
    es.addEventListener('open', () => (tailStatus.textContent = `live: waiting for new records (${received} received)`))
    es.addEventListener('record', ev => {
      let r
      try {
        r = JSON.parse(ev.data)
      } catch {
        return
      }
      received++
      pending.push(r)
      if (pending.length > TAIL_MAX_ROWS) pending.shift()
      if (!flushTimer) flushTimer = setTimeout(flush, 250)
    })
    es.addEventListener('error', () => {
      if (!es) return
      tailStatus.textContent =
        es.readyState === EventSource.CLOSED ? 'stream closed by the broker' : 'stream interrupted: reconnecting...'
    })
  }
  tail.addEventListener('change', () => {
    tailPane.hidden = !tail.checked
    browsePane.hidden = tail.checked
    if (tail.checked) startTail()
    else stopTail()
  })
  ctx.signal.addEventListener('abort', stopTail)

  let started = false
  return {
    el: h('div', { class: 'record-browser' }, form, browsePane, tailPane),
    partitionsChanged(parts) {
      if (partition.options.length !== parts.length) {
        const keep = partition.value
        replace(partition, parts.map(p => h('option', { value: String(p.partition) }, String(p.partition))))
        if (keep && parts.some(p => String(p.partition) === keep)) partition.value = keep
      }
      if (!started && parts.length) {
        started = true
        show('earliest')
      }
    },
    close: stopTail,
  }
}
