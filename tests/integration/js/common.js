'use strict'
// Shared by the kafkajs scripts: the client for the broker given on the command line, and small checks.
const { Kafka, logLevel } = require('kafkajs')

const bootstrap = process.argv[2]
if (!bootstrap) {
  console.error('usage: node <script> HOST:PORT')
  process.exit(2)
}

function makeKafka(clientId) {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  })
}

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}

function value(id, size) {
  // Deterministic content, so the reader can verify every byte.
  let s = `${id}|${size}|`
  let x = (id * 2654435761 + size) >>> 0
  while (s.length < size) {
    x = (x * 1103515245 + 12345) >>> 0
    s += String.fromCharCode(97 + (x % 26)).repeat(1 + (x >>> 28))
  }
  return s.slice(0, size)
}

// Runs main with an overall deadline; exit code 0 only on success.
function run(main, timeoutMs) {
  const timer = setTimeout(() => {
    console.error(`FAIL: timed out after ${timeoutMs} ms`)
    process.exit(1)
  }, timeoutMs)
  main().then(
    () => {
      clearTimeout(timer)
      console.log('OK')
      process.exit(0)
    },
    err => {
      clearTimeout(timer)
      console.error('FAIL:', err && err.stack ? err.stack : err)
      process.exit(1)
    }
  )
}

module.exports = { makeKafka, check, value, run, bootstrap }
