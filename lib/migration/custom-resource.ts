import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** CloudFormation reads at most 4 KB of a response; a reason longer than this is cut. */
const MAX_REASON_LENGTH = 1000;

export const CustomResourceStatus = { success: 'SUCCESS', failed: 'FAILED' } as const;
export type CustomResourceStatus = (typeof CustomResourceStatus)[keyof typeof CustomResourceStatus];

export interface CustomResourceResult {
  readonly status: CustomResourceStatus;
  readonly physicalResourceId: string;
  /** Why it failed (shown in the stack's events); say what to do, never quote a secret. */
  readonly reason?: string;
  readonly data?: Record<string, string | number>;
}

/** The response body CloudFormation expects for a custom resource request. */
export function customResourceResponse(
  event: CloudFormationCustomResourceEvent,
  result: CustomResourceResult,
): string {
  return JSON.stringify({
    Status: result.status,
    Reason: (result.reason ?? result.status).slice(0, MAX_REASON_LENGTH),
    PhysicalResourceId: result.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...(result.data ? { Data: result.data } : {}),
  });
}

/**
 * Sends the result to the request's pre-signed ResponseURL (an S3 PUT, with the empty content
 * type the signature was made for). Until it arrives, CloudFormation waits: the deploy goes on
 * after SUCCESS and rolls back after FAILED.
 */
export function sendCustomResourceResponse(
  event: CloudFormationCustomResourceEvent,
  result: CustomResourceResult,
  timeoutMs = 10_000,
): Promise<void> {
  const body = customResourceResponse(event, result);
  const url = new URL(event.ResponseURL);
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'PUT',
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`CloudFormation's response URL answered HTTP ${status}`));
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`CloudFormation's response URL did not answer in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}
