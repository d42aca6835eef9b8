import { ApiRoute, type ApiRouteName } from './constants';

/** A request matched to a route: its name and raw path parameters. */
export type RouteMatch =
  | { readonly kind: 'route'; readonly name: ApiRouteName; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

interface CompiledRoute {
  readonly name: ApiRouteName;
  readonly method: string;
  readonly segments: readonly string[];
}

const compiled: readonly CompiledRoute[] = (Object.entries(ApiRoute) as [ApiRouteName, string][]).map(
  ([name, key]) => {
    const [method = '', path = ''] = key.split(' ');
    return { name, method, segments: path.split('/').slice(1) };
  },
);

const paramName = (segment: string): string | undefined =>
  segment.startsWith('{') && segment.endsWith('}') ? segment.slice(1, -1) : undefined;

function matchPath(route: CompiledRoute, segments: readonly string[]): Record<string, string> | undefined {
  if (route.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, pattern] of route.segments.entries()) {
    const actual = segments[index] ?? '';
    const name = paramName(pattern);
    if (name !== undefined) {
      if (actual === '') return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(actual);
      } catch {
        decoded = actual;
      }
      params[name] = decoded;
    } else if (pattern !== actual) {
      return undefined;
    }
  }
  return params;
}

/** Matches a method and path to one of the API's routes (a trailing slash is ignored). */
export function matchRoute(method: string, path: string): RouteMatch {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = trimmed.split('/').slice(1);
  const allow: string[] = [];
  for (const route of compiled) {
    const params = matchPath(route, segments);
    if (params === undefined) continue;
    if (route.method === method.toUpperCase()) return { kind: 'route', name: route.name, params };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
}
