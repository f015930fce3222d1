// pages/groups.js: every consumer group, 50 to a page with a filter (GET /v1/groups?offset&limit&filter),
// refreshed every 3 s (stalled: partitions with a stall diagnosis, when the broker counts them). Rows:
// data-testid="group-row", data-group=<id>; cells carry data-col.

import { api } from '../api.js'
import { h, cols } from '../dom.js'
import { listView } from '../listview.js'
import * as fmt from '../format.js'

const state = { offset: 0, filter: '' }

export function stateBadge(s) {
  const cls = { Stable: 'ok', Empty: 'idle', Dead: 'bad', PreparingRebalance: 'warn', CompletingRebalance: 'warn' }[s] || 'idle'
  return h('span', { class: `badge badge-${cls}`, dataset: { state: s || '' } }, s || fmt.DASH)
}

function row(g) {
  return h('tr', { testid: 'group-row', dataset: { group: g.id } },
    h('td', { dataset: { col: 'id' } }, h('a', { href: `#/groups/${encodeURIComponent(g.id)}` }, g.id)),
    h('td', { dataset: { col: 'state' } }, stateBadge(g.state)),
    h('td', { dataset: { col: 'protocol' } }, [g.protocol_type, g.protocol].filter(Boolean).join(' / ') || fmt.DASH),
    h('td', { class: 'num', dataset: { col: 'members' } }, fmt.num(g.member_count)),
    h('td', { class: 'num', dataset: { col: 'lag' } }, fmt.num(g.total_lag)),
    h('td', { class: 'num', dataset: { col: 'stalled' } },
      g.stalled > 0 ? h('span', { class: 'badge badge-warn' }, `${fmt.num(g.stalled)} stalled`) : fmt.num(g.stalled)))
}

export default function mount(root, ctx) {
  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Consumer groups')),
    h('section', { class: 'panel' }, listView(ctx, {
      testid: 'groups-table',
      fetchPage: api.groupsPage,
      columns: cols('Group', 'State', 'Protocol', 'Members#', 'Total lag#', 'Stalled partitions#'),
      row,
      state,
      noun: 'groups',
      filterPlaceholder: 'filter groups by id',
    }))
  )
}
