// app.js: the console's entry point: hash routing, the page lifecycle, the connection indicator and banner.
//
// Routes: #/overview, #/topics, #/topics/<name>, #/groups, #/groups/<id>, #/alerts (names URI-encoded).
// A page module's default export is mount(root, ctx, ...params); it may return a cleanup function.
// ctx: {signal, poll(fn, ms), go(hash)}. signal aborts when the page is left: every request and poll loop of the
// page is tied to it, so leaving a page stops its traffic (and closes its EventSource, see records.js).
// The indicator (data-testid conn-status) has data-state unknown | up | down (no answer) | error (a 5xx answer);
// the banner (conn-banner) shows while it is not up.

import { onConnection, api, isAbort } from './api.js'
import { pollLoop } from './poll.js'
import { h, replace } from './dom.js'
import overview from './pages/overview.js'
import topics from './pages/topics.js'
import topic from './pages/topic.js'
import groups from './pages/groups.js'
import group from './pages/group.js'
import alerts from './pages/alerts.js'

const routes = [
  { re: /^\/overview$/, page: overview, nav: 'overview', title: 'Overview' },
  { re: /^\/topics$/, page: topics, nav: 'topics', title: 'Topics' },
  { re: /^\/topics\/(.+)$/, page: topic, nav: 'topics', title: 'Topic' },
  { re: /^\/groups$/, page: groups, nav: 'groups', title: 'Consumer groups' },
  { re: /^\/groups\/(.+)$/, page: group, nav: 'groups', title: 'Group' },
  { re: /^\/alerts$/, page: alerts, nav: 'alerts', title: 'Alerts' },
]

const view = document.getElementById('view')
let current = null // {controller, cleanup}

function go(hash) {
  if (location.hash === hash) route()
  else location.hash = hash
}

function route() {
  const path = location.hash.replace(/^#/, '') || '/overview'
  if (path === '/' || path === '') return go('#/overview')
  if (current) {
    current.controller.abort()
    try {
      current.cleanup?.()
    } catch (e) {
      reportError(e)
    }
    current = null
  }
  const match = routes.map(r => ({ r, m: path.match(r.re) })).find(x => x.m)
  for (const a of document.querySelectorAll('nav.main a')) {
    if (match && a.dataset.nav === match.r.nav) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  const controller = new AbortController()
  const root = h('div', { class: 'page' })
  replace(view, root)
  window.scrollTo(0, 0)
  if (!match) {
    document.title = 'Not found - streamdown'
    root.append(h('h1', {}, 'Not found'), h('p', {}, 'No page at ', h('code', {}, path), '.'))
    current = { controller }
    return
  }
  let params
  try {
    params = match.m.slice(1).map(decodeURIComponent)
  } catch {
    params = match.m.slice(1)
  }
  document.title = `${params[0] || match.r.title} - streamdown`
  const ctx = {
    signal: controller.signal,
    poll: (fn, ms) => pollLoop(fn, ms, controller.signal, reportError),
    go,
  }
  let cleanup
  try {
    cleanup = match.r.page(root, ctx, ...params)
  } catch (e) {
    reportError(e)
  }
  current = { controller, cleanup }
}

/// A programming error in a page: shown in the page rather than thrown into the void.
function reportError(e) {
  if (isAbort(e)) return
  const banner = document.getElementById('page-error')
  banner.hidden = false
  banner.textContent = `console error: ${e && e.message ? e.message : e}`
}

// The connection indicator (header) and the banner under it: any failed request turns them red, the next
// answer from the broker clears them.
const status = document.getElementById('conn-status')
const banner = document.getElementById('conn-banner')
onConnection(({ ok, reachable, message }) => {
  status.dataset.state = ok ? 'up' : reachable ? 'error' : 'down'
  status.textContent = ok ? 'connected' : reachable ? 'broker error' : 'unreachable'
  status.title = ok ? 'the broker answered the last request' : message
  banner.hidden = ok
  if (!ok) banner.textContent = `${reachable ? 'The broker answered with an error' : 'Broker unreachable'}: ${message}. Retrying...`
})

// The firing-alert count beside "Alerts" in the nav, and a heartbeat for the indicator on every page.
const alertBadge = document.getElementById('alert-badge')
pollLoop(
  async signal => {
    try {
      const rules = await api.alerts(signal)
      const firing = (Array.isArray(rules) ? rules : []).filter(r => r.state === 'firing').length
      alertBadge.hidden = firing === 0
      alertBadge.textContent = String(firing)
    } catch {
      alertBadge.hidden = true
    }
  },
  5000,
  new AbortController().signal
)

window.addEventListener('hashchange', route)
route()
