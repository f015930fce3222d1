'use strict'
// kafkajs consumer group (needs the group coordinator): produce, then a group consumer subscribed with
// fromBeginning reads every message, per-key order checked, offsets committed; a second consumer in the same
// group then finds nothing left (the commits were stored).
const { Partitioners } = require('kafkajs')
const { makeKafka, check, value, run } = require('./common')

const topic = 'js-group'
const count = Number(process.env.SD_JS_COUNT || 1000)

async function consumeAll(kafka, groupId, want, idleMs) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, rebalanceTimeout: 10000, heartbeatInterval: 1000 })
  // A crash kafkajs will not restart from, or the third crash, ends the wait (instead of the 60 s deadline).
  let crashed = null
  let crashes = 0
  consumer.on(consumer.events.CRASH, e => {
    crashes++
    if (!e.payload.restart || crashes >= 3) crashed = e.payload.error
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const got = []
  let last = Date.now()
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      got.push({ partition, key: message.key.toString(), value: message.value.toString() })
      last = Date.now()
    },
  })
  const started = Date.now()
  while (got.length < want || Date.now() - last < idleMs) {
    if (crashed) throw new Error(`consumer crashed: ${crashed.name}: ${crashed.message}`)
    if (Date.now() - started > 60000) break
    await new Promise(r => setTimeout(r, 100))
  }
  await consumer.disconnect()
  return got
}

async function main() {
  const kafka = makeKafka('sd-itest-js-group')
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const expected = new Map()
  for (let id = 0; id < count; id += 100) {
    const messages = []
    for (let i = id; i < Math.min(count, id + 100); i++) {
      const key = `k${i % 7}`
      messages.push({ key, value: value(i, 10 + (i % 300)) })
      if (!expected.has(key)) expected.set(key, [])
      expected.get(key).push(value(i, 10 + (i % 300)))
    }
    await producer.send({ topic, acks: -1, messages })
  }
  await producer.disconnect()

  const got = await consumeAll(kafka, 'sd-itest-group', count, 1000)
  check(got.length === count, `group consumer read ${got.length} of ${count}`)
  const seen = new Map()
  for (const m of got) {
    const i = seen.get(m.key) || 0
    check(m.value === expected.get(m.key)[i], `key ${m.key} message ${i}: content or order differs`)
    seen.set(m.key, i + 1)
  }
  // Same group again: the committed offsets are at the end, nothing is re-read.
  const again = await consumeAll(kafka, 'sd-itest-group', 0, 3000)
  check(again.length === 0, `re-read ${again.length} messages after committing`)
  await admin.disconnect()
}

run(main, Number(process.env.SD_JS_TIMEOUT_MS || 150000))
