'use strict'
// What the console changes, checked with the CLI: create a topic, alter its retention and delete it (confirm
// dialogs, cancel included), reset a group's offsets (and the refusal while the group has a member), and the
// connection banner while the broker does not answer. Usage: node console_actions_test.js [STREAMDOWN_BINARY].

const { run, check, waitFor, log, startProcess, binary } = require('./lib')
const path = require('path')

run('console_actions', async t => {
  const broker = await t.broker(['group.initial.rebalance.delay.ms=0'])
  await broker.sd('topic', 'create', 'keep', '--partitions', '1')
  await broker.produce('keep', [...Array(30).keys()].map(i => `keep-${i}`))
  await broker.sd('consume', '-t', 'keep', '-g', 'resetme', '--from-beginning', '--exit-at-end', '-X', 'session.timeout.ms=6000')

  const b = await t.browser(broker)
  const page = b.page
  const text = async sel => (await page.locator(sel).first().textContent())?.trim()
  const count = sel => page.locator(sel).count()
  const describe = async name => JSON.parse(await broker.sd('topic', 'describe', name, '--json'))
  const retentionOf = d => { const c = d.configs['retention.ms']; return c && typeof c === 'object' ? c.value : c }
  const dialog = '[data-testid=confirm-dialog]'

  // Create a topic through the form.
  const NAME = 'made-in-ui'
  await b.goto('#/topics')
  await page.click('[data-testid=create-topic-open]')
  await page.fill('[data-testid=create-topic-name]', NAME)
  await page.fill('[data-testid=create-topic-partitions]', '4')
  await page.fill('[data-testid=create-topic-retention]', '3600000')
  await b.screenshot('create-topic-form')
  await page.click('[data-testid=create-topic-submit]')
  await waitFor('the new topic page', async () => page.url().endsWith(`#/topics/${NAME}`))
  await waitFor('four partitions listed', async () => (await count('[data-testid=partition-row]')) === 4)
  let d = await describe(NAME)
  check(d.partitions.length === 4, `the broker has 4 partitions (${d.partitions.length})`)
  check(retentionOf(d) === '3600000', `retention.ms override 3600000 (${JSON.stringify(d.configs)})`)
  const retentionCell = '[data-testid=config-row][data-key="retention.ms"] [data-col=value]'
  await waitFor('the retention override shown', async () => (await text(retentionCell))?.startsWith('3600000'))

  // The same name again: the broker's refusal is shown.
  await b.goto('#/topics')
  await page.click('[data-testid=create-topic-open]')
  await page.fill('[data-testid=create-topic-name]', NAME)
  b.expectHttpError(409, '/v1/topics')
  await page.click('[data-testid=create-topic-submit]')
  await waitFor('the "already exists" error', async () =>
    /could not create/.test(await text('[data-testid=create-topic-result]')) &&
    /topic_already_exists|already exists/.test(await text('[data-testid=create-topic-result]')))
  await b.screenshot('create-topic-exists')

  // Alter retention: Cancel changes nothing, Confirm changes it.
  await b.goto(`#/topics/${NAME}`)
  await page.fill('[data-testid=retention-input]', '86400000')
  await page.click('[data-testid=retention-apply]')
  await page.locator(dialog).waitFor()
  await page.click('[data-testid=confirm-cancel]')
  await waitFor('the dialog closed', async () => (await count(dialog)) === 0)
  check(retentionOf(await describe(NAME)) === '3600000', 'cancel left retention.ms alone')
  await page.fill('[data-testid=retention-input]', '7200000')
  await page.click('[data-testid=retention-apply]')
  await page.locator(dialog).waitFor()
  check(/7200000/.test(await text(dialog)), 'the dialog names the new value')
  await b.screenshot('alter-retention-dialog')
  await page.click('[data-testid=confirm-ok]')
  await waitFor('the retention change confirmed', async () => /retention.ms set to 7200000/.test(await text('[data-testid=retention-result]')))
  d = await describe(NAME)
  check(retentionOf(d) === '7200000', `the broker has retention.ms 7200000 (${JSON.stringify(d.configs)})`)
  await waitFor('the new retention shown', async () => (await text(retentionCell))?.startsWith('7200000'))

  // Delete: the button stays disabled until the exact name is typed.
  await page.click('[data-testid=delete-topic]')
  await page.locator(dialog).waitFor()
  check(await page.locator('[data-testid=confirm-ok]').isDisabled(), 'delete disabled before typing the name')
  await page.fill('[data-testid=confirm-input]', NAME.slice(0, -1))
  check(await page.locator('[data-testid=confirm-ok]').isDisabled(), 'delete disabled with a wrong name')
  await page.fill('[data-testid=confirm-input]', NAME)
  check(await page.locator('[data-testid=confirm-ok]').isEnabled(), 'delete enabled with the name')
  await b.screenshot('delete-topic-dialog')
  await page.click('[data-testid=confirm-ok]')
  await waitFor('back on the topics page', async () => page.url().endsWith('#/topics'))
  await page.fill('[data-testid=topics-table-filter]', NAME)
  await waitFor('the topic gone from the list', async () =>
    (await count(`[data-testid=topic-row][data-topic="${NAME}"]`)) === 0 &&
    (await page.locator('[data-testid=topics-table-summary]').getAttribute('data-total')) === '0')
  const listed = JSON.parse(await broker.sd('topic', 'list', '--json'))
  check(!listed.some(x => x.name === NAME), 'the broker no longer lists the topic')
  check(listed.some(x => x.name === 'keep'), 'the other topic is still there')
  await page.fill('[data-testid=topics-table-filter]', '')

  // Reset offsets of an empty group: to earliest, then one partition to an offset.
  const lagCell = '[data-testid=offset-row][data-topic="keep"][data-partition="0"] [data-col=lag]'
  const cliLag = async g => JSON.parse(await broker.sd('group', 'describe', g, '--json')).partitions.find(p => p.topic === 'keep').lag
  await b.goto('#/groups/resetme')
  await waitFor('group resetme caught up', async () => (await page.locator(lagCell).getAttribute('data-value')) === '0')
  await page.selectOption('[data-testid=reset-to]', 'earliest')
  await page.click('[data-testid=reset-submit]')
  await page.locator(dialog).waitFor()
  await b.screenshot('reset-offsets-dialog')
  await page.click('[data-testid=confirm-ok]')
  await waitFor('the reset reported', async () => /offsets reset/.test(await text('[data-testid=reset-result]')))
  await waitFor('lag 30 after resetting to earliest', async () => (await page.locator(lagCell).getAttribute('data-value')) === '30')
  check((await cliLag('resetme')) === 30, 'the CLI sees lag 30')
  await page.selectOption('[data-testid=reset-to]', 'offset')
  await page.fill('[data-testid=reset-offset]', '10')
  await page.selectOption('[data-testid=reset-topic]', 'keep')
  await page.fill('[data-testid=reset-partition]', '0')
  await page.click('[data-testid=reset-submit]')
  await page.locator(dialog).waitFor()
  check(/keep partition 0/.test(await text(dialog)) && /offset 10/.test(await text(dialog)), 'the dialog says what will change')
  await page.click('[data-testid=confirm-ok]')
  await waitFor('lag 20 after resetting to offset 10', async () => (await page.locator(lagCell).getAttribute('data-value')) === '20')
  check((await cliLag('resetme')) === 20, 'the CLI sees lag 20')
  await b.screenshot('reset-offsets-done')

  // A group with a running member: the broker refuses, and the page says why.
  const busy = startProcess(binary, ['consume', '-t', 'keep', '-g', 'busy', '--from-beginning', '-b', broker.bootstrap,
    '-X', 'session.timeout.ms=6000'], path.join(t.dir, 'consumer-busy.log'))
  await waitFor('group busy with a member', async () => {
    try {
      return (await broker.getJson('/v1/groups/busy')).members.length === 1
    } catch {
      return false
    }
  }, { timeoutMs: 30000 })
  await b.goto('#/groups/busy')
  await waitFor('the member listed', async () => (await count('[data-testid=member-row]')) === 1)
  b.expectHttpError(409, '/v1/groups/busy/offsets')
  await page.selectOption('[data-testid=reset-to]', 'earliest')
  await page.click('[data-testid=reset-submit]')
  await page.locator(dialog).waitFor()
  check(/1 member/.test(await text(dialog)), 'the dialog warns about the member')
  await page.click('[data-testid=confirm-ok]')
  await waitFor('the refusal shown', async () =>
    (await count('[data-testid=reset-result] .msg-error')) === 1 && /refused/.test(await text('[data-testid=reset-result]')))
  await b.screenshot('reset-offsets-refused')
  process.kill(busy.pid, 'SIGKILL')
  await busy.exited

  // The broker stops answering (SIGSTOP): the banner appears; it goes away with the next answer (SIGCONT).
  await b.goto('#/topics')
  await waitFor('topics listed', async () => (await count('[data-testid=topic-row]')) >= 1)
  process.kill(broker.pid, 'SIGSTOP')
  log('broker stopped (SIGSTOP)')
  try {
    await waitFor('the connection banner', async () =>
      (await page.locator('[data-testid=conn-banner]').isVisible()) &&
      (await page.locator('[data-testid=conn-status]').getAttribute('data-state')) === 'down', { timeoutMs: 30000 })
    await b.screenshot('broker-unreachable')
  } finally {
    process.kill(broker.pid, 'SIGCONT')
    log('broker continued (SIGCONT)')
  }
  await waitFor('the banner gone after the next answer', async () =>
    (await page.locator('[data-testid=conn-banner]').isHidden()) &&
    (await page.locator('[data-testid=conn-status]').getAttribute('data-state')) === 'up', { timeoutMs: 30000 })
  b.assertClean()
}, 170000)
