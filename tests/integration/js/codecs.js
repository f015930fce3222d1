'use strict'
// kafkajs against topics whose compression.type and message.timestamp.type the broker applies: a gzip topic
// fed uncompressed batches and an uncompressed topic fed gzip batches are read back whole and in order by a
// kafkajs consumer (kafkajs decodes gzip itself; snappy, lz4 and zstd need codec packages it does not ship,
// so those topics are read by librdkafka and kcat in itest_topic_codecs). A LogAppendTime topic: kafkajs
// reads the broker's append time, not the hour-old timestamp it produced.
const { CompressionTypes } = require('kafkajs')
const { makeKafka, check, run } = require('./common')

async function consumeAll(kafka, topic, n) {
  const consumer = kafka.consumer({ groupId: `sd-js-codecs-${topic}`, sessionTimeout: 10000, heartbeatInterval: 1000 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const got = []
  await new Promise((resolve, reject) => {
    consumer.on(consumer.events.CRASH, e => reject(e.payload.error))
    consumer
      .run({
        eachMessage: async ({ message }) => {
          got.push({ value: message.value.toString(), timestamp: Number(message.timestamp) })
          if (got.length >= n) resolve()
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  return got
}

async function main() {
  const kafka = makeKafka('sd-js-codecs')
  const admin = kafka.admin()
  await admin.connect()
  const n = 200
  const cases = [
    { topic: 'js-codec-gzip', config: 'gzip', send: CompressionTypes.None },
    { topic: 'js-codec-none', config: 'uncompressed', send: CompressionTypes.GZIP },
  ]
  for (const c of cases) {
    check(
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: c.topic, numPartitions: 1, configEntries: [{ name: 'compression.type', value: c.config }] }],
      }),
      `create ${c.topic}`
    )
  }
  const appended = 'js-log-append-time'
  check(
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: appended, numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }],
    }),
    'create the LogAppendTime topic'
  )

  const producer = kafka.producer()
  await producer.connect()
  for (const c of cases) {
    for (let i = 0; i < n; i += 50) {
      const messages = []
      for (let j = i; j < i + 50; ++j) messages.push({ key: `k${j % 5}`, value: `${c.topic}-${j}` })
      await producer.send({ topic: c.topic, compression: c.send, acks: -1, messages })
    }
  }
  const hourAgo = Date.now() - 3600000
  const before = Date.now()
  await producer.send({ topic: appended, messages: [{ value: 'stamped', timestamp: String(hourAgo) }] })
  const after = Date.now()
  await producer.disconnect()

  for (const c of cases) {
    const got = await consumeAll(kafka, c.topic, n)
    check(got.length === n, `${c.topic}: ${got.length} of ${n}`)
    for (let i = 0; i < n; ++i) check(got[i].value === `${c.topic}-${i}`, `${c.topic}[${i}] = ${got[i].value}`)
  }
  const [stamped] = await consumeAll(kafka, appended, 1)
  check(stamped.value === 'stamped', `LogAppendTime value ${stamped.value}`)
  check(stamped.timestamp >= before - 1000 && stamped.timestamp <= after + 1000,
    `LogAppendTime timestamp ${stamped.timestamp} not in [${before}, ${after}] (sent ${hourAgo})`)
  await admin.disconnect()
}

run(main, Number(process.env.SD_JS_TIMEOUT_MS || 60000))
