'use strict'
// A kafkajs member of a consumer group that an HTTP WebSocket member shares (driven by itest_http_stream):
// subscribes to the topic in argv[3] with group argv[4] and prints "partition,offset,value" for every record
// and "assigned p,p,..." after every rebalance, until the parent ends it (SIGTERM) or 120 s pass.
const { makeKafka } = require('./common')

const topic = process.argv[3]
const groupId = process.argv[4]

async function main() {
  const kafka = makeKafka('sd-itest-ws-group-peer')
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 500 })
  consumer.on(consumer.events.GROUP_JOIN, e => {
    const mine = (e.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
    console.log(`assigned ${mine.join(',')}`)
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      console.log(`${partition},${message.offset},${message.value.toString()}`)
    },
  })
  const stop = async () => {
    await consumer.disconnect().catch(() => {})
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  setTimeout(stop, 120000)
}

main().catch(e => {
  console.error(`FAIL: ${e.stack || e}`)
  process.exit(1)
})
