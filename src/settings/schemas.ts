// What a technician may change, with defaults and the rules the console validates against.
import { z } from 'zod';
import { singleLineText } from '../lib/text-rules.js';

const headerSafe = (label: string) => (v: string) => !/[\r\n]/.test(v) || `${label} cannot contain line breaks`;

export const mailTokenSettingsSchema = z.object({
  enabled: z.boolean(),
  portalName: z
    .string()
    .trim()
    .min(1, 'Enter the portal name shown in the mail')
    .max(100, 'Use at most 100 characters')
    .refine((v) => headerSafe('The portal name')(v) === true, 'The portal name cannot contain line breaks'),
  fromAddress: z.string().trim().max(254, 'Use at most 254 characters').email('Enter a valid email address, e.g. portal@msp.example'),
  fromName: z
    .string()
    .trim()
    .min(1, 'Enter the sender name')
    .max(100, 'Use at most 100 characters')
    .refine((v) => !/[\r\n<>"]/.test(v), 'The sender name cannot contain line breaks, < > or "'),
  tokenMinutes: z.coerce.number({ message: 'Enter a number of minutes' }).int('Enter whole minutes').min(5, 'At least 5 minutes').max(60, 'At most 60 minutes'),
  resendCooldownSeconds: z.coerce
    .number({ message: 'Enter a number of seconds' })
    .int('Enter whole seconds')
    .min(10, 'At least 10 seconds')
    .max(600, 'At most 600 seconds'),
});
export type MailTokenSettings = z.infer<typeof mailTokenSettingsSchema>;

export const staffSignInSettingsSchema = z.object({ emailTokenEnabled: z.boolean() });
export const magicLinkSettingsSchema = z.object({
  enabled: z.boolean(),
  minutes: z.coerce
    .number({ message: 'Enter a number of minutes' })
    .int('Enter whole minutes')
    .min(5, 'At least 5 minutes')
    .max(1440, 'At most 1440 minutes (a day)'),
});

// "domain": anyone on a company's email domain may sign in (a contact is created in the PSA after they
// prove the address); "invited_only": only contacts already in the portal (or the PSA) receive tokens.
export const signInPolicySchema = z.object({ mode: z.enum(['domain', 'invited_only']) });

// The portal's terms (Markdown): empty English text means there are none to accept. A new version asks
// everyone again. The English text is also what a language without a text of its own shows.
const termsText = z.string().max(50_000, 'Use at most 50,000 characters');
export const termsSettingsSchema = z.object({
  text: termsText,
  version: singleLineText(40),
  translations: z.object({ de: termsText.default('') }).default({ de: '' }),
});
export type TermsSettings = z.infer<typeof termsSettingsSchema>;

// How long a client stays signed in; enforced on the server whatever the cookie says. The defaults,
// and anything an admin sets without saying otherwise, stay within OWASP ASVS 4.0.3 level 2 (3.3.2:
// re-authentication after 30 minutes unused and 12 hours in any case). Longer is an explicit choice
// (beyondLevel2), which the console shows with a warning.
export const LEVEL2_SESSION = { idleMinutes: 30, absoluteHours: 12 } as const;

export const sessionPolicyFields = z.object({
  mode: z.enum(['browser', 'remember'], { message: 'Choose how long people stay signed in' }),
  rememberDays: z.coerce.number({ message: 'Enter a number of days' }).int('Enter whole days').min(1, 'At least 1 day').max(90, 'At most 90 days'),
  idleMinutes: z.coerce.number({ message: 'Enter a number of minutes' }).int('Enter whole minutes').min(5, 'At least 5 minutes').max(43_200, 'At most 30 days'),
  absoluteHours: z.coerce.number({ message: 'Enter a number of hours' }).int('Enter whole hours').min(1, 'At least 1 hour').max(2_160, 'At most 90 days'),
  beyondLevel2: z.boolean(),
});

/** Longer timeouts than level 2 only with beyondLevel2 (a stored policy that breaks this falls back to the defaults). */
export function withinLevel2Unless(policy: { idleMinutes: number; absoluteHours: number; beyondLevel2: boolean }, ctx: z.RefinementCtx): void {
  if (policy.beyondLevel2) return;
  const hint = 'or tick "Allow sessions longer than ASVS level 2"';
  if (policy.idleMinutes > LEVEL2_SESSION.idleMinutes)
    ctx.addIssue({ code: 'custom', path: ['idleMinutes'], message: `At most ${LEVEL2_SESSION.idleMinutes} minutes (ASVS level 2), ${hint}` });
  if (policy.absoluteHours > LEVEL2_SESSION.absoluteHours)
    ctx.addIssue({ code: 'custom', path: ['absoluteHours'], message: `At most ${LEVEL2_SESSION.absoluteHours} hours (ASVS level 2), ${hint}` });
}

export const sessionPolicySchema = sessionPolicyFields.superRefine(withinLevel2Unless);
export type SessionPolicy = z.infer<typeof sessionPolicySchema>;

// Login URLs signed by the MSP's own programs (HS256). The secret is kept encrypted.
export const jwtLoginSettingsSchema = z.object({ enabled: z.boolean(), sealedSecret: z.string().nullable() });

// The MSP's brand (issue 17): the portal name is mail_token.portalName (one value, two pages); the logo
// bytes live in brand_assets, found by logoSha256. Empty strings and null mean "not set": today's look.
export const brandSettingsSchema = z.object({
  logoSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  logoType: z.enum(['image/png', 'image/jpeg', 'image/svg+xml']).nullable(),
  accentColor: z
    .string()
    .regex(/^#[0-9a-f]{6}$/)
    .nullable(),
  supportPhone: singleLineText(40),
  supportAddress: singleLineText(200),
  supportUrl: z.string().max(300),
  poweredBy: z.boolean(),
});
export type BrandSettings = z.infer<typeof brandSettingsSchema>;
// Passkeys (WebAuthn): each person adds their own, so the method is on by default. With
// staffPhishingResistant, staff must sign in with a passkey or Microsoft; any other sign-in only lets them
// add a passkey (the console's Security page) until they have one.
export const passkeySettingsSchema = z.object({ clients: z.boolean(), staff: z.boolean(), staffPhishingResistant: z.boolean() });

export const settingDefinitions = {
  mail_token: {
    schema: mailTokenSettingsSchema,
    defaults: (mailFrom: string): MailTokenSettings => ({
      enabled: true,
      portalName: 'Client Portal',
      fromAddress: mailFrom,
      fromName: 'Client Portal',
      tokenMinutes: 10,
      resendCooldownSeconds: 60,
    }),
  },
  // Staff may sign in to the console by email token until Microsoft sign-in is set up.
  staff_signin: { schema: staffSignInSettingsSchema, defaults: () => ({ emailTokenEnabled: true }) },
  // One-time links: 10 minutes, as ASVS 4.0.3 (2.7.2) asks of out-of-band secrets.
  magic_link: { schema: magicLinkSettingsSchema, defaults: () => ({ enabled: true, minutes: 10 }) },
  signin_policy: { schema: signInPolicySchema, defaults: () => ({ mode: 'domain' as 'domain' | 'invited_only' }) },
  terms: { schema: termsSettingsSchema, defaults: (): TermsSettings => ({ text: '', version: '', translations: { de: '' } }) },
  session_policy: {
    schema: sessionPolicySchema,
    defaults: (): SessionPolicy => ({
      mode: 'browser',
      rememberDays: 30,
      ...LEVEL2_SESSION,
      beyondLevel2: false,
    }),
  },
  passkeys: { schema: passkeySettingsSchema, defaults: () => ({ clients: true, staff: true, staffPhishingResistant: false }) },
  jwt_login: { schema: jwtLoginSettingsSchema, defaults: () => ({ enabled: false, sealedSecret: null as string | null }) },
  brand: {
    schema: brandSettingsSchema,
    defaults: (): BrandSettings => ({
      logoSha256: null,
      logoType: null,
      accentColor: null,
      supportPhone: '',
      supportAddress: '',
      supportUrl: '',
      poweredBy: false,
    }),
  },
} as const;

export type SettingKey = keyof typeof settingDefinitions;
export type SettingValue<K extends SettingKey> = ReturnType<(typeof settingDefinitions)[K]['defaults']>;
