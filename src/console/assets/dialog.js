// dialog.js: modal confirmation before anything that changes the broker.
//
// confirmDialog({title, body, confirmLabel, danger, typeToConfirm}) -> Promise<boolean>
// - Resolves true when the confirm button is pressed, false on Cancel or Escape. The dialog is removed after.
// - typeToConfirm: a string the user must type exactly before the confirm button is enabled (deleting a topic).
// - Test ids: confirm-dialog, confirm-input, confirm-ok, confirm-cancel.

import { h } from './dom.js'

export function confirmDialog({ title, body, confirmLabel = 'Confirm', danger = false, typeToConfirm = null }) {
  return new Promise(resolve => {
    let answer = false
    const ok = h('button', {
      type: 'submit',
      class: danger ? 'btn btn-danger' : 'btn btn-primary',
      testid: 'confirm-ok',
      disabled: typeToConfirm !== null,
    }, confirmLabel)
    const input = typeToConfirm === null
      ? null
      : h('input', {
          type: 'text',
          testid: 'confirm-input',
          autocomplete: 'off',
          spellcheck: 'false',
          'aria-label': `type ${typeToConfirm} to confirm`,
          on: { input: e => (ok.disabled = e.target.value !== typeToConfirm) },
        })
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', {}, title),
      h('div', { class: 'dialog-body' }, body),
      input && h('label', { class: 'field' }, h('span', {}, 'Type ', h('code', {}, typeToConfirm), ' to confirm'), input),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', {
          type: 'button',
          class: 'btn',
          testid: 'confirm-cancel',
          on: { click: () => dialog.close() },
        }, 'Cancel'),
        ok
      )
    )
    form.addEventListener('submit', e => {
      e.preventDefault()
      if (ok.disabled) return
      answer = true
      dialog.close()
    })
    const dialog = h('dialog', { class: 'dialog', testid: 'confirm-dialog' }, form)
    dialog.addEventListener('close', () => {
      dialog.remove()
      resolve(answer)
    })
    document.body.append(dialog)
    dialog.showModal()
    ;(input || ok).focus()
  })
}
