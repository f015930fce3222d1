// api.js: the only module that talks to the broker. Every call goes to a documented /v1 endpoint of the same
// origin (docs/HTTP_API.md), with a timeout, and reports reachability to the connection indicator.
//
// Contracts:
// - request() resolves to {data, headers, status} for a 2xx answer and rejects with an ApiError otherwise:
//   status 0 when the broker could not be reached (network error or timeout), else the HTTP status with the
//   body's `error` and `code` (older routes send only `error`).
// - A request aborted by its caller's signal rejects with an ApiError whose `aborted` is true; callers that are
//   being torn down ignore those (see isAbort()).
// - onConnection(cb) is told {ok: true} after any answer from the broker below 500, {ok: false, reachable:
//   false, message} after a network failure or a timeout and {ok: false, reachable: true, message} after a
//   5xx, so one failed poll shows the banner and the next success clears it.

const DEFAULT_TIMEOUT_MS = 8000

export class ApiError extends Error {
  constructor(message, { status = 0, code = '', body = null, aborted = false } = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.body = body
    this.aborted = aborted
  }
}

export function isAbort(err) {
  return err instanceof ApiError && err.aborted
}

const connectionListeners = new Set()

export function onConnection(cb) {
  connectionListeners.add(cb)
  return () => connectionListeners.delete(cb)
}

function reportConnection(state) {
  for (const cb of connectionListeners) cb(state)
}

/// The readable sentence for a failed answer: 401/403 read "not allowed: ...".
function describeFailure(status, body, fallback) {
  const error = body && typeof body.error === 'string' ? body.error : fallback
  const code = body && typeof body.code === 'string' ? body.code : ''
  if (status === 401 || status === 403) return `not allowed: ${error}`
  if (status === 503) return `broker busy (503): ${error}`
  return code ? `${error} (${code})` : `${error} (HTTP ${status})`
}

/// path: absolute ("/v1/..."); query: object whose null/undefined/'' values are left out.
export function url(path, query) {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

export async function request(method, path, { query, body, signal, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const ctl = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    ctl.abort()
  }, timeoutMs)
  const onAbort = () => ctl.abort()
  if (signal) {
    if (signal.aborted) ctl.abort()
    else signal.addEventListener('abort', onAbort, { once: true })
  }
  const init = { method, signal: ctl.signal, headers: { Accept: 'application/json' }, credentials: 'same-origin' }
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  try {
    let res
    try {
      res = await fetch(url(path, query), init)
    } catch (e) {
      if (signal && signal.aborted && !timedOut) throw new ApiError('aborted', { aborted: true })
      const message = timedOut
        ? `no answer from the broker within ${timeoutMs / 1000} s`
        : `cannot reach the broker (${e && e.message ? e.message : 'network error'})`
      reportConnection({ ok: false, reachable: false, message })
      throw new ApiError(message)
    }
    let text
    try {
      text = await res.text()
    } catch (e) {
      if (signal && signal.aborted && !timedOut) throw new ApiError('aborted', { aborted: true })
      reportConnection({ ok: false, reachable: false, message: 'the broker closed the connection mid-answer' })
      throw new ApiError('the broker closed the connection mid-answer')
    }
    let data = null
    if (text) {
      try {
        data = JSON.parse(text)
      } catch {
        data = null
      }
    }
    if (res.status >= 500) {
      const message = describeFailure(res.status, data, res.statusText || 'server error')
      reportConnection({ ok: false, reachable: true, message })
      throw new ApiError(message, { status: res.status, code: data?.code || '', body: data })
    }
    reportConnection({ ok: true })
    if (!res.ok) {
      throw new ApiError(describeFailure(res.status, data, res.statusText || 'request failed'), {
        status: res.status,
        code: data?.code || '',
        body: data,
      })
    }
    return { data, headers: res.headers, status: res.status }
  } finally {
    clearTimeout(timer)
    if (signal) signal.removeEventListener('abort', onAbort)
  }
}

const enc = encodeURIComponent

/// A page of a list endpoint that takes offset/limit/filter and answers X-Total-Count. A broker without paging
/// (the header absent) answers the whole array: it is filtered and sliced here so the page looks the same.
async function listPage(path, { offset = 0, limit = 50, filter = '', signal, key }) {
  const { data, headers } = await request('GET', path, { query: { offset, limit, filter }, signal })
  const rows = Array.isArray(data) ? data : []
  const total = headers.get('X-Total-Count')
  if (total !== null && total !== '') return { rows, total: Number(total) }
  const f = filter.toLowerCase()
  const matched = f ? rows.filter(r => String(r[key]).toLowerCase().includes(f)) : rows
  return { rows: matched.slice(offset, offset + limit), total: matched.length }
}

export const api = {
  topicsPage: opts => listPage('/v1/topics', { ...opts, key: 'name' }),
  topic: (name, signal) => request('GET', `/v1/topics/${enc(name)}`, { signal }).then(r => r.data),
  createTopic: (spec, signal) => request('POST', '/v1/topics', { body: spec, signal }).then(r => r.data),
  deleteTopic: (name, signal) => request('DELETE', `/v1/topics/${enc(name)}`, { signal }).then(r => r.data),
  alterTopicConfigs: (name, configs, signal) =>
    request('PATCH', `/v1/topics/${enc(name)}/configs`, { body: configs, signal }).then(r => r.data),
  /// from: "earliest" | "latest" | "<offset>" | "@<epoch ms>" (clamped into the log by the broker).
  records: (topic, partition, { from, maxRecords = 50, signal }) =>
    request('GET', `/v1/topics/${enc(topic)}/partitions/${partition}/records`, {
      query: { from, max_records: maxRecords, encoding: 'base64' },
      signal,
    }).then(r => r.data),
  eventsUrl: (topic, partition) =>
    url(`/v1/topics/${enc(topic)}/events`, { from: 'latest', partition, encoding: 'base64' }),
  groupsPage: opts => listPage('/v1/groups', { ...opts, key: 'id' }),
  group: (id, signal) => request('GET', `/v1/groups/${enc(id)}`, { signal }).then(r => r.data),
  /// spec: {to, topic?, partition?}
  resetOffsets: (id, spec, signal) =>
    request('POST', `/v1/groups/${enc(id)}/offsets`, { body: spec, signal }).then(r => r.data),
  alerts: signal => request('GET', '/v1/alerts', { signal }).then(r => r.data),
  /// query: {series: "a,b", since, group, topic}
  history: (query, signal) => request('GET', '/v1/history', { query, signal }).then(r => r.data),
}
