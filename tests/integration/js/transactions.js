'use strict'
// kafkajs transactions: a transactional producer commits one transaction (send + sendOffsets for a group)
// and aborts another; a read_committed consumer (kafkajs' default) sees exactly the committed records, and
// the group's committed offset is the one sent with the committed transaction only. Then a second
// producer with the same transactional id fences the first.
const { Partitioners } = require('kafkajs')
const { makeKafka, check, run } = require('./common')

const topic = 'js-txn'
const input = 'js-txn-in'
const group = 'js-txn-group'

async function readCommitted(kafka, want) {
  const consumer = kafka.consumer({ groupId: 'js-txn-reader-' + Date.now(), readUncommitted: false })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const got = []
  await consumer.run({ eachMessage: async ({ partition, message }) => { got.push({ partition, value: message.value.toString() }) } })
  const started = Date.now()
  let last = Date.now()
  let seen = 0
  while (Date.now() - started < 30000) {
    if (got.length !== seen) { seen = got.length; last = Date.now() }
    if (got.length >= want && Date.now() - last > 1500) break
    await new Promise(r => setTimeout(r, 100))
  }
  await consumer.disconnect()
  return got
}

async function main() {
  const kafka = makeKafka('sd-itest-js-txn')
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: input, numPartitions: 1 }] })

  const producer = kafka.producer({
    transactionalId: 'js-txn-1', maxInFlightRequests: 1, idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  await producer.connect()

  // Committed: records plus the group's offset for the input topic.
  let txn = await producer.transaction()
  const committed = []
  for (let i = 0; i < 20; i++) committed.push({ key: `k${i % 4}`, value: `commit-${i}` })
  await txn.send({ topic, messages: committed })
  await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }] })
  await txn.commit()

  // Aborted: neither its records nor its offset remain.
  txn = await producer.transaction()
  const aborted = []
  for (let i = 0; i < 15; i++) aborted.push({ key: `k${i % 4}`, value: `abort-${i}` })
  await txn.send({ topic, messages: aborted })
  await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '99' }] }] })
  await txn.abort()

  const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] })
  const off = offsets[0].partitions.find(p => p.partition === 0).offset
  check(off === '7', `committed offset of ${group} is ${off}, expected 7 (the aborted transaction sent 99)`)

  const got = await readCommitted(kafka, 20)
  check(got.length === 20, `read_committed got ${got.length} records, expected 20: ${JSON.stringify(got.slice(0, 5))}`)
  check(got.every(m => m.value.startsWith('commit-')), 'an aborted record was read')
  // Per-key order (same key -> same partition -> produce order).
  const byPartition = new Map()
  for (const m of got) {
    if (!byPartition.has(m.partition)) byPartition.set(m.partition, [])
    byPartition.get(m.partition).push(Number(m.value.slice('commit-'.length)))
  }
  for (const [p, ids] of byPartition) check(ids.every((v, i) => i === 0 || ids[i - 1] < v), `partition ${p} out of order: ${ids}`)

  // Fencing: a new producer with the same transactional id; the old one can no longer commit.
  const zombieTxn = await producer.transaction()
  await zombieTxn.send({ topic, messages: [{ key: 'z', value: 'zombie' }] })
  const second = kafka.producer({ transactionalId: 'js-txn-1', maxInFlightRequests: 1, idempotent: true })
  await second.connect()
  const t2 = await second.transaction()
  await t2.send({ topic, messages: [{ key: 'n', value: 'commit-new' }] })
  await t2.commit()
  let fenced = false
  try {
    await zombieTxn.commit()
  } catch (e) {
    fenced = /fenced|epoch|INVALID_PRODUCER|PRODUCER_FENCED/i.test(`${e.type} ${e.name} ${e.message}`)
    if (!fenced) throw e
  }
  check(fenced, 'the fenced producer committed')
  const after = await readCommitted(kafka, 21)
  check(after.length === 21 && !after.some(m => m.value === 'zombie'), `after fencing: ${after.length} records`)
  await second.disconnect()
  await producer.disconnect().catch(() => {})
  await admin.disconnect()
}

run(main, Number(process.env.SD_JS_TIMEOUT_MS || 120000))
