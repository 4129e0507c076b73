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
  showDatesInBrowserZone();
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

// Dates in the viewer's time zone. The server writes each date as <time datetime="…"> in the zone the
// body names (data-time-zone: the cookie's, else UTC). When the browser's own zone differs, this tells
// the server (the cookie, checked there against the zones it knows) for the next pages, and rewrites
// this page's dates in the same form the server uses (lib/date-time.ts): 2026-12-03 09:43 GMT+1 in
// English, 03.12.2026, 09:43 MEZ in German.
function showDatesInBrowserZone() {
  const root = document.documentElement;
  const cookie = document.body.getAttribute('data-time-zone-cookie');
  let zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return;
  }
  if (!cookie || !zone || zone === document.body.getAttribute('data-time-zone')) return;
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `${cookie}=${encodeURIComponent(zone)}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
  const lang = root.lang === 'de' ? 'de' : 'en';
  const format = new Intl.DateTimeFormat(lang, {
    timeZone: zone,
    numberingSystem: 'latn',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  for (const element of document.querySelectorAll('time[datetime]')) {
    const at = new Date(element.getAttribute('datetime'));
    if (Number.isNaN(at.getTime())) continue;
    const p = {};
    for (const { type, value } of format.formatToParts(at)) p[type] = value;
    // The server shows seconds only where they matter (logs); keep what it chose.
    const clock = `${p.hour}:${p.minute}${/\d\d:\d\d:\d\d/.test(element.textContent) ? `:${p.second}` : ''}`;
    element.textContent =
      lang === 'de' ? `${p.day}.${p.month}.${p.year}, ${clock} ${p.timeZoneName}` : `${p.year}-${p.month}-${p.day} ${clock} ${p.timeZoneName}`;
  }
}
