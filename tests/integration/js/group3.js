'use strict'
// kafkajs consumer group of 3 members (RoundRobinAssigner, kafkajs's default) on a 6-partition topic: the
// group converges (2 partitions each), every keyed message is consumed exactly once with per-key order, and
// after the members disconnect the committed offsets equal the partitions' ends (admin.fetchOffsets).
const { Partitioners } = require('kafkajs')
const { makeKafka, check, run } = require('./common')

const topic = 'js-group3'
const groupId = 'sd-itest-group3'
const count = Number(process.env.SD_JS_COUNT || 3000)
const sleep = ms => new Promise(r => setTimeout(r, ms))

async function waitFor(what, pred, ms) {
  const until = Date.now() + ms
  while (!pred()) {
    if (Date.now() > until) throw new Error('timed out waiting for ' + what)
    await sleep(100)
  }
}

async function main() {
  const kafka = makeKafka('sd-itest-js-group3')
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] })

  const members = []
  const got = []
  for (let i = 0; i < 3; i++) {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, rebalanceTimeout: 10000, heartbeatInterval: 500 })
    const m = { consumer, assigned: 0, seen: 0 }
    consumer.on(consumer.events.GROUP_JOIN, e => {
      const a = e.payload.memberAssignment[topic] || []
      m.assigned = a.length
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        m.seen++
        got.push({ member: i, partition, key: message.key.toString(), seq: Number(message.value.toString()) })
      },
    })
    members.push(m)
  }
  await waitFor('3 members with 2 partitions each', () => members.every(m => m.assigned === 2), 60000)

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  for (let id = 0; id < count; id += 200) {
    const messages = []
    for (let s = id; s < Math.min(count, id + 200); s++) messages.push({ key: `k${s % 11}`, value: String(s) })
    await producer.send({ topic, acks: -1, messages })
  }
  await producer.disconnect()

  await waitFor(`${count} messages`, () => got.length >= count, 120000)
  await sleep(500)  // anything extra (a duplicate) would show up now
  check(got.length === count, `consumed ${got.length} messages for ${count} produced`)
  const seqs = new Set(got.map(m => m.seq))
  check(seqs.size === count, `distinct ${seqs.size} of ${count}`)
  const last = new Map()
  for (const m of got) {
    const prev = last.get(m.key)
    check(prev === undefined || prev < m.seq, `key ${m.key}: ${m.seq} after ${prev}`)
    last.set(m.key, m.seq)
  }
  members.forEach((m, i) => check(m.seen > 0, `member ${i} consumed nothing`))

  for (const m of members) await m.consumer.disconnect()
  const ends = await admin.fetchTopicOffsets(topic)
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] })
  for (const e of ends) {
    const c = committed[0].partitions.find(p => p.partition === e.partition)
    check(c && c.offset === e.offset, `partition ${e.partition}: committed ${c && c.offset}, end ${e.offset}`)
  }
  const groups = await admin.listGroups()
  check(groups.groups.some(g => g.groupId === groupId), 'listGroups shows the group')
  await admin.disconnect()
}

run(main, Number(process.env.SD_JS_TIMEOUT_MS || 150000))
