// Reading environment variables with zod: the rules config.ts and each PSA vendor's variables share.
import { z } from 'zod';

/** Unset, empty and blank all mean "not set"; a set value is trimmed. */
export const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** An optional variable taken as text (trimmed; blank is unset). */
export const optionalText = () => z.string().optional().transform(nonEmpty);

/** An optional URL whose scheme must be one of `protocols` (e.g. ['https:']). */
export const urlWithProtocol = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = nonEmpty(v);
      if (value === undefined) return undefined;
      try {
        const url = new URL(value);
        if (!protocols.includes(url.protocol)) throw new Error();
        return value;
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` });
        return z.NEVER;
      }
    });
