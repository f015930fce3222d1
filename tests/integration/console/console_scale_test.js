'use strict'
// The console stays small and usable with many topics and groups: 1,000 topics and 100 groups (small scale;
// 3,000 and 300 with STREAMDOWN_TEST_SCALE=large). The topics and groups pages show 50 rows of the total,
// filter and page; after a tour of every page the JS heap stays under 50 MB, the DOM small, and no HTTP
// answer the page received exceeds 1 MB. Usage: node console_scale_test.js [STREAMDOWN_BINARY] (see lib.js).

const { run, check, waitFor, log, large } = require('./lib')

const TOPICS = large ? 3000 : 1000
const GROUPS = large ? 300 : 100
const HEAP_LIMIT = 50 * 1024 * 1024
const pad = (n, w) => String(n).padStart(w, '0')
const topicName = i => `t-${pad(i, 4)}`
const groupName = i => `g-${pad(i, 3)}`

run('console_scale', async t => {
  const broker = await t.broker(['group.initial.rebalance.delay.ms=0'])

  // The topics: CreateTopics requests of 1,000 topics each (kafkajs admin).
  const admin = broker.kafka('console-scale').admin()
  await admin.connect()
  const started = Date.now()
  for (let from = 0; from < TOPICS; from += 1000) {
    const created = await admin.createTopics({
      topics: [...Array(Math.min(1000, TOPICS - from)).keys()].map(i => ({ topic: topicName(from + i), numPartitions: 1 })),
      waitForLeaders: false,
      timeout: 60000,
    })
    check(created, `createTopics created topics ${from}..`)
  }
  await admin.disconnect()
  log(`created ${TOPICS} topics in ${Date.now() - started} ms`)

  // Records on a few topics, and the groups: committed offsets per group (the CLI, a few at a time).
  for (let i = 0; i < 5; i++) await broker.produce(topicName(i), [...Array(20).keys()].map(j => `r-${j}`))
  const groupsStarted = Date.now()
  const queue = [...Array(GROUPS).keys()]
  await Promise.all([...Array(6)].map(async () => {
    while (queue.length) {
      const i = queue.shift()
      await broker.sd('group', 'reset-offsets', groupName(i), '-t', topicName(i % 5), '--to-offset', String(i % 20))
    }
  }))
  log(`committed offsets for ${GROUPS} groups in ${Date.now() - groupsStarted} ms`)

  const b = await t.browser(broker)
  const page = b.page
  const count = sel => page.locator(sel).count()
  const attr = (sel, name) => page.locator(sel).first().getAttribute(name)

  // Topics: 50 rows of the total, the next page, a filter.
  await b.goto('#/topics')
  await waitFor(`50 topic rows of ${TOPICS}`, async () =>
    (await count('[data-testid=topic-row]')) === 50 && Number(await attr('[data-testid=topics-table-summary]', 'data-total')) >= TOPICS,
  { timeoutMs: 30000 })
  await b.screenshot('topics')
  const firstPage = await page.locator('[data-testid=topic-row]').evaluateAll(r => r.map(x => x.dataset.topic))
  await page.click('[data-testid=topics-table-next]')
  await waitFor('the second page of topics', async () => {
    const names = await page.locator('[data-testid=topic-row]').evaluateAll(r => r.map(x => x.dataset.topic))
    return names.length === 50 && !names.some(n => firstPage.includes(n)) &&
      /^51\u201310\d of /.test((await page.locator('[data-testid=topics-table-summary]').textContent()))
  })
  const last = topicName(TOPICS - 1)
  await page.fill('[data-testid=topics-table-filter]', last)
  await waitFor(`the filter finding ${last} alone`, async () =>
    (await count('[data-testid=topic-row]')) === 1 && (await attr('[data-testid=topic-row]', 'data-topic')) === last)
  await page.fill('[data-testid=topics-table-filter]', '')
  await waitFor('the first page again', async () => (await count('[data-testid=topic-row]')) === 50)
  const domNodes = await page.evaluate(() => document.getElementsByTagName('*').length)
  log(`topics page: ${domNodes} DOM elements`)
  check(domNodes < 3000, `the topics page stays small (${domNodes} elements)`)

  // One topic with records.
  await b.goto(`#/topics/${topicName(0)}`)
  await waitFor('the records of t-0000', async () => (await count('[data-testid=records-table] [data-testid=record-row]')) === 20)

  // Groups: 50 rows of the total, a filter, one group's page.
  await b.goto('#/groups')
  await waitFor(`50 group rows of ${GROUPS}`, async () =>
    (await count('[data-testid=group-row]')) === 50 && Number(await attr('[data-testid=groups-table-summary]', 'data-total')) >= GROUPS)
  await b.screenshot('groups')
  const g = groupName(GROUPS - 1)
  await page.fill('[data-testid=groups-table-filter]', g)
  await waitFor(`the filter finding ${g} alone`, async () =>
    (await count('[data-testid=group-row]')) === 1 && (await attr('[data-testid=group-row]', 'data-group')) === g)
  await page.click(`[data-testid=group-row][data-group="${g}"] a`)
  const expectedLag = 20 - ((GROUPS - 1) % 20)
  await waitFor(`the lag of ${g} (${expectedLag})`, async () => (await attr('[data-testid=offset-row] [data-col=lag]', 'data-value')) === String(expectedLag))
  await b.screenshot('group')

  // The overview and alerts, polling for a while.
  await b.goto('#/overview')
  const points = async () => Number(await attr('[data-testid=chart-connections]', 'data-points'))
  await waitFor('overview charts', async () => (await points()) > 0)
  const before = await points()
  await waitFor('five more seconds of points appended by polling', async () => (await points()) >= before + 5, { timeoutMs: 30000 })
  await b.screenshot('overview')
  await b.goto('#/alerts')
  await waitFor('the alerts page', async () => (await count('[data-testid=alerts-table]')) === 1)
  await b.goto('#/topics')
  await waitFor('topics again', async () => (await count('[data-testid=topic-row]')) === 50)

  await b.cdp.send('HeapProfiler.collectGarbage')
  const heap = await b.heapBytes()
  log(`JS heap in use: ${(heap / 1048576).toFixed(1)} MB; ${b.responses} responses, largest ${b.largest.bytes} bytes (${b.largest.url})`)
  check(heap < HEAP_LIMIT, `JS heap ${heap} bytes under ${HEAP_LIMIT}`)
  check(b.responses > 20 && b.largest.bytes > 0, 'responses were measured')
  check(await page.locator('[data-testid=conn-banner]').isHidden(), 'no connection banner')
  b.assertClean() // includes: no answer over 1 MB, no request off the broker, no console error
}, 170000)
