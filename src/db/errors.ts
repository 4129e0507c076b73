// PostgreSQL error codes the code reacts to (by code, never by message text).
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23505';
}

/** A row refers to one that does not exist (or is still referred to, on delete). */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23503';
}
