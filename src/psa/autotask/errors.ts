// Reading Autotask's error answers. Sources: live error bodies quoted in Servosity/msp-skills#257
// ({"errors": ["..."]}) and WYRE-AI/autotask-mcp#170 (the ASP.NET layer's {"Message": "..."} on a 405);
// the thread-limit wording from msoukhomlinov/n8n-nodes-autotask PR #107 and its retryHandler.ts.

/** Autotask error bodies are {"errors": ["message", ...]}; the ASP.NET layer answers {"Message": "..."}; some proxies {"message"}. */
export function autotaskMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { errors, message, Message } = body as { errors?: unknown; message?: unknown; Message?: unknown };
  if (Array.isArray(errors)) {
    const texts = errors
      .map((e) =>
        typeof e === 'string'
          ? e
          : e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string'
            ? (e as { message: string }).message
            : undefined,
      )
      .filter((t): t is string => !!t);
    if (texts.length) return texts.join('; ');
  }
  for (const text of [Message, message]) if (typeof text === 'string' && text) return text;
  return undefined;
}

// Autotask gives the thread-limit refusal no code of its own and no documented status (n8n-nodes-autotask
// saw it "with a non-429 HTTP status"), so it is recognised by the vendor's own wording, whatever the status.
const THREAD_LIMIT = [/itgenatr005/i, /thread\s+threshold.*exceeded/i, /thread\s+limit/i];

/** True for Autotask's "thread threshold exceeded" answer: the request was refused unprocessed and may be sent again. */
export function isThreadLimited(status: number, body: unknown): boolean {
  if (status === 429) return true;
  const text = autotaskMessage(body);
  return text !== undefined && THREAD_LIMIT.some((pattern) => pattern.test(text));
}
