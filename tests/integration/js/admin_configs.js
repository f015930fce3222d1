'use strict'
// kafkajs admin against the broker's config APIs, as a script that indexes answers by position would use them:
// DescribeConfigs with configNames answers in the requested order (unknown names left out), and validateOnly
// on CreateTopics, CreatePartitions and AlterConfigs checks the request and changes nothing.
const { ConfigResourceTypes } = require('kafkajs')
const { makeKafka, check, run } = require('./common')

async function names(admin, topic, configNames) {
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames }],
  })
  check(res.resources.length === 1, `one resource, got ${res.resources.length}`)
  check(res.resources[0].errorCode === 0, `describe error ${res.resources[0].errorCode}`)
  return res.resources[0].configEntries.map(e => e.configName)
}

async function value(admin, topic, name) {
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
  })
  return res.resources[0].configEntries[0].configValue
}

async function rejects(what, f) {
  let refused = false
  try {
    await f()
  } catch (e) {
    refused = true
  }
  check(refused, `${what} was accepted`)
}

async function main() {
  const admin = makeKafka('sd-js-admin-configs').admin()
  await admin.connect()
  const topic = 'js-configs'
  check(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }), 'create')

  // Requested order, each key once, unknown keys left out.
  const keys = ['segment.bytes', 'retention.ms', 'cleanup.policy', 'max.message.bytes']
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)
  let got = await names(admin, topic, keys)
  check(same(got, keys), `order ${got} for ${keys}`)
  const reversed = [...keys].reverse()
  got = await names(admin, topic, reversed)
  check(same(got, reversed), `order ${got} for ${reversed}`)
  got = await names(admin, topic, ['retention.ms', 'no.such.key', 'segment.bytes', 'retention.ms'])
  check(same(got, ['retention.ms', 'segment.bytes']), `unknown/repeated keys: ${got}`)

  // AlterConfigs validateOnly: a valid change is accepted and not applied; invalid ones are refused.
  const before = await value(admin, topic, 'retention.ms')
  check(before !== '3600000', 'retention.ms already 3600000')
  const alter = (name, v, validateOnly) =>
    admin.alterConfigs({
      validateOnly,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name, value: v }] }],
    })
  await alter('retention.ms', '3600000', true)
  check((await value(admin, topic, 'retention.ms')) === before, 'validateOnly AlterConfigs changed retention.ms')
  await rejects('validateOnly retention.ms=soon', () => alter('retention.ms', 'soon', true))
  await rejects('validateOnly of an unknown key', () => alter('no.such.topic.config', '1', true))
  await alter('retention.ms', '3600000', false)
  check((await value(admin, topic, 'retention.ms')) === '3600000', 'AlterConfigs did not apply')

  // CreateTopics validateOnly: accepted, nothing created; a bad config is still refused. (waitForLeaders would
  // wait for a topic that validateOnly does not create, against Kafka too.)
  await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'js-configs-dry', numPartitions: 2 }] })
  check(!(await admin.listTopics()).includes('js-configs-dry'), 'validateOnly CreateTopics created the topic')
  await rejects('validateOnly CreateTopics with a bad config', () =>
    admin.createTopics({
      validateOnly: true,
      waitForLeaders: false,
      topics: [{ topic: 'js-configs-dry', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: 'x' }] }],
    })
  )

  // CreatePartitions validateOnly: the count stays.
  await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic, count: 4 }] })
  const meta = await admin.fetchTopicMetadata({ topics: [topic] })
  check(meta.topics[0].partitions.length === 1, `validateOnly CreatePartitions left ${meta.topics[0].partitions.length}`)
  await rejects('validateOnly CreatePartitions shrinking', () =>
    admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic, count: 1 }] })
  )

  // Every Kafka topic key is accepted (these were INVALID_CONFIG once); a timestamp bound is honoured.
  const keyed = 'js-configs-keys'
  check(
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: keyed,
          numPartitions: 1,
          configEntries: [
            { name: 'delete.retention.ms', value: '3600000' },
            { name: 'message.timestamp.difference.max.ms', value: '60000' },
          ],
        },
      ],
    }),
    'create with delete.retention.ms and message.timestamp.difference.max.ms'
  )
  const alterKeyed = (name, v) =>
    admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: keyed, configEntries: [{ name, value: v }] }],
    })
  await alterKeyed('message.format.version', '0.10.0.0')  // replaces the set: the timestamp bound goes
  check((await value(admin, keyed, 'message.format.version')) === '0.10.0.0', 'message.format.version')
  await rejects('message.format.version=banana', () => alterKeyed('message.format.version', 'banana'))
  await alterKeyed('message.timestamp.difference.max.ms', '60000')
  check((await value(admin, keyed, 'message.timestamp.difference.max.ms')) === '60000', 'difference.max.ms')

  const producer = makeKafka('sd-js-admin-configs-p').producer({ retry: { retries: 0 } })
  await producer.connect()
  let refused = null
  try {
    await producer.send({ topic: keyed, messages: [{ value: 'old', timestamp: String(Date.now() - 3600000) }] })
  } catch (e) {
    refused = e
  }
  check(refused, 'a timestamp an hour old was accepted under message.timestamp.difference.max.ms=60000')
  check(/INVALID_TIMESTAMP|timestamp/i.test(String(refused.type || refused.message)), `refused with ${refused}`)
  const [ok] = await producer.send({ topic: keyed, messages: [{ value: 'now' }] })
  check(ok.errorCode === 0 && String(ok.baseOffset) === '0', `a current timestamp: ${JSON.stringify(ok)}`)
  await producer.disconnect()

  await admin.disconnect()
}

run(main, Number(process.env.SD_JS_TIMEOUT_MS || 60000))
