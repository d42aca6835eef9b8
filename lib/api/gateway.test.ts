import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { apiRequestOf } from './gateway';

const event = (
  overrides: Partial<APIGatewayProxyEventV2WithIAMAuthorizer>,
): APIGatewayProxyEventV2WithIAMAuthorizer =>
  ({
    version: '2.0',
    routeKey: 'POST /accounts',
    rawPath: '/accounts',
    rawQueryString: '',
    headers: { 'Content-Type': 'application/json' },
    requestContext: {
      http: { method: 'POST', path: '/accounts' },
      authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/ops' } },
    },
    isBase64Encoded: false,
    ...overrides,
  }) as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;

const ops = { principal: 'arn:aws:iam::123456789012:user/ops', operator: false };

describe('an API Gateway HTTP API event as an API request', () => {
  it('carries the authenticated caller, lower-cases headers and decodes a base64 body', () => {
    const request = apiRequestOf(
      event({ body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true }),
      ops,
    );
    expect(request).toMatchObject({
      method: 'POST',
      path: '/accounts',
      principal: 'arn:aws:iam::123456789012:user/ops',
      operator: false,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
  });

  it('carries the route API Gateway matched: its route key and path parameters', () => {
    const request = apiRequestOf(
      event({
        routeKey: 'POST /accounts/{accountId}/topups',
        rawPath: '/accounts/0b9f3c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c/topups',
        pathParameters: { accountId: '0b9f3c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c' },
      }),
      ops,
    );
    expect(request).toMatchObject({
      routeKey: 'POST /accounts/{accountId}/topups',
      pathParameters: { accountId: '0b9f3c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c' },
    });
    expect(apiRequestOf(event({}), ops).pathParameters).toEqual({});
  });

  it('keeps a scalar body (serverless-offline) as JSON text', () => {
    const request = apiRequestOf(
      event({ requestContext: { http: { method: 'POST' } } as never, body: false as unknown as string }),
      ops,
    );
    expect(request.body).toBe('false');
  });
});
