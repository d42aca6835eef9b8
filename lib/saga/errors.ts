/** Base error of the transfer saga module. */
export class SagaError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SagaError';
  }
}
