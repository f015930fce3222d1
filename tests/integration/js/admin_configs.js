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

  await admin.disconnect()
}

run(main, Number(process.env.SD_JS_TIMEOUT_MS || 60000))
