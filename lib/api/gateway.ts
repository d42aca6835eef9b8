import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Caller } from './access';
import type { ApiRequest, ApiResponse } from './types';

/**
 * The API's request of an API Gateway HTTP API event (payload format 2.0), from its authenticated
 * caller (lib/api/authentication.ts).
 */
export function apiRequestOf(event: APIGatewayProxyEventV2WithIAMAuthorizer, caller: Caller): ApiRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  // API Gateway gives the body as text; serverless-offline gives a JSON scalar body (`false`) as the
  // value itself: back to its text.
  const raw: unknown = event.body;
  const body =
    raw === undefined || raw === null
      ? undefined
      : typeof raw !== 'string'
        ? JSON.stringify(raw)
        : event.isBase64Encoded
          ? Buffer.from(raw, 'base64').toString('utf8')
          : raw;
  const pathParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    if (value !== undefined) pathParameters[name] = value;
  }
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
    routeKey: event.routeKey ?? '',
    pathParameters,
    query: { ...(event.queryStringParameters ?? {}) },
    headers,
    body,
    principal: caller.principal,
    operator: caller.operator,
  };
}

/** The HTTP API result of a response. */
export const apiResponseOf = (response: ApiResponse): APIGatewayProxyStructuredResultV2 => ({
  statusCode: response.statusCode,
  headers: { ...response.headers },
  body: response.body,
});
