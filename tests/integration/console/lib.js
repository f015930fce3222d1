'use strict'
// Shared by the console browser tests: the real broker on ephemeral ports, the command-line tools, Debian's
// chromium driven by playwright-core, and the checks every test makes on the page (no request leaves the
// broker, no console error, no page error, no HTTP answer over 1 MB).
//
// Inputs (environment, all optional):
//   STREAMDOWN_BINARY     the streamdown binary (else argv[2], else build/release/streamdown of this tree)
//   STREAMDOWN_JS_DIR     where node_modules holds playwright-core and kafkajs (default ../js)
//   STREAMDOWN_CHROMIUM   the browser (default /usr/bin/chromium); playwright never downloads one
//   STREAMDOWN_KCAT       kcat (default kcat on PATH)
//   STREAMDOWN_TEST_SCALE small (default) | large
//   STREAMDOWN_TEST_ARTIFACTS  directory for screenshots (default <temp dir>/console-screenshots)
//   STREAMDOWN_KEEP_TEST_DIRS  keep the temp dir (data dir, broker log) after the test
// Every process a test starts is killed by its PID when the test ends, passes or fails.

const { spawn } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')

const jsDir = process.env.STREAMDOWN_JS_DIR || path.resolve(__dirname, '../js')
const { chromium } = require(path.join(jsDir, 'node_modules', 'playwright-core'))
const kafkajs = require(path.join(jsDir, 'node_modules', 'kafkajs'))

const binary = process.env.STREAMDOWN_BINARY || process.argv[2] || path.resolve(__dirname, '../../../build/release/streamdown')
const chromiumPath = process.env.STREAMDOWN_CHROMIUM || '/usr/bin/chromium'
const kcatPath = process.env.STREAMDOWN_KCAT || 'kcat'
const large = process.env.STREAMDOWN_TEST_SCALE === 'large'

const children = new Set() // live child processes, killed by PID at exit

function killAll() {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  children.clear()
}
process.on('exit', killAll)
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll()
    process.exit(1)
  })
}

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}

function log(...args) {
  console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...args)
}

const sleep = ms => new Promise(r => setTimeout(r, ms))

/// Polls fn until it returns a truthy value (returned) or the deadline passes (throws with `what` and the
/// last value or error seen). The only way these tests wait.
async function waitFor(what, fn, { timeoutMs = 20000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs
  let last
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
      last = v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`)
    }
    await sleep(intervalMs)
  }
}

/// Starts a child; resolves {code, stdout, stderr} when it exits. opts.input: written to stdin then closed.
function runProcess(cmd, args, { input, timeoutMs = 60000, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env || process.env })
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL')
      } catch {}
      reject(new Error(`${cmd} ${args.join(' ')}: no exit within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('error', e => {
      clearTimeout(timer)
      children.delete(child)
      reject(new Error(`${cmd}: ${e.message}`))
    })
    child.on('exit', code => {
      clearTimeout(timer)
      children.delete(child)
      resolve({ code, stdout, stderr })
    })
    if (input !== undefined) child.stdin.end(input)
    else child.stdin.end()
  })
}

async function mustRun(cmd, args, opts) {
  const r = await runProcess(cmd, args, opts)
  if (r.code !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(-800)}`)
  return r.stdout
}

/// A long-running child (a consumer): {pid, child, exited: Promise<code>}; killed at exit if still running.
function startProcess(cmd, args, logFile) {
  const out = fs.openSync(logFile, 'a')
  const child = spawn(cmd, args, { stdio: ['ignore', out, out] })
  fs.closeSync(out)
  children.add(child)
  const exited = new Promise(resolve => {
    child.on('exit', code => {
      children.delete(child)
      resolve(code)
    })
    child.on('error', e => {
      children.delete(child)
      log(`cannot start ${cmd}: ${e.message}`)
      resolve(-1)
    })
  })
  return { pid: child.pid, child, exited }
}

class Broker {
  constructor(dir) {
    this.dir = dir
    this.log = path.join(dir, 'broker.log')
  }

  /// sets: ["key=value", ...] passed as --set.
  async start(sets = []) {
    const args = ['broker', '--data-dir', path.join(this.dir, 'data'), '--kafka-addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0']
    for (const s of sets) args.push('--set', s)
    const errFd = fs.openSync(this.log, 'a')
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', errFd] })
    fs.closeSync(errFd)
    children.add(child)
    this.child = child
    this.pid = child.pid
    this.exit = null // {code, signal} once it has exited
    child.on('exit', (code, signal) => (this.exit = { code, signal }))
    let out = ''
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker did not print its listening line in 30 s: ${out}`)), 30000)
      child.on('error', e => {
        children.delete(child)
        clearTimeout(timer)
        reject(new Error(`cannot start ${binary}: ${e.message}`))
      })
      child.on('exit', code => {
        children.delete(child)
        clearTimeout(timer)
        reject(new Error(`broker exited ${code} before listening; log ${this.log}:\n${tail(this.log)}`))
      })
      child.stdout.on('data', d => {
        out += d
        const m = out.match(/listening kafka=(\S+):(\d+) http=(\S+):(\d+)/)
        if (m) {
          clearTimeout(timer)
          this.bootstrap = `${m[1]}:${m[2]}`
          this.httpHost = `${m[3]}:${m[4]}`
          this.http = `http://${this.httpHost}`
          resolve()
        }
      })
    })
    child.stdout.resume()
    log(`broker pid ${this.pid}: kafka ${this.bootstrap}, http ${this.http}, log ${this.log}`)
  }

  kill() {
    this.killed = true
    if (this.child && children.has(this.child)) {
      try {
        process.kill(this.pid, 'SIGKILL')
      } catch {}
      children.delete(this.child)
    }
  }

  /// The streamdown CLI against this broker: sd('group', 'describe', 'g', '--json').
  sd(...args) {
    return mustRun(binary, [...args, '-b', this.bootstrap, '--timeout', '20s'], { timeoutMs: 60000 })
  }

  /// kcat -P: one record per line of `lines` (array of strings or Buffers joined by "\n").
  produce(topic, lines, { partition, keyDelim, headers = [] } = {}) {
    const args = ['-b', this.bootstrap, '-P', '-t', topic, '-X', 'acks=all']
    if (partition !== undefined) args.push('-p', String(partition))
    if (keyDelim) args.push('-K', keyDelim)
    for (const hdr of headers) args.push('-H', hdr)
    const parts = lines.map(l => (Buffer.isBuffer(l) ? l : Buffer.from(String(l))))
    const input = Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.from('\n'), p] : [p])))
    return mustRun(kcatPath, args, { input: Buffer.concat([input, Buffer.from('\n')]), timeoutMs: 60000 })
  }

  async getJson(p) {
    const res = await fetch(this.http + p)
    if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`)
    return res.json()
  }

  kafka(clientId) {
    return new kafkajs.Kafka({
      clientId,
      brokers: [this.bootstrap],
      logLevel: kafkajs.logLevel.WARN,
      connectionTimeout: 5000,
      requestTimeout: 60000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    })
  }
}

function tail(file, n = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n')
  } catch {
    return '(no log)'
  }
}

/// The browser with the checks every test makes. expectHttpError(status, urlPart) allows one console error
/// "Failed to load resource: ... <status>" for a URL containing urlPart (a failure the test provokes).
class Browser {
  constructor(broker, name, artifacts) {
    this.broker = broker
    this.name = name
    this.artifacts = artifacts
    this.problems = []
    this.allowed = []
    this.largest = { bytes: 0, url: '' }
    this.responses = 0
  }

  async open() {
    check(fs.existsSync(chromiumPath), `chromium at ${chromiumPath} (install Debian's chromium: scripts/setup)`)
    this.browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
    this.context = await this.browser.newContext({ viewport: { width: 1400, height: 1000 } })
    const host = this.broker.httpHost
    // Nothing may leave the broker: a request anywhere else is recorded and refused.
    await this.context.route(
      u => /^(https?|wss?):/.test(u.protocol) && u.host !== host,
      route => {
        this.problems.push(`request to a host other than the broker: ${route.request().url()}`)
        return route.abort()
      }
    )
    const page = await this.context.newPage()
    this.page = page
    page.on('console', m => {
      if (m.type() !== 'error') return
      const text = m.text()
      const url = m.location()?.url || ''
      const st = text.match(/status of (\d+)/)
      const i = st ? this.allowed.findIndex(a => a.status === Number(st[1]) && url.includes(a.urlPart)) : -1
      if (i >= 0) this.allowed.splice(i, 1)
      else this.problems.push(`console error: ${text} (${url})`)
    })
    page.on('pageerror', e => this.problems.push(`page error: ${e.message}`))
    page.on('requestfinished', async req => {
      try {
        const sizes = await req.sizes()
        this.responses++
        if (sizes.responseBodySize > this.largest.bytes) this.largest = { bytes: sizes.responseBodySize, url: req.url() }
        if (sizes.responseBodySize > 1024 * 1024) this.problems.push(`response over 1 MB: ${req.url()} (${sizes.responseBodySize} bytes)`)
      } catch {
        // the page went away first
      }
    })
    this.cdp = await this.context.newCDPSession(page)
    await this.cdp.send('Performance.enable')
  }

  expectHttpError(status, urlPart) {
    this.allowed.push({ status, urlPart })
  }

  /// Fails the test on anything recorded so far.
  assertClean() {
    if (this.problems.length) throw new Error('page problems:\n  ' + this.problems.join('\n  '))
  }

  async goto(hash) {
    await this.page.goto(`${this.broker.http}/${hash}`)
  }

  async screenshot(label) {
    const file = path.join(this.artifacts, `${this.name}-${label}.png`)
    await this.page.screenshot({ path: file, fullPage: true })
    log(`screenshot ${file}`)
  }

  async heapBytes() {
    const { metrics } = await this.cdp.send('Performance.getMetrics')
    return metrics.find(m => m.name === 'JSHeapUsedSize').value
  }

  async close() {
    try {
      await this.browser?.close()
    } catch {}
  }
}

/// Runs a test: body(t) with t = {dir, artifacts, large, broker(sets) -> Broker, browser(broker) -> Browser}.
/// Exit code 0 only on success; the broker and every child are killed either way. timeoutMs (x4 at large
/// scale) bounds the whole test.
function run(name, body, timeoutMs) {
  if (large) timeoutMs *= 4
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), `sd-${name}-`))
  const artifacts = process.env.STREAMDOWN_TEST_ARTIFACTS || path.join(dir, 'console-screenshots')
  fs.mkdirSync(artifacts, { recursive: true })
  const brokers = []
  const browsers = []
  const t = {
    dir,
    artifacts,
    large,
    async broker(sets) {
      const b = new Broker(fs.mkdtempSync(path.join(dir, 'broker-')))
      brokers.push(b)
      await b.start(sets)
      return b
    },
    async browser(broker) {
      const b = new Browser(broker, name, artifacts)
      browsers.push(b)
      await b.open()
      return b
    },
  }
  let finished = false
  const finish = async (ok, err) => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    for (const b of browsers) await b.close()
    for (const b of brokers) b.kill()
    killAll()
    console.log(`screenshots: ${artifacts}`)
    if (!ok) {
      console.error('FAIL:', err && err.stack ? err.stack : err)
      for (const b of brokers) {
        if (b.exit && !b.killed) console.error(`--- the broker died during the test: exit code ${b.exit.code}, signal ${b.exit.signal}`)
        console.error(`--- broker log ${b.log} (last lines):\n${tail(b.log)}`)
      }
    }
    if (ok && !process.env.STREAMDOWN_KEEP_TEST_DIRS && !process.env.STREAMDOWN_TEST_ARTIFACTS) {
      // keep the screenshots: remove everything else
      for (const b of brokers) fs.rmSync(b.dir, { recursive: true, force: true })
    } else if (ok && !process.env.STREAMDOWN_KEEP_TEST_DIRS) {
      fs.rmSync(dir, { recursive: true, force: true })
    } else {
      console.error(`kept ${dir}`)
    }
    console.log(ok ? 'OK' : 'FAILED')
    process.exit(ok ? 0 : 1)
  }
  const timer = setTimeout(() => finish(false, new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)
  process.on('unhandledRejection', e => finish(false, e))
  body(t).then(
    () => finish(true),
    e => finish(false, e)
  )
}

module.exports = { run, check, waitFor, sleep, log, startProcess, mustRun, binary, large }
