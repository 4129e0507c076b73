// Passkeys in the browser, with @simplewebauthn/browser (served from this site at
// /public/vendor/simplewebauthn-browser.js as window.SimpleWebAuthnBrowser). Each form works as a plain
// form post once the passkey answered: this script asks the server for options, lets the browser show
// its passkey dialog, puts the answer into the hidden `response` field and submits the form.
// Forms stay hidden in browsers without passkeys.
(() => {
  const webauthn = window.SimpleWebAuthnBrowser;
  const supported = Boolean(webauthn && webauthn.browserSupportsWebAuthn());

  async function options(url, form) {
    const token = form.querySelector('input[name=_csrf]').value;
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': token, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ _csrf: token }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(body.error || 'options_failed'), { body });
    return body;
  }

  function showError(form, text) {
    const box = form.querySelector('[data-passkey-error]');
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  // The person closed the dialog, or another ceremony took its place: not an error worth more than a line.
  const cancelled = (error) => error && (error.name === 'NotAllowedError' || error.name === 'AbortError' || error.code === 'ERROR_CEREMONY_ABORTED');

  function submitWith(form, credential) {
    form.querySelector('input[name=response]').value = JSON.stringify(credential);
    form.submit();
  }

  function setUpSignIn(form) {
    const url = form.getAttribute('data-passkey-signin');
    form.hidden = false;
    const button = form.querySelector('[data-passkey-button]');
    button.addEventListener('click', async () => {
      try {
        const optionsJSON = await options(url, form);
        submitWith(form, await webauthn.startAuthentication({ optionsJSON }));
      } catch (error) {
        showError(form, cancelled(error) ? form.getAttribute('data-cancelled') : form.getAttribute('data-unsupported'));
      }
    });
    // Conditional mediation: the passkeys this browser holds for the site show in the email field's
    // autofill (autocomplete="username webauthn"); picking one signs in without the button. Not again on
    // the page that says a passkey just failed: an authenticator that answers by itself would loop.
    const justFailed = new URLSearchParams(window.location.search).has('passkey');
    if (!justFailed && webauthn.browserSupportsWebAuthnAutofill) {
      webauthn.browserSupportsWebAuthnAutofill().then(async (autofill) => {
        if (!autofill) return;
        try {
          const optionsJSON = await options(url, form);
          submitWith(form, await webauthn.startAuthentication({ optionsJSON, useBrowserAutofill: true }));
        } catch {
          // Autofill is an offer, not a step the person took: when it fails (no authenticator, another
          // ceremony took its place) the page says nothing; the button still works and reports its own errors.
        }
      });
    }
  }

  function setUpRegister(form) {
    const url = form.getAttribute('data-passkey-register');
    form.hidden = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const optionsJSON = await options(url, form);
        submitWith(form, await webauthn.startRegistration({ optionsJSON }));
      } catch (error) {
        if (error.body && error.body.signInHref) {
          window.location.assign(error.body.signInHref);
          return;
        }
        showError(form, cancelled(error) ? form.getAttribute('data-cancelled') : form.getAttribute('data-failed'));
      }
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    if (!supported) {
      for (const note of document.querySelectorAll('[data-passkey-unsupported]')) note.hidden = false;
      return;
    }
    for (const offer of document.querySelectorAll('[data-passkey-offer]')) offer.hidden = false;
    for (const form of document.querySelectorAll('form[data-passkey-signin]')) setUpSignIn(form);
    for (const form of document.querySelectorAll('form[data-passkey-register]')) setUpRegister(form);
  });
})();
