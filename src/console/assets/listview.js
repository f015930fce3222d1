// listview.js: a paginated, filterable, auto-refreshing table (topics, groups).
//
// listView(ctx, {testid, fetchPage, columns, row, state, pageSize, intervalMs, noun, filterPlaceholder})
// - fetchPage({offset, limit, filter, signal}) -> {rows, total} (api.topicsPage / api.groupsPage).
// - row(item) -> <tr>; columns: [{label, cls}] for the header.
// - state: {offset, filter}, owned by the page module so it survives leaving and coming back.
// - Polls every intervalMs through ctx.poll (one request at a time, paused while hidden); typing in the filter
//   or paging asks again at once. An answer for a filter or page that is no longer shown is dropped.
// - Test ids: <testid> (the table), <testid>-filter, <testid>-summary ("1-50 of 1,000"), <testid>-prev,
//   <testid>-next, <testid>-error.

import { h, replace, table, message } from './dom.js'
import { num } from './format.js'

export function listView(ctx, opts) {
  const { testid, fetchPage, columns, row, state, pageSize = 50, intervalMs = 3000, noun = 'items' } = opts
  const tableBox = h('div', { class: 'table-wrap' }, h('div', { class: 'loading' }, 'loading...'))
  const errorBox = h('div', { testid: `${testid}-error` })
  const summary = h('span', { class: 'pager-summary', testid: `${testid}-summary` }, '')
  const prev = h('button', { class: 'btn', testid: `${testid}-prev`, disabled: true }, '\u2190 Previous')
  const next = h('button', { class: 'btn', testid: `${testid}-next`, disabled: true }, 'Next \u2192')
  let timer = null
  const filter = h('input', {
    type: 'search',
    class: 'filter',
    placeholder: opts.filterPlaceholder || 'filter',
    value: state.filter,
    testid: `${testid}-filter`,
    'aria-label': `filter ${noun}`,
    on: {
      input: e => {
        // the state changes at once (it outlives the page); the request waits for a pause in typing
        state.filter = e.target.value.trim()
        state.offset = 0
        clearTimeout(timer)
        timer = setTimeout(() => loop.refresh(), 250)
      },
    },
  })
  ctx.signal.addEventListener('abort', () => clearTimeout(timer))

  let total = 0
  prev.addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - pageSize)
    loop.refresh()
  })
  next.addEventListener('click', () => {
    if (state.offset + pageSize < total) state.offset += pageSize
    loop.refresh()
  })

  const loop = ctx.poll(async signal => {
    const asked = { offset: state.offset, filter: state.filter }
    let page
    try {
      page = await fetchPage({ offset: asked.offset, limit: pageSize, filter: asked.filter, signal })
    } catch (e) {
      if (!signal.aborted) replace(errorBox, message('error', `could not refresh: ${e.message}`))
      return
    }
    if (asked.offset !== state.offset || asked.filter !== state.filter) return // stale: a refresh follows
    replace(errorBox)
    total = page.total
    if (state.offset > 0 && state.offset >= total) {
      state.offset = Math.max(0, Math.floor((total - 1) / pageSize) * pageSize)
      loop.refresh()
      return
    }
    const first = total ? state.offset + 1 : 0
    const last = state.offset + page.rows.length
    summary.textContent = `${num(first)}\u2013${num(last)} of ${num(total)} ${noun}`
    summary.dataset.total = String(total)
    summary.dataset.shown = String(page.rows.length)
    prev.disabled = state.offset === 0
    next.disabled = state.offset + pageSize >= total
    replace(
      tableBox,
      table({
        testid,
        columns,
        rows: page.rows.map(row),
        emptyText: state.filter ? `no ${noun} match "${state.filter}"` : `no ${noun} yet`,
      })
    )
  }, intervalMs)

  return h(
    'div',
    { class: 'listview' },
    h('div', { class: 'toolbar' }, filter, h('div', { class: 'pager' }, summary, prev, next)),
    errorBox,
    tableBox
  )
}

/// Paging for a table the page holds whole (a group's partitions or members): {el, slice(rows)}.
/// slice(rows) returns the rows of the current page and updates the summary; the pager hides itself when
/// everything fits on one page. onChange() is called after Previous/Next (the page re-renders).
export function localPager(testid, pageSize, onChange) {
  let offset = 0
  let total = 0
  const summary = h('span', { class: 'pager-summary', testid: `${testid}-summary` })
  const prev = h('button', { class: 'btn', testid: `${testid}-prev` }, '\u2190 Previous')
  const next = h('button', { class: 'btn', testid: `${testid}-next` }, 'Next \u2192')
  prev.addEventListener('click', () => {
    offset = Math.max(0, offset - pageSize)
    onChange()
  })
  next.addEventListener('click', () => {
    if (offset + pageSize < total) offset += pageSize
    onChange()
  })
  const el = h('div', { class: 'pager', hidden: true }, summary, prev, next)
  return {
    el,
    slice(rows) {
      total = rows.length
      if (offset >= total) offset = Math.max(0, Math.floor((total - 1) / pageSize) * pageSize)
      el.hidden = total <= pageSize
      summary.textContent = `${num(offset + 1)}\u2013${num(Math.min(total, offset + pageSize))} of ${num(total)}`
      prev.disabled = offset === 0
      next.disabled = offset + pageSize >= total
      return rows.slice(offset, offset + pageSize)
    },
  }
}
