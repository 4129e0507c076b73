// Progressive enhancement only: every page works without this file.
document.addEventListener('DOMContentLoaded', () => {
  // Resend countdown: enables the button when the server's cooldown is over.
  for (const button of document.querySelectorAll('[data-countdown]')) {
    let left = Number(button.getAttribute('data-countdown')) || 0;
    const label = button.querySelector('[data-countdown-value]');
    if (left <= 0) continue;
    const timer = setInterval(() => {
      left -= 1;
      if (label) label.textContent = String(left);
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = button.getAttribute('data-countdown-done') || 'Resend';
      }
    }, 1000);
  }
  // Copy-to-clipboard buttons: data-copy="#id-of-input".
  for (const button of document.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', async () => {
      const source = document.querySelector(button.getAttribute('data-copy'));
      if (!source) return;
      await navigator.clipboard.writeText(source.value || source.textContent);
      button.textContent = 'Copied';
    });
  }
  // "Are you sure?" before a destructive console button: forms with data-confirm="question" ask in a
  // <dialog> and then send confirmed=yes. Without this script the server shows its own confirm page
  // (src/admin/confirm.ts), so the check never depends on it. data-confirm-when="field": ask only when
  // that checkbox is ticked (the staff row's "disabled").
  // The error banner's links move the focus to their field, not only the scroll position.
  for (const link of document.querySelectorAll('.error-summary a[href^="#"]')) {
    link.addEventListener('click', (event) => {
      const field = document.getElementById(link.getAttribute('href').slice(1));
      if (!field) return;
      event.preventDefault();
      field.focus();
    });
  }
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      const when = form.getAttribute('data-confirm-when');
      if (when && !form.querySelector(`input[name="${when}"]:checked`)) return;
      if (form.querySelector('input[name="confirmed"]')) return;
      event.preventDefault();
      askToConfirm(form);
    });
  }
});

function askToConfirm(form) {
  const dialog = document.createElement('dialog');
  dialog.className = 'confirm-dialog';
  dialog.setAttribute('aria-labelledby', 'confirm-dialog-question');
  const question = document.createElement('p');
  question.id = 'confirm-dialog-question';
  question.textContent = form.getAttribute('data-confirm');
  const buttons = document.createElement('div');
  buttons.className = 'row';
  const yes = document.createElement('button');
  yes.type = 'button';
  yes.className = 'danger';
  yes.textContent = form.getAttribute('data-confirm-button') || 'OK';
  const no = document.createElement('button');
  no.type = 'button';
  no.textContent = document.documentElement.lang === 'de' ? 'Abbrechen' : 'Cancel';
  buttons.append(yes, no);
  dialog.append(question, buttons);
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  no.addEventListener('click', () => dialog.close());
  yes.addEventListener('click', () => {
    const confirmed = document.createElement('input');
    confirmed.type = 'hidden';
    confirmed.name = 'confirmed';
    confirmed.value = 'yes';
    form.append(confirmed);
    dialog.close();
    form.submit();
  });
  dialog.showModal();
  // Cancel has the focus: Enter on a stray key press does not destroy anything.
  no.focus();
}
