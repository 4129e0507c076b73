// One way to write Portico's own mails: sender and portal name from the settings (a company's own name
// wins, an empty one does not), links on the base URL, discardAfter passed through.
import type { BrandService, MailBrand } from '../../src/brand/service.js';
import type { Db } from '../../src/db/index.js';
import { createMailComposer } from '../../src/mail/compose.js';
import type { Outbox, QueueMail } from '../../src/mail/outbox.js';
import type { TemplateName } from '../../src/mail/templates.js';
import type { SettingsService } from '../../src/settings/service.js';

const configured = {
  enabled: true,
  portalName: 'Client Portal',
  fromName: 'MSP Support',
  fromAddress: 'portal@msp.example',
  tokenMinutes: 10,
  resendCooldownSeconds: 60,
};

const mailBrand: MailBrand = {
  name: 'Client Portal',
  accentColor: '#1d4ed8',
  logoSrc: null,
  support: { phone: '', address: '', url: '' },
  hasSupport: false,
  poweredBy: false,
};

function setUp() {
  const queued: Array<QueueMail<TemplateName>> = [];
  const reads: unknown[] = [];
  let notified = 0;
  const trx = {} as Db;
  const db = { transaction: async (run: (trx: Db) => Promise<unknown>) => run(trx) } as unknown as Db;
  const outbox = { enqueue: async (_db: Db, mail: QueueMail<TemplateName>) => queued.push(mail), notify: () => (notified += 1) } as unknown as Outbox;
  const settings = { get: async (_key: string, through?: Db) => (reads.push(through), configured) } as unknown as SettingsService;
  // The brand of the recipient's company (issue 17): what the composer asked for is recorded.
  const brandAsked: unknown[] = [];
  const brand = {
    forMail: async (companyId: unknown) => (brandAsked.push(companyId), { brand: mailBrand, attachments: [] }),
  } as unknown as BrandService;
  const mail = createMailComposer({ db, outbox, settings, brand, baseUrl: new URL('https://portal.msp.example/') });
  return { mail, queued, reads, trx, brandAsked, notified: () => notified };
}

it('builds links on the base URL', () => {
  const { mail } = setUp();
  expect(mail.link('/signin/verify', { token: 'a b' })).toBe('https://portal.msp.example/signin/verify?token=a+b');
  expect(mail.link('/signin')).toBe('https://portal.msp.example/signin');
});

it('fills in the sender and the portal name, read through the transaction', async () => {
  const { mail, queued, reads, trx, brandAsked } = setUp();
  const discardAfter = new Date('2030-01-01T00:00:00Z');
  await mail.queue(trx, {
    to: 'a@contoso.example',
    template: 'magic-link',
    portalName: 'Contoso Portal',
    companyId: 7,
    data: { link: 'x', minutes: 5, email: 'a@contoso.example' },
    discardAfter,
  });
  await mail.queue(trx, {
    to: 'b@contoso.example',
    template: 'invitation',
    portalName: '',
    data: { portalUrl: 'y', email: 'b@contoso.example', firstName: 'B' },
  });
  expect(reads).toEqual([trx, trx]);
  expect(brandAsked).toEqual([7, undefined]);
  expect(queued[0]).toEqual({
    to: 'a@contoso.example',
    from: { name: 'MSP Support', address: 'portal@msp.example' },
    template: 'magic-link',
    data: { link: 'x', minutes: 5, email: 'a@contoso.example', portalName: 'Contoso Portal', brand: { ...mailBrand, name: 'Contoso Portal' } },
    attachments: [],
    discardAfter,
  });
  expect(queued[1]).toMatchObject({ template: 'invitation', data: { portalName: 'Client Portal' }, discardAfter: undefined });
});

it('uses settings the caller read already, and send() queues on its own and wakes the worker', async () => {
  const { mail, queued, reads, notified } = setUp();
  await mail.send({
    to: 'me@msp.example',
    template: 'test-mail',
    sender: { ...configured, portalName: 'Read Before' },
    data: { fromName: 'MSP Support', fromAddress: 'portal@msp.example' },
  });
  expect(reads).toEqual([]);
  expect(queued[0]).toMatchObject({ to: 'me@msp.example', data: { portalName: 'Read Before' } });
  expect(notified()).toBe(1);
});
