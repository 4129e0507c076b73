// Both error handlers (pages and the User API) tell a body the parsers refused from a server failure.
/** An error thrown by Express's body parsers (bad JSON, too large, wrong encoding): a client error with a type. */
export function isBodyParserError(error: unknown): error is { status: number; type: string } {
  const e = error as { status?: unknown; type?: unknown };
  return typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && typeof e.type === 'string';
}
