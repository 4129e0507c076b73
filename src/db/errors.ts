// PostgreSQL error codes the code reacts to (by code, never by message text).
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23505';
}
