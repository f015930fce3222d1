// pages/group.js: one consumer group: state, members (assignment, last fetch), per-partition offsets with lag
// and the broker's stall diagnosis (GET /v1/groups/{id}, every 3 s), total lag over time (history
// group_lag_records for this group, every 2 s with since=), and resetting offsets (POST /v1/groups/{id}/offsets
// after a confirm dialog; the broker refuses with 409 group_not_empty while the group has members).
// Test ids: group-summary, members-table (member-row), offsets-table (offset-row with data-topic,
// data-partition; cells data-col committed|end|lag|lag-seconds|member|stall, the stall cell data-reason),
// chart-lag (data-last = total lag), reset-form, reset-to, reset-offset, reset-time, reset-topic,
// reset-partition, reset-submit, reset-result, group-error; pagers offsets-* and members-* (summary, prev, next).

import { api } from '../api.js'
import { h, replace, table, message, section, tile, cols } from '../dom.js'
import { confirmDialog } from '../dialog.js'
import { HistoryStore, sumByTime, timeRange } from '../history.js'
import { timeChart } from '../chart.js'
import { localPager } from '../listview.js'
import { stateBadge } from './groups.js'
import * as fmt from '../format.js'

export const STALL_NAMES = {
  no_member: 'no member',
  not_fetching: 'member assigned but not fetching',
  not_committing: 'fetching but not committing',
  falling_behind: 'lag growing faster than consumption',
  rebalancing: 'rebalancing repeatedly',
}

function assignmentText(a) {
  if (!Array.isArray(a) || !a.length) return a === null ? 'not decoded' : 'none'
  return a.map(x => `${x.topic} [${(x.partitions || []).join(', ')}]`).join('; ')
}

function stallCell(stall) {
  if (stall === undefined) return h('td', { class: 'muted', dataset: { col: 'stall', reason: '' } }, fmt.DASH)
  if (stall === null) return h('td', { class: 'muted', dataset: { col: 'stall', reason: '' } }, 'ok')
  const name = STALL_NAMES[stall.reason] || stall.reason
  return h('td', { class: 'stall', dataset: { col: 'stall', reason: stall.reason } },
    h('span', { class: 'badge badge-warn' }, name),
    stall.detail ? h('div', { class: 'stall-detail' }, stall.detail) : null)
}

function resetForm(ctx, id, getGroup, onDone) {
  const to = h('select', { testid: 'reset-to', 'aria-label': 'reset to' },
    h('option', { value: 'earliest' }, 'earliest offset'),
    h('option', { value: 'latest' }, 'latest offset (skip everything)'),
    h('option', { value: 'offset' }, 'an offset'),
    h('option', { value: 'timestamp' }, 'a date and time'))
  const offset = h('input', { type: 'number', min: 0, testid: 'reset-offset', 'aria-label': 'offset', placeholder: 'offset',
    hidden: true })
  const time = h('input', { type: 'datetime-local', step: 1, testid: 'reset-time', 'aria-label': 'time', hidden: true })
  const topic = h('select', { testid: 'reset-topic', 'aria-label': 'topic' }, h('option', { value: '' }, 'all topics'))
  const partition = h('input', { type: 'number', min: 0, testid: 'reset-partition', 'aria-label': 'partition',
    placeholder: 'all', disabled: true })
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'reset-submit' }, 'Reset offsets\u2026')
  const result = h('div', { testid: 'reset-result' })
  to.addEventListener('change', () => {
    offset.hidden = to.value !== 'offset'
    time.hidden = to.value !== 'timestamp'
  })
  topic.addEventListener('change', () => {
    partition.disabled = topic.value === ''
    if (partition.disabled) partition.value = ''
  })

  const form = h('form', { class: 'form-row', testid: 'reset-form' },
    h('label', { class: 'field' }, h('span', {}, 'To'), to), offset, time,
    h('label', { class: 'field' }, h('span', {}, 'Topic'), topic),
    h('label', { class: 'field narrow' }, h('span', {}, 'Partition'), partition),
    submit)
  form.addEventListener('submit', async e => {
    e.preventDefault()
    const spec = {}
    let target
    if (to.value === 'offset') {
      if (offset.value === '' || Number(offset.value) < 0) return replace(result, message('error', 'enter the offset'))
      spec.to = String(Math.floor(Number(offset.value)))
      target = `offset ${spec.to}`
    } else if (to.value === 'timestamp') {
      const ms = new Date(time.value).getTime()
      if (!Number.isFinite(ms)) return replace(result, message('error', 'pick a date and time'))
      spec.to = `@${ms}`
      target = `the first record at or after ${fmt.time(ms)}`
    } else {
      spec.to = to.value
      target = `the ${to.value} offset`
    }
    if (topic.value) spec.topic = topic.value
    if (topic.value && partition.value !== '') spec.partition = Number(partition.value)
    const scope = !spec.topic
      ? 'every partition it has offsets for'
      : spec.partition === undefined ? `every partition of ${spec.topic}` : `${spec.topic} partition ${spec.partition}`
    const members = getGroup()?.members?.length || 0
    const ok = await confirmDialog({
      title: 'Reset offsets',
      body: h('div', {},
        h('p', {}, 'Set the committed offsets of group ', h('code', {}, id), ` on ${scope} to ${target}?`),
        members
          ? h('p', { class: 'warn-text' }, `The group has ${members} member(s): the broker refuses until they have stopped.`)
          : null),
      confirmLabel: 'Reset offsets',
    })
    if (!ok) return
    submit.disabled = true
    try {
      const r = await api.resetOffsets(id, spec, ctx.signal)
      const rows = (r?.offsets || []).map(o => h('tr', {},
        h('td', {}, o.topic), h('td', { class: 'num' }, String(o.partition)), h('td', { class: 'num' }, fmt.num(o.offset))))
      replace(result, message('ok', `offsets reset (${rows.length} partition(s))`),
        table({ columns: cols('Topic', 'Partition#', 'New offset#'), rows }))
      onDone()
    } catch (err) {
      if (!ctx.signal.aborted) {
        const text = err.code === 'group_not_empty' ? `refused: ${err.message}` : `could not reset offsets: ${err.message}`
        replace(result, message('error', text))
      }
    } finally {
      submit.disabled = false
    }
  })
  return {
    el: h('div', {}, form, result),
    topicsChanged(names) {
      const have = [...topic.options].slice(1).map(o => o.value)
      if (have.join('\n') === names.join('\n')) return
      const keep = topic.value
      replace(topic, h('option', { value: '' }, 'all topics'), names.map(n => h('option', { value: n }, n)))
      topic.value = names.includes(keep) ? keep : ''
      partition.disabled = topic.value === ''
    },
  }
}

export default function mount(root, ctx, id) {
  const errorBox = h('div', { testid: 'group-error' })
  const summary = h('div', { class: 'tiles', testid: 'group-summary' })
  const membersBox = h('div', { class: 'table-wrap' }, h('div', { class: 'loading' }, 'loading...'))
  const offsetsBox = h('div', { class: 'table-wrap' })
  const chartBox = h('div', { class: 'chart-panel' })
  let group = null
  const reset = resetForm(ctx, id, () => group, () => loop.refresh())
  // a group may read thousands of partitions: 100 rows a page (members likewise)
  const offsetsPager = localPager('offsets', 100, () => group && render())
  const membersPager = localPager('members', 100, () => group && render())

  root.append(
    h('div', { class: 'crumbs' }, h('a', { href: '#/groups' }, 'Consumer groups'), ' / '),
    h('div', { class: 'page-head' }, h('h1', { testid: 'group-id' }, id)),
    errorBox, summary,
    section('Partitions', h('div', { class: 'toolbar' }, offsetsPager.el), offsetsBox),
    section('Total lag, last 15 minutes', chartBox),
    section('Members', h('div', { class: 'toolbar' }, membersPager.el), membersBox),
    section('Reset offsets', h('p', { class: 'muted' }, 'Only for a group with no members: stop its consumers first.'), reset.el))

  const chart = timeChart(chartBox, { id: 'lag', series: [{ label: 'total lag (records)' }], format: fmt.compact })

  const render = () => {
    const members = group.members || []
    replace(summary,
      tile('State', stateBadge(group.state), 'group-state'),
      tile('Members', fmt.num(members.length), 'group-members'),
      tile('Total lag', fmt.num(group.total_lag), 'group-total-lag'),
      tile('Generation', fmt.num(group.generation), 'group-generation'),
      tile(group.protocol_type ? `Assignor (${group.protocol_type})` : 'Assignor', group.protocol || fmt.DASH, 'group-protocol'),
      tile('Rebalances (10 min)', fmt.num(group.rebalances_recent), 'group-rebalances'))
    const byId = new Map(members.map(m => [m.member_id, m]))
    // who holds a partition: the broker says (member_id) or, from an older broker, the members' assignments
    const holder = new Map()
    for (const m of members) {
      for (const a of m.assignment || []) for (const p of a.partitions || []) holder.set(`${a.topic}\u0000${p}`, m.member_id)
    }
    replace(membersBox, table({
      testid: 'members-table',
      columns: cols('Member', 'Client', 'Host', 'Instance', 'Assignment', 'Last fetch'),
      rows: membersPager.slice(members).map(m => h('tr', { testid: 'member-row', dataset: { member: m.member_id } },
        h('td', { class: 'mono small' }, m.member_id,
          m.member_id === group.leader ? [' ', h('span', { class: 'badge' }, 'leader')] : null),
        h('td', {}, m.client_id || fmt.DASH),
        h('td', {}, m.host || fmt.DASH),
        h('td', {}, m.group_instance_id || fmt.DASH),
        h('td', {}, assignmentText(m.assignment)),
        h('td', { title: fmt.time(m.last_fetch_ms) }, m.last_fetch_ms ? fmt.ago(m.last_fetch_ms) : fmt.DASH))),
      emptyText: 'no members (no consumer is running in this group)',
    }))
    const offsets = [...(group.offsets || [])].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    replace(offsetsBox, table({
      testid: 'offsets-table',
      columns: cols('Topic', 'Partition#', 'Committed#', 'End offset#', 'Lag (records)#', 'Lag (time)#', 'Assigned to', 'Diagnosis'),
      rows: offsetsPager.slice(offsets).map(o => {
        const memberId = o.member_id !== undefined ? o.member_id : holder.get(`${o.topic}\u0000${o.partition}`) || null
        const m = memberId ? byId.get(memberId) : null
        return h('tr', { testid: 'offset-row', dataset: { topic: o.topic, partition: String(o.partition) } },
          h('td', {}, h('a', { href: `#/topics/${encodeURIComponent(o.topic)}` }, o.topic)),
          h('td', { class: 'num' }, String(o.partition)),
          h('td', { class: 'num', dataset: { col: 'committed' } }, fmt.num(o.committed_offset)),
          h('td', { class: 'num', dataset: { col: 'end' } }, fmt.num(o.high_watermark)),
          h('td', { class: 'num', dataset: { col: 'lag', value: String(o.lag_records ?? '') } }, fmt.num(o.lag_records)),
          h('td', { class: 'num', dataset: { col: 'lag-seconds' } }, fmt.seconds(o.lag_seconds)),
          h('td', { dataset: { col: 'member', member: memberId || '' }, title: memberId || '' },
            memberId ? m?.client_id || memberId : fmt.DASH),
          stallCell(o.stall))
      }),
      emptyText: 'no committed offsets',
    }))
    const topics = new Set(offsets.map(o => o.topic))
    for (const m of members) for (const a of m.assignment || []) topics.add(a.topic)
    reset.topicsChanged([...topics].sort())
  }

  const loop = ctx.poll(async signal => {
    try {
      group = await api.group(id, signal)
      replace(errorBox)
      render()
    } catch (e) {
      if (signal.aborted) return
      replace(errorBox, message('error', e.status === 404 ? `group ${id} does not exist` : e.message))
    }
  }, 3000)

  const history = new HistoryStore(['group_lag_records'], { filters: { group: id } })
  let loaded = false
  ctx.poll(async signal => {
    try {
      if (loaded) await history.poll(signal)
      else {
        await history.load(signal)
        loaded = true
      }
    } catch (e) {
      if (!signal.aborted) replace(errorBox, message('error', `lag history: ${e.message}`))
      return
    }
    chart.update([sumByTime(history.series('group_lag_records'))], timeRange(history))
  }, 2000)

  return () => chart.destroy()
}
