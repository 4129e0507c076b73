// What a technician may change, with defaults and the rules the console validates against.
import { z } from 'zod';

const headerSafe = (label: string) => (v: string) => !/[\r\n]/.test(v) || `${label} cannot contain line breaks`;

export const mailTokenSettingsSchema = z.object({
  enabled: z.boolean(),
  portalName: z.string().trim().min(1, 'Enter the portal name shown in the mail').max(100, 'Use at most 100 characters').refine((v) => headerSafe('The portal name')(v) === true, 'The portal name cannot contain line breaks'),
  fromAddress: z.string().trim().max(254, 'Use at most 254 characters').email('Enter a valid email address, e.g. portal@msp.example'),
  fromName: z.string().trim().min(1, 'Enter the sender name').max(100, 'Use at most 100 characters').refine((v) => !/[\r\n<>"]/.test(v), 'The sender name cannot contain line breaks, < > or "'),
  tokenMinutes: z.coerce.number({ message: 'Enter a number of minutes' }).int('Enter whole minutes').min(5, 'At least 5 minutes').max(60, 'At most 60 minutes'),
  resendCooldownSeconds: z.coerce.number({ message: 'Enter a number of seconds' }).int('Enter whole seconds').min(10, 'At least 10 seconds').max(600, 'At most 600 seconds'),
});
export type MailTokenSettings = z.infer<typeof mailTokenSettingsSchema>;

export const staffSignInSettingsSchema = z.object({ emailTokenEnabled: z.boolean() });
export const magicLinkSettingsSchema = z.object({
  enabled: z.boolean(),
  minutes: z.coerce.number({ message: 'Enter a number of minutes' }).int('Enter whole minutes').min(5, 'At least 5 minutes').max(1440, 'At most 1440 minutes (a day)'),
});

// "domain": anyone on a company's email domain may sign in (a contact is created in the PSA after they
// prove the address); "invited_only": only contacts already in the portal (or the PSA) receive tokens.
export const signInPolicySchema = z.object({ mode: z.enum(['domain', 'invited_only']) });

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
  magic_link: { schema: magicLinkSettingsSchema, defaults: () => ({ enabled: true, minutes: 15 }) },
  signin_policy: { schema: signInPolicySchema, defaults: () => ({ mode: 'domain' as 'domain' | 'invited_only' }) },
} as const;

export type SettingKey = keyof typeof settingDefinitions;
export type SettingValue<K extends SettingKey> = ReturnType<(typeof settingDefinitions)[K]['defaults']>;
