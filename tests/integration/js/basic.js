'use strict'
// kafkajs without consumer groups: admin createTopics/listTopics/metadata/deleteTopics, producer send and
// sendBatch (none and gzip), ListOffsets via fetchTopicOffsets, then reading everything back with kafkajs's
// own Fetch implementation on the partition leader (no group coordinator involved).
const { CompressionTypes, Partitioners } = require('kafkajs')
const { makeKafka, check, value, run } = require('./common')

const topic = 'js-basic'
const partitions = 3
const count = Number(process.env.SD_JS_COUNT || 3000)

// kafkajs has no group-less consumer; its cluster object is internal but is the same code every consumer uses.
function createCluster(kafka) {
  const sym = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  check(sym, 'kafkajs internals changed: no createCluster symbol')
  return kafka[sym]({})
}

async function fetchAll(kafka, highs) {
  const cluster = createCluster(kafka)
  await cluster.connect()
  await cluster.addTargetTopic(topic)
  const out = []
  const leaders = cluster.findLeaderForPartitions(topic, [...Array(partitions).keys()])
  for (const nodeId of Object.keys(leaders)) {
    const broker = await cluster.findBroker({ nodeId })
    for (const partition of leaders[nodeId]) {
      let offset = 0
      const high = Number(highs[partition])
      while (offset < high) {
        const res = await broker.fetch({
          replicaId: -1,
          isolationLevel: 1,
          maxWaitTime: 500,
          minBytes: 1,
          maxBytes: 1 << 20,
          topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: 1 << 20 }] }],
        })
        const p = res.responses[0].partitions[0]
        check(p.errorCode === 0, `fetch error ${p.errorCode} on partition ${partition}`)
        check(Number(p.highWatermark) >= high, `high watermark went down on ${partition}`)
        const msgs = p.messages.filter(m => Number(m.offset) >= offset)
        check(msgs.length > 0, `fetch at ${partition}/${offset} returned nothing below hwm ${high}`)
        for (const m of msgs) {
          check(Number(m.offset) === offset, `partition ${partition}: offset ${m.offset}, expected ${offset}`)
          out.push({ partition, offset, key: m.key && m.key.toString(), value: m.value.toString(), headers: m.headers })
          offset++
        }
      }
    }
  }
  await cluster.disconnect()
  return out
}

async function main() {
  const kafka = makeKafka('sd-itest-js-basic')
  const admin = kafka.admin()
  await admin.connect()

  check(await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] }),
    'createTopics returned false for a new topic')
  check(!(await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] })),
    'createTopics of an existing topic should return false (TOPIC_ALREADY_EXISTS)')
  check((await admin.listTopics()).includes(topic), 'listTopics misses the topic')
  const md = await admin.fetchTopicMetadata({ topics: [topic] })
  check(md.topics.length === 1 && md.topics[0].partitions.length === partitions, 'metadata partition count')

  await admin.createTopics({ topics: [{ topic: 'js-doomed', numPartitions: 1, replicationFactor: 1 }] })
  await admin.deleteTopics({ topics: ['js-doomed'] })
  check(!(await admin.listTopics()).includes('js-doomed'), 'deleted topic still listed')

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
  await producer.connect()
  const expected = new Map() // key -> [values in order]
  const batchSize = 100
  let id = 0
  while (id < count) {
    const messages = []
    for (let i = 0; i < batchSize && id < count; i++, id++) {
      const key = `k${id % 10}`
      const v = value(id, 1 + ((id * 131) % 5000))
      messages.push({ key, value: v, headers: { id: String(id) } })
      if (!expected.has(key)) expected.set(key, [])
      expected.get(key).push({ v, id: String(id) })
    }
    const compression = (id / batchSize) % 2 === 0 ? CompressionTypes.None : CompressionTypes.GZIP
    const meta = await producer.send({ topic, acks: -1, compression, messages })
    for (const r of meta) check(r.errorCode === 0, `produce error ${r.errorCode}`)
  }
  // sendBatch: one request, acks=1.
  const extra = await producer.sendBatch({
    acks: 1,
    topicMessages: [{ topic, messages: [{ key: 'k-extra', value: 'the-end' }] }],
  })
  check(extra.length === 1 && extra[0].errorCode === 0, 'sendBatch')
  expected.set('k-extra', [{ v: 'the-end', id: undefined }])
  await producer.disconnect()

  const offsets = await admin.fetchTopicOffsets(topic)
  const highs = []
  let total = 0
  for (const o of offsets) {
    highs[o.partition] = o.high
    total += Number(o.high)
    check(Number(o.low) === 0, `low watermark ${o.low} on partition ${o.partition}`)
  }
  check(total === count + 1, `high watermarks add up to ${total}, expected ${count + 1}`)

  const got = await fetchAll(kafka, highs)
  check(got.length === count + 1, `read ${got.length}, expected ${count + 1}`)
  const seen = new Map()
  const partOfKey = new Map()
  for (const m of got) {
    if (!partOfKey.has(m.key)) partOfKey.set(m.key, m.partition)
    check(partOfKey.get(m.key) === m.partition, `key ${m.key} in two partitions`)
    const i = seen.get(m.key) || 0
    const exp = expected.get(m.key)
    check(exp && i < exp.length, `unexpected message for key ${m.key}`)
    check(m.value === exp[i].v, `key ${m.key} message ${i}: content or order differs`)
    if (exp[i].id !== undefined) check(m.headers.id && m.headers.id.toString() === exp[i].id, `header lost at ${m.key}/${i}`)
    seen.set(m.key, i + 1)
  }
  for (const [k, exp] of expected) check(seen.get(k) === exp.length, `key ${k}: ${seen.get(k)} of ${exp.length}`)
  await admin.disconnect()
}

run(main, Number(process.env.SD_JS_TIMEOUT_MS || 120000))
