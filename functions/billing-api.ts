/**
 * The billing HTTP API: commands appended to Kafka (202), queries of the read model, the OpenAPI
 * document. Trigger: API Gateway HTTP API routes (payload 2.0, IAM authorization), `sls offline`.
 */

import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import {
  ApiAuthenticator,
  AUTHENTICATE_SCHEME,
  apiRequestOf,
  apiResponseOf,
  BILLING_API_SERVICE,
  BillingApiResources,
  handleApiRequest,
  openApiDocument,
  requestDeadlineMs,
  unauthorized,
} from '../lib/api';

const logger = new Logger({ serviceName: BILLING_API_SERVICE });
const resources = new BillingApiResources(process.env, logger);
// IAM on AWS; offline (IS_OFFLINE), the local credentials' bearer keys (docs/api.md: Authorization).
const authenticator = new ApiAuthenticator(process.env);

const lambdaHandler = async (
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  const authenticated = authenticator.callerOf(event);
  if (!authenticated.ok) {
    const path = event.rawPath ?? '/';
    logger.info('Request unauthenticated: answered 401', { path, reason: authenticated.detail });
    return apiResponseOf(unauthorized(path, authenticated.detail, AUTHENTICATE_SCHEME[authenticator.mode]));
  }
  const request = apiRequestOf(event, authenticated.caller);
  const response = await handleApiRequest(
    request,
    resources.ports(),
    {
      now: new Date(),
      randomId: randomUUID,
      deadlineMs: requestDeadlineMs(context.getRemainingTimeInMillis()),
      onDeadlineExceeded: () => logger.warn('Request deadline passed: answered 503'),
      onDependencyError: (error) => logger.warn('Dependency unavailable', { error: error as Error }),
      onUnexpectedError: (error) => logger.error('Request failed', { error: error as Error }),
    },
    openApiDocument,
  );
  logger.info('Request answered', {
    method: request.method,
    path: request.path,
    principal: request.principal,
    status: response.statusCode,
  });
  return apiResponseOf(response);
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
