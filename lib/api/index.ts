/**
 * The billing HTTP API: commands validated with the event schemas and appended with the event
 * store (202 Accepted, Idempotency-Key), queries of the read model, RFC 9457 problems, and the
 * OpenAPI 3.1 document generated from the same schemas.
 */
export {
  type AccessDecision,
  type AccessRule,
  type Caller,
  decideAccess,
  operatorsOf,
  ROUTE_ACCESS,
} from './access';
export {
  ApiAuthenticator,
  AUTHENTICATE_SCHEME,
  type Authenticated,
  authenticationModeOf,
  bearerKeyOf,
} from './authentication';
export {
  type Accepted,
  acceptedOf,
  accountsOfCommand,
  type BillingCommand,
  eventOfCommand,
} from './commands';
export {
  ApiHeader,
  ApiRoute,
  type ApiRouteName,
  BILLING_API_SERVICE,
  Dependency,
  MAX_PAGE_SIZE,
  ProblemType,
  RETRY_AFTER_SECONDS,
} from './constants';
export { requestDeadlineMs } from './deadline';
export { BillingApiError, DependencyUnavailableError } from './errors';
export { apiRequestOf, apiResponseOf } from './gateway';
export { handleApiRequest } from './handle';
export { canonicalJson, commandIdsOf, idempotencyDecision, requestHash } from './idempotency';
export {
  CREDENTIALS_FILE_VARIABLE,
  ensureLocalCredentials,
  LOCAL_PRINCIPALS,
  type LocalCredentialsFile,
  parseLocalCredentials,
} from './local-credentials';
export { buildOpenApiDocument, openApiDocument } from './openapi';
export { unauthorized } from './problem';
export { BillingApiResources } from './resources';
export type * from './types';
