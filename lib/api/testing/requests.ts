import type { ApiRequest } from '../types';

/** An API request as the gateway mapping hands it over: a JSON body (a string is sent as is), anonymous. */
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
  principal: 'anonymous',
});
