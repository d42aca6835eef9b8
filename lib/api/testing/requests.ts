import { ApiRoute } from '../constants';
import type { ApiRequest } from '../types';

/** The principal unit tests' requests come from, and the owner of their accounts (anAccount). */
export const TEST_PRINCIPAL = 'arn:aws:iam::111122223333:user/alice';

/** The route key API Gateway gives a request that matches no route (a `$default` route's). */
export const NO_ROUTE = '$default';

/**
 * What API Gateway matches for a method and path, so that tests can speak in paths: the route key
 * of serverless.yml's route (ApiRoute) and its path parameters, or NO_ROUTE.
 */
export function gatewayRouteOf(
  method: string,
  path: string,
): Pick<ApiRequest, 'routeKey' | 'pathParameters'> {
  const segments = path.split('/').slice(1);
  for (const routeKey of Object.values(ApiRoute)) {
    const [routeMethod = '', template = ''] = routeKey.split(' ');
    const pattern = template.split('/').slice(1);
    if (routeMethod !== method.toUpperCase() || pattern.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matches = pattern.every((part, index) => {
      const actual = segments[index] ?? '';
      if (!part.startsWith('{')) return part === actual;
      pathParameters[part.slice(1, -1)] = decodeURIComponent(actual);
      return actual !== '';
    });
    if (matches) return { routeKey, pathParameters };
  }
  return { routeKey: NO_ROUTE, pathParameters: {} };
}

/**
 * An API request as the gateway mapping hands it over, routed as API Gateway would: a JSON body (a
 * string is sent as is), from TEST_PRINCIPAL, not an operator.
 */
export const apiRequest = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): ApiRequest => ({
  method,
  path,
  ...gatewayRouteOf(method, path),
  query: {},
  headers: { 'content-type': 'application/json', ...headers },
  body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  principal: TEST_PRINCIPAL,
  operator: false,
});
