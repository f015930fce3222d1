'use strict'
// kafkajs idempotent producer (idempotent: true, one request in flight) sending SD_JS_COUNT messages to the
// 6 partitions of SD_JS_TOPIC, message i to partition i % 6 with value "<partition>:<i / 6>:" + 'x' * (i % 40).
// The test restarts the broker meanwhile; kafkajs retries each send with the same sequences, so every
// message must end up in the log exactly once. Prints "acked N" after each acknowledged send.
const { makeKafka, check, run } = require('./common')

const count = parseInt(process.env.SD_JS_COUNT || '2000', 10)
const topic = process.env.SD_JS_TOPIC || 'idem-js'
const perSend = parseInt(process.env.SD_JS_PER_SEND || '60', 10)
const partitions = 6

function valueOf(i) {
  return `${i % partitions}:${Math.floor(i / partitions)}:` + 'x'.repeat(i % 40)
}

async function main() {
  const kafka = makeKafka('sd-itest-idempotent')
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 60, initialRetryTime: 100, maxRetryTime: 1000 },
  })
  await producer.connect()
  let acked = 0
  for (let first = 0; first < count; first += perSend) {
    const messages = []
    for (let i = first; i < Math.min(count, first + perSend); i++) {
      messages.push({ partition: i % partitions, value: valueOf(i) })
    }
    const result = await producer.send({ topic, acks: -1, messages })
    for (const r of result) check(r.errorCode === 0, `partition ${r.partition} error ${r.errorCode}`)
    acked += messages.length
    console.log(`acked ${acked}`)
  }
  await producer.disconnect()
}

run(main, parseInt(process.env.SD_JS_TIMEOUT_MS || '240000', 10))
