import { InvokeUnavailableError } from './errors';
import type { InvocationOutcome } from './types';

/** Invokes a function with an event and says what became of it. */
export type Invoke = (functionName: string, event: unknown) => Promise<InvocationOutcome>;

/** The lowest failed offset of a partial batch response, if the payload is one with failures. */
export function failedOffsetOf(payload: unknown): string | undefined {
  const failures = (payload as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  const offsets = failures.map((failure) => {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const offset = typeof id === 'object' && id !== null ? (id as { offset?: unknown }).offset : id;
    // An identifier that is no offset fails the whole batch (the policy finds no such record).
    return /^[0-9]+$/.test(String(offset)) ? BigInt(String(offset)) : -1n;
  });
  return offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[0]?.toString();
}

/**
 * Invokes through serverless-offline's AWS Lambda Invoke API
 * (POST /2015-03-31/functions/<name>/invocations on its lambda port). A thrown error comes back as
 * status 200 with `X-Amz-Function-Error: Unhandled`, as from AWS.
 */
export function lambdaInvokeApi(endpoint: string): Invoke {
  return async (functionName, event) => {
    let response: Response;
    try {
      response = await fetch(
        `${endpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
          body: JSON.stringify(event),
        },
      );
    } catch (error) {
      throw new InvokeUnavailableError(`serverless-offline does not answer on ${endpoint}`, { cause: error });
    }
    const text = await response.text();
    if (response.status === 404 || response.status >= 500) {
      throw new InvokeUnavailableError(`${functionName}: HTTP ${response.status} ${text.slice(0, 200)}`);
    }
    let payload: unknown;
    try {
      payload = text === '' ? null : JSON.parse(text);
    } catch {
      payload = text;
    }
    if (response.headers.get('x-amz-function-error') || response.status !== 200) {
      const message = (payload as { errorMessage?: unknown } | null)?.errorMessage;
      return { type: 'error', message: typeof message === 'string' ? message : text.slice(0, 500) };
    }
    const failedOffset = failedOffsetOf(payload);
    return failedOffset === undefined ? { type: 'success' } : { type: 'partial', failedOffset };
  };
}
