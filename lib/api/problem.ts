import {
  type Dependency,
  JSON_CONTENT_TYPE,
  PROBLEM_CONTENT_TYPE,
  ProblemType,
  RETRY_AFTER_SECONDS,
} from './constants';
import type { ApiResponse } from './types';

/** One field at fault: its dotted name in the request and a JSON Pointer to it (RFC 6901). */
export interface FieldIssue {
  /** `body`, `path`, `query` or `header`. */
  readonly in: 'body' | 'path' | 'query' | 'header';
  /** Dotted field name (`amount.minorUnits`), the parameter or header name; empty for the whole body. */
  readonly field: string;
  readonly pointer: string;
  readonly detail: string;
}

/** An RFC 9457 problem details object, with `errors` listing each field at fault. */
export interface Problem {
  readonly type: ProblemType;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: readonly FieldIssue[];
  readonly [extension: string]: unknown;
}

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** A field issue from a zod-style path. */
export const fieldIssue = (
  where: FieldIssue['in'],
  path: readonly (string | number)[],
  detail: string,
): FieldIssue => ({
  in: where,
  field: path.map(String).join('.'),
  pointer: where === 'body' ? `/${path.map((segment) => escapePointer(String(segment))).join('/')}` : '',
  detail,
});

/** The HTTP response of a problem. */
export const problemResponse = (
  problem: Problem,
  headers: Readonly<Record<string, string>> = {},
): ApiResponse => ({
  statusCode: problem.status,
  headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  body: JSON.stringify(problem),
});

/** 400: the request is malformed; each field at fault is listed. */
export const invalidRequest = (instance: string, errors: readonly FieldIssue[]): ApiResponse =>
  problemResponse({
    type: ProblemType.invalidRequest,
    title: 'Invalid request',
    status: 400,
    detail: errors.map((issue) => `${issue.field || issue.in}: ${issue.detail}`).join('; '),
    instance,
    errors,
  });

/**
 * 401: no credential, or one that is malformed, too long or unknown. `WWW-Authenticate` names the
 * scheme (RFC 9110): IAM's SigV4 on AWS, `Bearer` with a local key offline.
 */
export const unauthorized = (instance: string, detail: string, scheme: string): ApiResponse =>
  problemResponse(
    {
      type: ProblemType.unauthorized,
      title: 'Unauthorized',
      status: 401,
      detail,
      instance,
      errors: [{ in: 'header', field: 'Authorization', pointer: '', detail }],
    },
    { 'www-authenticate': scheme },
  );

/**
 * 403: the caller may not act on what the request names. To a caller that is not an operator, an
 * account (transaction, transfer) that is not its own and one that does not exist get the same
 * answer, word for word: it tells an outsider nothing about which exist.
 */
export const forbidden = (
  instance: string,
  detail: string,
  errors: readonly FieldIssue[] = [],
): ApiResponse =>
  problemResponse({
    type: ProblemType.forbidden,
    title: 'Forbidden',
    status: 403,
    detail,
    instance,
    ...(errors.length > 0 ? { errors } : {}),
  });

/** 404: an id that the read model does not know (yet: a command is applied asynchronously). */
export const notFound = (instance: string, detail: string, errors: readonly FieldIssue[] = []): ApiResponse =>
  problemResponse({
    type: ProblemType.notFound,
    title: 'Not found',
    status: 404,
    detail,
    instance,
    ...(errors.length > 0 ? { errors } : {}),
  });

/** 415: a command body that is not JSON. */
export const unsupportedMediaType = (instance: string, contentType: string): ApiResponse =>
  problemResponse({
    type: ProblemType.unsupportedMediaType,
    title: 'Unsupported media type',
    status: 415,
    detail: `Send the command as ${JSON_CONTENT_TYPE}, not ${contentType}`,
    instance,
    errors: [{ in: 'header', field: 'content-type', pointer: '', detail: `must be ${JSON_CONTENT_TYPE}` }],
  });

/** 409: an Idempotency-Key reused with another request. */
export const idempotencyConflict = (instance: string): ApiResponse =>
  problemResponse({
    type: ProblemType.idempotencyConflict,
    title: 'Idempotency-Key reused with another request',
    status: 409,
    detail:
      'This Idempotency-Key was first used with a different method, path or body; use a new key for a new request',
    instance,
    errors: [
      { in: 'header', field: 'Idempotency-Key', pointer: '', detail: 'already used for another request' },
    ],
  });

/** 503: Kafka or PostgreSQL cannot be reached; nothing was done, retry after the hint. */
export const serviceUnavailable = (instance: string, dependency: Dependency): ApiResponse =>
  problemResponse(
    {
      type: ProblemType.serviceUnavailable,
      title: 'Service unavailable',
      status: 503,
      detail: `${dependency === 'kafka' ? 'Kafka' : 'The database'} cannot be reached; nothing was done. Retry after ${RETRY_AFTER_SECONDS} seconds (with the same Idempotency-Key).`,
      instance,
      dependency,
    },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );

/**
 * 503: the request's deadline passed before it was answered (a slow or failing dependency). A
 * command may still take effect: with its Idempotency-Key, a retry finds the outcome.
 */
export const deadlineExceeded = (instance: string, command: boolean): ApiResponse =>
  problemResponse(
    {
      type: ProblemType.serviceUnavailable,
      title: 'Service unavailable',
      status: 503,
      detail: command
        ? `The request was not answered in time; the command may still take effect. Retry after ${RETRY_AFTER_SECONDS} seconds with the same Idempotency-Key, which applies it once and answers its outcome.`
        : `The request was not answered in time. Retry after ${RETRY_AFTER_SECONDS} seconds.`,
      instance,
    },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );

/** 500: a bug. The detail says nothing about the cause (it is logged). */
export const internalError = (instance: string): ApiResponse =>
  problemResponse({
    type: ProblemType.internalError,
    title: 'Internal error',
    status: 500,
    detail: 'The request failed unexpectedly; it was logged',
    instance,
  });

/** A JSON response. */
export const jsonResponse = (
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): ApiResponse => ({
  statusCode,
  headers: { 'content-type': JSON_CONTENT_TYPE, ...headers },
  body: JSON.stringify(body),
});
