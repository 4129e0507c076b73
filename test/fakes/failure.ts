// The failures every vendor test server can be told to produce on its next requests.
export interface FailureSpec {
  status?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Wait this long before answering (with the failure, or normally when no status is given). */
  delayMs?: number;
  /** How many matching requests this applies to (default 1). */
  times?: number;
  body?: unknown;
  /** Only requests with this method (e.g. "PATCH"); any request when left out. */
  method?: string;
  /** Only requests to exactly this path; any request when left out. */
  path?: string;
}
