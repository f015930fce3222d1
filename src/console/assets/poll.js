// poll.js: a bounded poll loop. Contract:
// - fn(signal) runs, is awaited, then the loop sleeps intervalMs and runs it again: never two runs at once, so
//   a loop has at most one request in flight (each request has its own timeout in api.js).
// - While the document is hidden the loop waits (no requests) and runs as soon as it is visible again.
// - signal (the page's AbortSignal) ends the loop; the run in progress sees the same signal and is aborted.
// - refresh() runs fn again now (after an action changed something), or right after the current run.
// - fn should handle its own errors; an exception that escapes is passed to onError (console-free).

export function pollLoop(fn, intervalMs, signal, onError = () => {}) {
  let wake = null
  let again = false

  const sleep = ms =>
    new Promise(resolve => {
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        wake = null
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
      wake = done
    })

  const visible = () =>
    new Promise(resolve => {
      if (!document.hidden || signal.aborted) return resolve()
      const done = () => {
        if (document.hidden && !signal.aborted) return
        document.removeEventListener('visibilitychange', done)
        signal.removeEventListener('abort', done)
        wake = null
        resolve()
      }
      document.addEventListener('visibilitychange', done)
      signal.addEventListener('abort', done, { once: true })
      wake = () => {} // a refresh while hidden waits for visibility like the loop does
    })

  ;(async () => {
    while (!signal.aborted) {
      await visible()
      if (signal.aborted) break
      again = false
      try {
        await fn(signal)
      } catch (e) {
        if (!signal.aborted) onError(e)
      }
      if (signal.aborted) break
      if (!again) await sleep(intervalMs)
    }
  })()

  return {
    refresh() {
      again = true
      if (wake) wake()
    },
  }
}
