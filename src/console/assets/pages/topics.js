// pages/topics.js: every topic, 50 to a page with a filter (GET /v1/topics?offset&limit&filter, total from
// X-Total-Count), refreshed every 3 s; and the "Create topic" form (POST /v1/topics), which opens the new
// topic's page when it succeeds. Rows: data-testid="topic-row", data-topic=<name>; cells carry data-col.

import { api } from '../api.js'
import { h, replace, message, cols } from '../dom.js'
import { listView } from '../listview.js'
import * as fmt from '../format.js'

const state = { offset: 0, filter: '' } // kept while the console is open

const COLUMNS = cols('Topic', 'Partitions#', 'Records#', 'Size#', 'Segments#', 'Retention', 'Produce rate#')

function retention(t) {
  const time = fmt.durationMs(t.retention_ms)
  return t.retention_bytes !== undefined && t.retention_bytes !== null && t.retention_bytes >= 0
    ? `${time} / ${fmt.bytes(t.retention_bytes)}`
    : time
}

function row(t) {
  const cell = (col, text, cls) => h('td', { class: cls, dataset: { col } }, text)
  return h(
    'tr',
    { testid: 'topic-row', dataset: { topic: t.name } },
    h('td', { dataset: { col: 'name' } }, h('a', { href: `#/topics/${encodeURIComponent(t.name)}` }, t.name)),
    cell('partitions', fmt.num(t.partitions), 'num'),
    cell('records', fmt.num(t.records), 'num'),
    cell('size', fmt.bytes(t.size_bytes), 'num'),
    cell('segments', fmt.num(t.segments), 'num'),
    cell('retention', retention(t)),
    cell('rate', fmt.rate(t.produce_records_per_second, ' rec/s'), 'num')
  )
}

function createForm(ctx) {
  const result = h('div', { testid: 'create-topic-result' })
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 249, pattern: '[a-zA-Z0-9._\\-]+',
    testid: 'create-topic-name', autocomplete: 'off', spellcheck: 'false' })
  const partitions = h('input', { type: 'number', name: 'partitions', min: 1, max: 10000, value: '1', required: true,
    testid: 'create-topic-partitions' })
  const retentionMs = h('input', { type: 'text', name: 'retention', inputmode: 'numeric', pattern: '-?[0-9]+',
    placeholder: 'broker default', testid: 'create-topic-retention' })
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'create-topic-submit' }, 'Create')
  const form = h(
    'form',
    { class: 'form-row', testid: 'create-topic-form' },
    h('label', { class: 'field' }, h('span', {}, 'Name'), name),
    h('label', { class: 'field narrow' }, h('span', {}, 'Partitions'), partitions),
    h('label', { class: 'field' }, h('span', {}, 'retention.ms (-1: forever)'), retentionMs),
    submit
  )
  form.addEventListener('submit', async e => {
    e.preventDefault()
    const spec = { name: name.value.trim(), partitions: Number(partitions.value) }
    if (retentionMs.value.trim()) spec.configs = { 'retention.ms': retentionMs.value.trim() }
    submit.disabled = true
    replace(result, message('info', `creating ${spec.name}...`))
    try {
      const created = await api.createTopic(spec, ctx.signal)
      ctx.go(`#/topics/${encodeURIComponent(created?.name || spec.name)}`)
    } catch (err) {
      if (!ctx.signal.aborted) replace(result, message('error', `could not create ${spec.name}: ${err.message}`))
    } finally {
      submit.disabled = false
    }
  })
  return h('section', { class: 'panel', hidden: true, testid: 'create-topic-panel' },
    h('h2', {}, 'Create topic'), form, result)
}

export default function mount(root, ctx) {
  const create = createForm(ctx)
  const toggle = h('button', { class: 'btn btn-primary', testid: 'create-topic-open' }, 'Create topic')
  toggle.addEventListener('click', () => {
    create.hidden = !create.hidden
    if (!create.hidden) create.querySelector('input').focus()
  })
  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Topics'), toggle),
    create,
    h('section', { class: 'panel' }, listView(ctx, {
      testid: 'topics-table',
      fetchPage: api.topicsPage,
      columns: COLUMNS,
      row,
      state,
      noun: 'topics',
      filterPlaceholder: 'filter topics by name',
    }))
  )
}
