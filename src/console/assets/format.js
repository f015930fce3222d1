// format.js: numbers, sizes, durations, times and record bytes as people read them. Pure functions; a missing
// value (undefined, null, NaN) is shown as "-".

export const DASH = '-'

const missing = v => v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))

/// 1234567 -> "1,234,567"; fractions keep up to `digits` decimals.
export function num(v, digits = 0) {
  if (missing(v)) return DASH
  return Number(v).toLocaleString('en-US', { maximumFractionDigits: digits })
}

/// Compact: 1530 -> "1.53k", 2.5e6 -> "2.5M".
export function compact(v) {
  if (missing(v)) return DASH
  const a = Math.abs(v)
  if (a >= 1e9) return `${trim(v / 1e9)}G`
  if (a >= 1e6) return `${trim(v / 1e6)}M`
  if (a >= 1e3) return `${trim(v / 1e3)}k`
  return trim(v)
}

function trim(x) {
  const a = Math.abs(x)
  const s = a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2)
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s
}

export function rate(v, unit = '/s') {
  return missing(v) ? DASH : `${compact(v)}${unit}`
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/// 1536 -> "1.5 KiB"; negative (Kafka's "unbounded" -1) -> "unlimited".
export function bytes(v) {
  if (missing(v)) return DASH
  if (v < 0) return 'unlimited'
  let i = 0
  let x = Number(v)
  while (x >= 1024 && i < BYTE_UNITS.length - 1) {
    x /= 1024
    i++
  }
  return i === 0 ? `${x} B` : `${trim(x)} ${BYTE_UNITS[i]}`
}

export function byteRate(v) {
  return missing(v) ? DASH : `${bytes(v)}/s`
}

/// A duration in ms for configs: -1 -> "forever" (other negatives as they are), 86400000 -> "1 d",
/// 5400000 -> "1 h 30 min".
export function durationMs(v) {
  if (missing(v) || v === '') return DASH
  const ms = Number(v)
  if (!Number.isFinite(ms)) return String(v)
  if (ms === -1) return 'forever'
  if (ms < 0) return String(ms)
  if (ms < 1000) return `${ms} ms`
  const parts = []
  let s = Math.floor(ms / 1000)
  for (const [unit, n] of [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]]) {
    if (s >= n) {
      parts.push(`${Math.floor(s / n)} ${unit}`)
      s %= n
    }
    if (parts.length === 2) break
  }
  return parts.join(' ')
}

/// Seconds, e.g. lag: 0.25 -> "0.25 s", 125 -> "2 min 5 s".
export function seconds(v) {
  if (missing(v)) return DASH
  if (v < 60) return `${trim(v)} s`
  return durationMs(v * 1000)
}

/// Latency in seconds -> "0.8 ms" / "12 ms" / "1.2 s".
export function latency(v) {
  if (missing(v)) return DASH
  if (v < 1) return `${trim(v * 1000)} ms`
  return `${trim(v)} s`
}

const pad = n => String(n).padStart(2, '0')

/// Epoch ms -> local "2026-12-06 23:19:58".
export function time(ms) {
  if (missing(ms)) return DASH
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(
    d.getMinutes()
  )}:${pad(d.getSeconds())}`
}

/// Epoch ms -> "12 s ago" (relative to now).
export function ago(ms, now = Date.now()) {
  if (missing(ms)) return DASH
  const s = Math.max(0, Math.round((now - ms) / 1000))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86400)} d ago`
}

const MAX_SHOWN_TEXT = 4096
const MAX_SHOWN_HEX = 512
const utf8 = new TextDecoder('utf-8', { fatal: true })

/// Record bytes (base64, as `encoding=base64` reads give them) for display:
/// {kind: "null" | "text" | "json" | "hex", text, size, truncated}. Valid UTF-8 is text, pretty-printed when it
/// parses as a JSON object or array; anything else is hex. Long values are cut (size tells the whole length).
export function recordBytes(b64) {
  if (b64 === null || b64 === undefined) return { kind: 'null', text: 'null', size: 0, truncated: false }
  let raw
  try {
    raw = atob(b64)
  } catch {
    return { kind: 'text', text: String(b64), size: String(b64).length, truncated: false }
  }
  const buf = new Uint8Array(raw.length)
  for (let i = 0; i < raw.length; i++) buf[i] = raw.charCodeAt(i)
  let text = null
  try {
    text = utf8.decode(buf)
  } catch {
    text = null
  }
  if (text !== null && !hasControl(text)) {
    const t = text.trimStart()
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        const pretty = JSON.stringify(JSON.parse(text), null, 2)
        return cut('json', pretty, buf.length, MAX_SHOWN_TEXT)
      } catch {
        // not JSON: plain text
      }
    }
    return cut('text', text, buf.length, MAX_SHOWN_TEXT)
  }
  const shown = buf.subarray(0, MAX_SHOWN_HEX)
  const hex = Array.from(shown, b => b.toString(16).padStart(2, '0')).join(' ')
  return { kind: 'hex', text: hex, size: buf.length, truncated: buf.length > shown.length }
}

/// Text with control characters other than tab, newline and carriage return is shown as hex.
function hasControl(s) {
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)
}

function cut(kind, text, size, max) {
  return text.length > max
    ? { kind, text: text.slice(0, max), size, truncated: true }
    : { kind, text, size, truncated: false }
}
