'use strict'
// kafkajs over SASL_SSL with SCRAM-SHA-256 (driven by tests/integration/security/sasl_test.cc): the broker's
// certificate is verified against the test CA (SD_JS_CA, a PEM file), the user is SD_JS_USER/SD_JS_PASSWORD.
// Admin creates a topic, a producer sends SD_JS_COUNT messages with acks=all, and a consumer group reads them
// all back from the beginning (per-key order and content checked). Then a client with a wrong password must be
// refused with an authentication error.
const fs = require('fs')
const { Kafka, logLevel, Partitioners } = require('kafkajs')
const { check, value, run, bootstrap } = require('./common')

const topic = 'js-sasl-ssl'
const count = Number(process.env.SD_JS_COUNT || 500)
const ca = fs.readFileSync(process.env.SD_JS_CA, 'utf8')
const mechanism = process.env.SD_JS_MECHANISM || 'scram-sha-256'

function makeKafka(clientId, password) {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    authenticationTimeout: 10000,
    requestTimeout: 30000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    ssl: { ca: [ca] },
    sasl: { mechanism, username: process.env.SD_JS_USER, password },
  })
}

async function consumeAll(kafka, groupId, want) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, rebalanceTimeout: 10000, heartbeatInterval: 1000 })
  let crashed = null
  consumer.on(consumer.events.CRASH, e => {
    if (!e.payload.restart) crashed = e.payload.error
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const got = []
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      got.push({ partition, key: message.key.toString(), value: message.value.toString() })
    },
  })
  const started = Date.now()
  while (got.length < want) {
    if (crashed) throw new Error(`consumer crashed: ${crashed.name}: ${crashed.message}`)
    if (Date.now() - started > 60000) break
    await new Promise(r => setTimeout(r, 100))
  }
  await consumer.disconnect()
  return got
}

async function main() {
  const kafka = makeKafka('sd-itest-js-sasl-ssl', process.env.SD_JS_PASSWORD)
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] })

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const expected = new Map()
  for (let id = 0; id < count; id += 100) {
    const messages = []
    for (let i = id; i < Math.min(count, id + 100); i++) {
      const key = `k${i % 5}`
      messages.push({ key, value: value(i, 10 + (i % 2000)) })
      if (!expected.has(key)) expected.set(key, [])
      expected.get(key).push(value(i, 10 + (i % 2000)))
    }
    const meta = await producer.send({ topic, acks: -1, messages })
    for (const r of meta) check(r.errorCode === 0, `produce error ${r.errorCode}`)
  }
  await producer.disconnect()

  const got = await consumeAll(kafka, 'sd-itest-sasl-ssl', count)
  check(got.length === count, `consumer read ${got.length} of ${count}`)
  const seen = new Map()
  for (const m of got) {
    const i = seen.get(m.key) || 0
    check(m.value === expected.get(m.key)[i], `key ${m.key} message ${i}: content or order differs`)
    seen.set(m.key, i + 1)
  }
  await admin.disconnect()

  // A wrong password is refused with an authentication error (not a hang, not a transport error).
  const bad = makeKafka('sd-itest-js-sasl-bad', 'not-the-password').admin()
  let refused = null
  try {
    await bad.connect()
    await bad.listTopics()
  } catch (e) {
    refused = e
  }
  try { await bad.disconnect() } catch (e) { /* already closed */ }
  check(refused !== null, 'a wrong password was accepted')
  check(/SASL|auth/i.test(`${refused.name} ${refused.message}`), `unexpected refusal: ${refused.name}: ${refused.message}`)
}

run(main, Number(process.env.SD_JS_TIMEOUT_MS || 120000))
