// The User API answers every error as JSON: { error: { code, message, fields? } }. Clients branch on
// `code` (stable, machine-readable); `message` is for people. The typed errors of src/lib/errors.ts
// map to a code by class and status, so services stay unaware of HTTP and of the API.
import type { NextFunction, Request, Response } from 'express';
import { AppError, RateLimitedError, ValidationError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { isBodyParserError } from '../http/body-parser-error.js';

export type ApiErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'validation_failed'
  | 'rate_limited'
  | 'internal_error';

/** An error only the API raises (authentication, media types), carrying its own code. */
export class ApiError extends AppError {
  constructor(
    status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(status, message);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(
    message: string,
    /** Whether a credential was sent at all (RFC 6750: then the challenge says invalid_token). */
    readonly credentialSent: boolean,
  ) {
    super(401, 'unauthorized', message);
  }
}

const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
};

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; fields?: Record<string, string> };
}

export function sendError(res: Response, status: number, code: ApiErrorCode, message: string, fields?: Record<string, string>): void {
  const body: ApiErrorBody = { error: { code, message, ...(fields && Object.keys(fields).length ? { fields } : {}) } };
  res.status(status).json(body);
}

export function apiNotFound(_req: Request, res: Response): void {
  sendError(res, 404, 'not_found', 'There is no such API route. See /api/v1/openapi.json.');
}

export function apiErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    if (error instanceof UnauthorizedError) {
      res.set('WWW-Authenticate', error.credentialSent ? 'Bearer realm="portico", error="invalid_token"' : 'Bearer realm="portico"');
      return sendError(res, 401, error.code, error.publicMessage);
    }
    if (error instanceof ApiError) return sendError(res, error.status, error.code, error.publicMessage);
    // Validation failures are reported as 422: the request was well-formed JSON, its content was not acceptable.
    if (error instanceof ValidationError) return sendError(res, 422, 'validation_failed', error.publicMessage, error.fieldErrors);
    if (error instanceof RateLimitedError) {
      res.set('Retry-After', String(error.retryAfterSeconds));
      return sendError(res, 429, 'rate_limited', error.publicMessage);
    }
    if (error instanceof AppError) return sendError(res, error.status, CODE_BY_STATUS[error.status] ?? 'bad_request', error.publicMessage);
    if (isBodyParserError(error)) {
      if (error.type === 'entity.parse.failed') return sendError(res, 400, 'invalid_json', 'The body is not valid JSON.');
      if (error.status === 413) return sendError(res, 413, 'payload_too_large', 'The body is larger than 100 kB.');
      if (error.status === 415) return sendError(res, 415, 'unsupported_media_type', 'Send the body as UTF-8 JSON.');
      return sendError(res, 400, 'bad_request', 'The body could not be read.');
    }
    logger.error({ err: error, reqId: res.locals.requestId, method: req.method, path: req.baseUrl + req.path }, 'API request failed');
    sendError(res, 500, 'internal_error', 'Something went wrong on our side. Try again in a moment.');
  };
}
