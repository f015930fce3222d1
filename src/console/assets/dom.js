// dom.js: building DOM nodes without innerHTML, so broker data (topic names, record bytes) is always text.
//
// h(tag, attrs, ...children): attrs keys
//   class, text, testid (-> data-testid), dataset {k: v}, on {event: handler}, style (string),
//   any other key: set as an attribute (false/null/undefined: left out; true: empty attribute),
//   except value/checked/disabled/selected, which are set as properties.
// children: nodes, strings, numbers, arrays of those; null/undefined/false are skipped.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue
    if (k === 'class') el.className = v
    else if (k === 'text') el.textContent = String(v)
    else if (k === 'testid') el.dataset.testid = v
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn)
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') el[k] = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    if (Array.isArray(c)) append(el, c)
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
}

/// Replaces every child of el.
export function replace(el, ...children) {
  el.replaceChildren()
  append(el, children)
  return el
}

/// A table: columns [{label, cls?}], rows already built as <tr>; empty: one row saying `emptyText`.
export function table({ testid, columns, rows, emptyText = 'nothing here' }) {
  return h(
    'table',
    { class: 'data', testid },
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.cls }, c.label)))),
    h(
      'tbody',
      {},
      rows.length ? rows : h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, emptyText))
    )
  )
}

/// A message line for errors and results: kind "error" | "ok" | "info".
export function message(kind, text, testid) {
  return h('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status', testid }, text)
}

/// A titled section of a page.
export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children)
}

/// A stat tile: a label over a value (text or a node).
export function tile(label, value, testid) {
  return h('div', { class: 'tile', testid }, h('div', { class: 'tile-label' }, label), h('div', { class: 'tile-value' }, value))
}

/// Table columns from labels; a label ending in "#" is a number column (right-aligned): cols('Topic', 'Lag#').
export function cols(...labels) {
  return labels.map(l => (l.endsWith('#') ? { label: l.slice(0, -1), cls: 'num' } : { label: l }))
}
