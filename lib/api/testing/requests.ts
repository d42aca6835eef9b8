import type { ApiRequest } from '../types';

/** The principal unit tests' requests come from, and the owner of their accounts (anAccount). */
export const TEST_PRINCIPAL = 'arn:aws:iam::111122223333:user/alice';

/**
 * An API request as the gateway mapping hands it over: a JSON body (a string is sent as is), from
 * TEST_PRINCIPAL, not an operator.
 */
export const apiRequest = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): ApiRequest => ({
  method,
  path,
  query: {},
  headers: { 'content-type': 'application/json', ...headers },
  body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  principal: TEST_PRINCIPAL,
  operator: false,
});
