/** Names and limits of the billing HTTP API (docs/api.md). */

/** The routes the API serves; the keys name them in code, the values are API Gateway route keys. */
export const ApiRoute = {
  openAccount: 'POST /accounts',
  getAccount: 'GET /accounts/{accountId}',
  changeAccountStatus: 'POST /accounts/{accountId}/status',
  topUp: 'POST /accounts/{accountId}/topups',
  withdraw: 'POST /accounts/{accountId}/withdrawals',
  refund: 'POST /accounts/{accountId}/refunds',
  listAccountTransactions: 'GET /accounts/{accountId}/transactions',
  getTransaction: 'GET /transactions/{transactionId}',
  requestTransfer: 'POST /transfers',
  getTransfer: 'GET /transfers/{transferId}',
  deadLetterCounts: 'GET /dead-letters/counts',
  openApiDocument: 'GET /openapi.json',
} as const;
export type ApiRoute = (typeof ApiRoute)[keyof typeof ApiRoute];
export type ApiRouteName = keyof typeof ApiRoute;

const ROUTE_NAME_OF_KEY: ReadonlyMap<string, ApiRouteName> = new Map(
  (Object.entries(ApiRoute) as [ApiRouteName, ApiRoute][]).map(([name, routeKey]) => [routeKey, name]),
);

/** The route of an API Gateway route key; undefined for a key the API does not serve. */
export const apiRouteNameOf = (routeKey: string): ApiRouteName | undefined => ROUTE_NAME_OF_KEY.get(routeKey);

/** Request headers the API reads (lower case, as API Gateway's payload 2.0 gives them). */
export const ApiHeader = {
  idempotencyKey: 'idempotency-key',
  contentType: 'content-type',
  /** Offline: `Bearer <key>` of a local credential (docs/api.md: Authorization). */
  authorization: 'authorization',
} as const;

/** The longest Authorization header read offline; a longer one is refused (401) unread. */
export const MAX_CREDENTIAL_BYTES = 512;

/** An Idempotency-Key: 1 to 255 visible ASCII characters (a UUID is the usual choice). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Seconds a client is asked to wait (Retry-After) when Kafka or PostgreSQL cannot be reached. */
export const RETRY_AFTER_SECONDS = 5;

/** The longest a request takes before it is answered 503 (well inside API Gateway's 30 s). */
export const REQUEST_DEADLINE_MS = 10_000;
/** Kept between the deadline and the function timeout, to answer and log before it. */
export const DEADLINE_MARGIN_MS = 2_000;

/** Page sizes of an account's transactions. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The largest request body read, in bytes (a command is a few hundred bytes). */
export const MAX_BODY_BYTES = 16 * 1024;

/** `type` URIs of the API's problem details (RFC 9457), relative to the API. */
export const ProblemType = {
  invalidRequest: '/problems/invalid-request',
  unauthorized: '/problems/unauthorized',
  forbidden: '/problems/forbidden',
  notFound: '/problems/not-found',
  unsupportedMediaType: '/problems/unsupported-media-type',
  idempotencyConflict: '/problems/idempotency-conflict',
  serviceUnavailable: '/problems/service-unavailable',
  internalError: '/problems/internal-error',
} as const;
export type ProblemType = (typeof ProblemType)[keyof typeof ProblemType];

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const JSON_CONTENT_TYPE = 'application/json';

/** A dependency the API needs for a request. */
export const Dependency = { kafka: 'kafka', database: 'database' } as const;
export type Dependency = (typeof Dependency)[keyof typeof Dependency];

/** Powertools service name of the API function. */
export const BILLING_API_SERVICE = 'billing-api';

/** Namespace of the ids the API derives from an Idempotency-Key (a fixed UUIDv4, never change it). */
export const API_ID_NAMESPACE = '6f1c7e52-3a8b-4d2e-9c47-0b5e8a1d2f36';
