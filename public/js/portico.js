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
});
