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
});

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
