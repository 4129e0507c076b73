// Backpressure on the sign-in request (lib/background.ts): while the work after earlier answers is
// backed up past its high-water mark, a new request for a sign-in mail is not answered (and so not
// accepted) until the queue has come down; then it is answered as usual and its mail goes out.
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createContact } from '../helpers/factories.js';
import { csrfFor } from '../helpers/http.js';
import { BACKGROUND_DEFAULTS } from '../../src/lib/background.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

it('answers only once the queue has come down, then mails as usual', async () => {
  const contact = await createContact(t.services.db, { email: `backed-up-${Date.now()}@contoso.example` });
  const agent = t.agent();
  const _csrf = await csrfFor(agent);
  // Work that holds until released: as many as run at once, and as many again as may wait.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  for (let i = 0; i < BACKGROUND_DEFAULTS.concurrency + BACKGROUND_DEFAULTS.highWater; i++) void t.services.background.run('test.hold', () => gate);

  let answered = false;
  const response = agent
    .post('/signin/email')
    .type('form')
    .send({ _csrf, email: contact.email })
    .then((res) => {
      answered = true;
      return res;
    });
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(answered).toBe(false);
  } finally {
    release(); // also when the check failed: the held work must not outlive the test
  }
  const res = await response;
  expect(res.status).toBe(200);
  expect(res.text).toContain(contact.email);
  await t.settle();
  expect((await t.smtp.waitForMail(contact.email)).subject).toBeTruthy();
});
