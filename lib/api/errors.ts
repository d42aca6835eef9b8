import type { Dependency } from './constants';

/** Base class of every error thrown by the API module. */
export class BillingApiError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BillingApiError';
  }
}

/**
 * Kafka or PostgreSQL could not be reached (transient): the request is answered 503 with a
 * Retry-After, and nothing of the command took effect.
 */
export class DependencyUnavailableError extends BillingApiError {
  readonly dependency: Dependency;

  constructor(dependency: Dependency, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
  }
}
