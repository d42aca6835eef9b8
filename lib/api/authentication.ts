import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { type Caller, operatorsOf } from './access';
import { MAX_CREDENTIAL_BYTES } from './constants';
import {
  CREDENTIALS_FILE_VARIABLE,
  type LocalCredentials,
  LocalCredentialsSource,
} from './local-credentials';

/*
 * Who calls (docs/api.md: Authorization). On AWS, API Gateway's IAM authorizer has checked the
 * SigV4 signature: the principal is the caller's ARN from its context, and an Authorization bearer
 * key means nothing. Offline (`sls offline`, which cannot check IAM), the principal is the local
 * credential whose key the request carries as `Authorization: Bearer <key>`. Either way, a request
 * without a principal gets 401 and never reaches the handler's rules.
 */

/** How the function authenticates, chosen once from its environment. */
export type AuthenticationMode = 'iam' | 'local-keys';

/**
 * `local-keys` only under serverless-offline: it sets IS_OFFLINE=true, and Lambda's own runtime
 * sets AWS_EXECUTION_ENV, which serverless-offline does not. Anything else is AWS: IAM.
 */
export const authenticationModeOf = (env: NodeJS.ProcessEnv): AuthenticationMode =>
  env.IS_OFFLINE === 'true' && env.AWS_EXECUTION_ENV === undefined ? 'local-keys' : 'iam';

/** `WWW-Authenticate` of a 401, by mode. */
export const AUTHENTICATE_SCHEME: Readonly<Record<AuthenticationMode, string>> = {
  iam: 'AWS4-HMAC-SHA256',
  'local-keys': 'Bearer realm="billing-api"',
};

export type Authenticated =
  | { readonly ok: true; readonly caller: Caller }
  | { readonly ok: false; readonly detail: string };

/** The key of an `Authorization: Bearer <key>` header, or why it is none (never thrown). */
export function bearerKeyOf(
  header: string | undefined,
): { readonly ok: true; readonly key: string } | { readonly ok: false; readonly detail: string } {
  if (header === undefined || header.trim() === '') {
    return { ok: false, detail: 'Send a credential: Authorization: Bearer <key> (docs/api.md)' };
  }
  if (Buffer.byteLength(header, 'utf8') > MAX_CREDENTIAL_BYTES) {
    return { ok: false, detail: `The Authorization header must not exceed ${MAX_CREDENTIAL_BYTES} bytes` };
  }
  const match = /^Bearer +([A-Za-z0-9_-]+)$/i.exec(header.trim());
  if (!match?.[1]) return { ok: false, detail: 'The Authorization header must be: Bearer <key>' };
  return { ok: true, key: match[1] };
}

/** The caller of a request API Gateway's IAM authorizer let through: its ARN (kept as it was). */
export function iamCaller(
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
  operators: ReadonlySet<string>,
): Authenticated {
  const iam = event.requestContext?.authorizer?.iam;
  const principal = iam?.userArn ?? iam?.userId;
  if (!principal) return { ok: false, detail: 'The request carries no IAM caller (sign it with SigV4)' };
  return { ok: true, caller: { principal, operator: operators.has(principal) } };
}

/** The caller of an offline request, by its bearer key. */
export function localCaller(
  authorization: string | undefined,
  credentials: LocalCredentials | { readonly unavailable: string },
  operators: ReadonlySet<string>,
): Authenticated {
  const bearer = bearerKeyOf(authorization);
  if (!bearer.ok) return bearer;
  if ('unavailable' in credentials) return { ok: false, detail: credentials.unavailable };
  const caller = credentials.callerOfKey(bearer.key);
  if (!caller) return { ok: false, detail: 'Unknown credential: use a key of the local credentials file' };
  return { ok: true, caller: { ...caller, operator: caller.operator || operators.has(caller.principal) } };
}

const authorizationHeader = (event: APIGatewayProxyEventV2WithIAMAuthorizer): string | undefined => {
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (name.toLowerCase() === 'authorization') return value;
  }
  return undefined;
};

/** Authenticates the function's requests, in the mode its environment says. */
export class ApiAuthenticator {
  readonly mode: AuthenticationMode;
  readonly #operators: ReadonlySet<string>;
  readonly #credentials: LocalCredentialsSource;

  constructor(env: NodeJS.ProcessEnv) {
    this.mode = authenticationModeOf(env);
    this.#operators = operatorsOf(env.BILLING_API_OPERATORS);
    this.#credentials = new LocalCredentialsSource(env[CREDENTIALS_FILE_VARIABLE]);
  }

  /** The caller of an API Gateway event, or why there is none (a 401). */
  callerOf(event: APIGatewayProxyEventV2WithIAMAuthorizer): Authenticated {
    return this.mode === 'iam'
      ? iamCaller(event, this.#operators)
      : localCaller(authorizationHeader(event), this.#credentials.load(), this.#operators);
  }
}
