'use strict'
// The console shows what the broker holds: topic record counts, records (text, pretty JSON, binary as hex,
// headers), a group's lag per partition equal to `streamdown group describe`, the lag chart following a
// consumer that catches up, the "no member" stall of a group whose consumer was killed, an alert firing, the
// live tail and the overview charts. Usage: node console_pages_test.js [STREAMDOWN_BINARY] (see lib.js).

const { run, check, waitFor, log, startProcess, binary } = require('./lib')
const path = require('path')

const TOPIC = 'orders'
const PER_PARTITION = 60
const jsonValue = i => JSON.stringify({ id: i, item: 'widget', tags: ['a', 'b'], price: { amount: i * 3, currency: 'EUR' } })
const binaryValue = i => Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80 + (i % 64)])

run('console_pages', async t => {
  const broker = await t.broker([
    'group.initial.rebalance.delay.ms=0',
    'streamdown.alerts.eval.interval.ms=500',
    'alert.0.name=lag-high',
    'alert.0.kind=consumer_lag_records',
    'alert.0.group=billing',
    'alert.0.threshold=20',
    'alert.0.for_seconds=0',
  ])
  await broker.sd('topic', 'create', TOPIC, '--partitions', '3')
  const idx = [...Array(PER_PARTITION).keys()]
  await broker.produce(TOPIC, idx.map(i => `key-${i}:order-${i}`), { partition: 0, keyDelim: ':' })
  await broker.produce(TOPIC, idx.map(jsonValue), { partition: 1 })
  await broker.produce(TOPIC, idx.map(binaryValue), { partition: 2, headers: ['source=kcat-test'] })
  log('produced', 3 * PER_PARTITION, 'records')

  const b = await t.browser(broker)
  const page = b.page
  const text = async sel => (await page.locator(sel).first().textContent())?.trim()
  const count = sel => page.locator(sel).count()

  // 1. The topics page: the topic, its partitions and its record count.
  await b.goto('#/topics')
  const row = `[data-testid=topic-row][data-topic="${TOPIC}"]`
  await waitFor('the topic row with 3 partitions and 180 records', async () =>
    (await count(row)) === 1 && (await text(`${row} [data-col=partitions]`)) === '3' &&
    (await text(`${row} [data-col=records]`)) === String(3 * PER_PARTITION))
  check((await text('[data-testid=conn-status]')) === 'connected', 'the connection indicator says connected')
  await b.screenshot('topics')

  // 2. The topic page and its record browser.
  await page.click(`${row} a`)
  await waitFor('three partition rows with 60 records each', async () => {
    const cells = await page.locator('[data-testid=partition-row] [data-col=records]').allTextContents()
    return cells.length === 3 && cells.every(c => c.trim() === String(PER_PARTITION))
  })
  check((await text('[data-testid=topic-records] .tile-value')) === '180', 'the topic summary counts 180 records')
  const rec = '[data-testid=records-table] [data-testid=record-row]'
  await waitFor('the first page of partition 0 (50 records)', async () => (await count(rec)) === 50)
  check((await page.locator(rec).first().getAttribute('data-offset')) === '0', 'the first page starts at offset 0')
  check((await text(`${rec} [data-col=key] pre`)) === 'key-0', 'the key is shown as text')
  check((await text(`${rec} [data-col=value] pre`)) === 'order-0', 'the value is shown as text')
  check((await page.locator(`${rec} [data-col=value] pre`).first().getAttribute('data-kind')) === 'text', 'text kind')
  await page.click('[data-testid=rb-next]')
  await waitFor('the second page (offsets 50..59)', async () =>
    (await count(rec)) === 10 && (await page.locator(rec).first().getAttribute('data-offset')) === '50')
  check(await page.locator('[data-testid=rb-next]').isDisabled(), 'no page after the end')
  await page.click('[data-testid=rb-prev]')
  await waitFor('back to the first page', async () =>
    (await count(rec)) === 50 && (await page.locator(rec).first().getAttribute('data-offset')) === '0')

  await page.selectOption('[data-testid=rb-partition]', '1')
  await page.click('[data-testid=rb-read]')
  const pretty = JSON.stringify(JSON.parse(jsonValue(0)), null, 2)
  await waitFor('partition 1: a JSON value pretty-printed', async () =>
    (await page.locator(`${rec}[data-partition="1"] [data-col=value] pre`).first().getAttribute('data-kind')) === 'json' &&
    (await page.locator(`${rec} [data-col=value] pre`).first().textContent()) === pretty)

  await page.selectOption('[data-testid=rb-partition]', '2')
  await page.click('[data-testid=rb-read]')
  await waitFor('partition 2: a binary value as hex, with its header', async () =>
    (await page.locator(`${rec}[data-partition="2"] [data-col=value] pre`).first().getAttribute('data-kind')) === 'hex' &&
    (await text(`${rec} [data-col=value] pre`)) === '00 01 ff fe 80' &&
    (await text(`${rec} [data-col=headers]`)) === 'source: kcat-test')
  await b.screenshot('topic-records-binary')

  await page.selectOption('[data-testid=rb-partition]', '0')
  await page.selectOption('[data-testid=rb-mode]', 'offset')
  await page.fill('[data-testid=rb-offset]', '55')
  await page.click('[data-testid=rb-read]')
  await waitFor('reading from offset 55 (5 records)', async () =>
    (await count(rec)) === 5 && (await page.locator(rec).first().getAttribute('data-offset')) === '55')
  await page.selectOption('[data-testid=rb-mode]', 'time')
  await page.fill('[data-testid=rb-time]', '2099-01-01T00:00:00')
  await page.click('[data-testid=rb-read]')
  await waitFor('no records after a future time', async () =>
    (await count(rec)) === 0 && (await count('[data-testid=records-table] tr.empty')) === 1)
  await page.fill('[data-testid=rb-time]', '2001-01-01T00:00:00')
  await page.click('[data-testid=rb-read]')
  await waitFor('records from offset 0 after a past time', async () =>
    (await count(rec)) === 50 && (await page.locator(rec).first().getAttribute('data-offset')) === '0')
  await page.selectOption('[data-testid=rb-partition]', '1')
  await page.selectOption('[data-testid=rb-mode]', 'earliest')
  await page.click('[data-testid=rb-read]')
  await waitFor('partition 1 again', async () => (await page.locator(rec).first().getAttribute('data-partition')) === '1')
  await b.screenshot('topic')

  // 3. Lag per partition equals `streamdown group describe`.
  await broker.sd('group', 'reset-offsets', 'billing', '-t', TOPIC, '--to-offset', '5')
  await b.goto('#/groups/billing')
  const lagRows = '[data-testid=offset-row]'
  let cli
  await waitFor('the console lag table to equal `streamdown group describe billing`', async () => {
    cli = JSON.parse(await broker.sd('group', 'describe', 'billing', '--json'))
    const shown = await page.locator(lagRows).evaluateAll(rows => rows.map(r => ({
      topic: r.dataset.topic,
      partition: Number(r.dataset.partition),
      committed: r.querySelector('[data-col=committed]').textContent.replace(/,/g, ''),
      end: r.querySelector('[data-col=end]').textContent.replace(/,/g, ''),
      lag: r.querySelector('[data-col=lag]').dataset.value,
    })))
    if (shown.length !== cli.partitions.length) return false
    return cli.partitions.every(p => {
      const s = shown.find(x => x.topic === p.topic && x.partition === p.partition)
      return s && s.committed === String(p.committed_offset) && s.end === String(p.end_offset) && s.lag === String(p.lag)
    })
  })
  check(cli.total_lag === 3 * (PER_PARTITION - 5), `the CLI reports the expected lag (${cli.total_lag})`)
  check((await text('[data-testid=group-total-lag] .tile-value')) === String(cli.total_lag), 'the total lag tile')
  log('lag per partition matches the CLI:', cli.partitions.map(p => p.lag).join(','))

  // 4. The lag chart follows a consumer that catches up.
  const lagChart = page.locator('[data-testid=chart-lag]')
  await waitFor('the lag chart at the full lag', async () => (await lagChart.getAttribute('data-last')) === String(cli.total_lag))
  const pointsBefore = Number(await lagChart.getAttribute('data-points'))
  await b.screenshot('group-lagging')

  // 6. (while lagging) The alert on the group's lag fires.
  await b.goto('#/alerts')
  await waitFor('the lag-high alert firing', async () =>
    (await page.locator('[data-testid=alert-row][data-rule="lag-high"]').getAttribute('data-state')) === 'firing')
  await waitFor('its transition to firing listed', async () =>
    (await count('[data-testid=transition-row][data-rule="lag-high"][data-to="firing"]')) >= 1)
  await waitFor('the firing count in the nav', async () => (await text('[data-testid=alert-badge]')) === '1')
  await b.screenshot('alerts')

  await b.goto('#/groups/billing')
  await waitFor('the lag chart again', async () => (await lagChart.getAttribute('data-last')) === String(cli.total_lag))
  const consumer = startProcess(binary, ['consume', '-t', TOPIC, '-g', 'billing', '--exit-at-end',
    '-b', broker.bootstrap, '-X', 'session.timeout.ms=6000'], path.join(t.dir, 'consumer-billing.log'))
  check((await consumer.exited) === 0, 'the catching-up consumer exits 0')
  await waitFor('the lag chart down to 0 as the consumer caught up', async () => (await lagChart.getAttribute('data-last')) === '0',
    { timeoutMs: 30000 })
  check(Number(await lagChart.getAttribute('data-points')) > pointsBefore, 'the chart gained points')
  await waitFor('every partition at lag 0 in the table', async () => {
    const lags = await page.locator(`${lagRows} [data-col=lag]`).evaluateAll(c => c.map(x => x.dataset.value))
    return lags.length === 3 && lags.every(v => v === '0')
  })
  await b.screenshot('group-caught-up')

  // 5. A consumer killed with SIGKILL: after its session timeout the group has no member, and partitions with
  // lag say so.
  const stalled = startProcess(binary, ['consume', '-t', TOPIC, '-g', 'stalled', '--from-beginning',
    '-b', broker.bootstrap, '-X', 'session.timeout.ms=6000'], path.join(t.dir, 'consumer-stalled.log'))
  await waitFor('group "stalled" known to the broker', async () =>
    (await broker.getJson('/v1/groups')).some(g => g.id === 'stalled'), { timeoutMs: 30000 })
  await b.goto('#/groups/stalled')
  await waitFor('the running consumer as a member, caught up', async () => {
    const lags = await page.locator(`${lagRows} [data-col=lag]`).evaluateAll(c => c.map(x => x.dataset.value))
    return (await count('[data-testid=member-row]')) === 1 && lags.length === 3 && lags.every(v => v === '0')
  }, { timeoutMs: 40000 })
  await b.screenshot('group-with-member')
  process.kill(stalled.pid, 'SIGKILL')
  await stalled.exited
  log('killed the consumer of group "stalled" with SIGKILL')
  for (let p = 0; p < 3; p++) await broker.produce(TOPIC, ['late-1', 'late-2'], { partition: p })
  await waitFor('the group without members after the session timeout', async () =>
    (await count('[data-testid=member-row]')) === 0 && (await count(lagRows)) === 3, { timeoutMs: 40000 })
  await waitFor('the stall diagnosis "no member" on every partition', async () => {
    const cells = await page.locator(`${lagRows} [data-col=stall]`).evaluateAll(c =>
      c.map(x => ({ reason: x.dataset.reason, text: x.textContent })))
    return cells.length === 3 && cells.every(c => c.reason === 'no_member' && c.text.includes('no member'))
  })
  await b.screenshot('group-no-member')

  // The live tail shows records produced while it is open.
  await b.goto(`#/topics/${TOPIC}`)
  await page.check('[data-testid=rb-tail]')
  await waitFor('the live tail connected', async () => /live/.test(await text('[data-testid=tail-status]')))
  await broker.produce(TOPIC, ['tail-1', 'tail-2', 'tail-3'], { partition: 1 })
  await waitFor('the tailed records', async () => {
    const values = await page.locator('[data-testid=tail-table] [data-testid=record-row] [data-col=value] pre').allTextContents()
    return values.length === 3 && values[0] === 'tail-3' && values[2] === 'tail-1'
  })
  await b.screenshot('topic-live-tail')
  await page.uncheck('[data-testid=rb-tail]')

  // The overview: tiles and charts with data, latency percentiles included.
  await b.goto('#/overview')
  await waitFor('produce records in the overview chart and tile', async () =>
    Number(await page.locator('[data-testid=chart-records]').getAttribute('data-points')) > 0 &&
    (await page.locator('[data-testid=tile-produce_records_per_second]').getAttribute('data-value')) !== '')
  for (const s of ['produce_latency_p50_seconds', 'produce_latency_p99_seconds', 'fetch_latency_p99_seconds', 'connections',
    'memory_in_use_bytes', 'log_bytes', 'disk_free_bytes']) {
    await waitFor(`the overview tile ${s}`, async () => {
      const v = await page.locator(`[data-testid="tile-${s}"]`).getAttribute('data-value')
      return v !== null && v !== '' && Number.isFinite(Number(v))
    })
  }
  check(Number(await page.locator('[data-testid=tile-log_bytes]').getAttribute('data-value')) > 0, 'logs use disk')
  await b.screenshot('overview')
  check(await page.locator('[data-testid=conn-banner]').isHidden(), 'no connection banner')
  b.assertClean()
  log(`${b.responses} responses, largest ${b.largest.bytes} bytes (${b.largest.url})`)
}, 170000)
