import type * as z from 'zod';

/** Base class of every error the schemas module raises. */
export class SchemaError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SchemaError';
  }
}

/** One reason an event was refused, with the dotted path of the field (`payload.amount.currency`). */
export interface EventIssue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/**
 * An event that does not match its topic's contract: not JSON, unknown type, or a field that fails
 * its schema. The zod error, when there is one, is the `cause`.
 */
export class EventValidationError extends SchemaError {
  readonly topic: string;
  readonly issues: readonly EventIssue[];

  constructor(topic: string, issues: readonly EventIssue[], options?: ErrorOptions) {
    super(
      `Invalid ${topic} event: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      options,
    );
    this.name = 'EventValidationError';
    this.topic = topic;
    this.issues = issues;
  }

  /** Build from a zod error, flattening each issue to `path: message`. */
  static fromZod(topic: string, error: z.ZodError): EventValidationError {
    const issues = error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      code: issue.code,
      message: issue.message,
    }));
    return new EventValidationError(topic, issues, { cause: error });
  }
}

/** An amount outside 0..MAX_MINOR_UNITS or a currency the code does not know. */
export class MoneyError extends SchemaError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MoneyError';
  }
}

/** An event type that belongs to no topic. */
export class UnknownEventTypeError extends SchemaError {
  readonly eventType: string;

  constructor(eventType: string) {
    super(`Unknown event type: ${eventType}`);
    this.name = 'UnknownEventTypeError';
    this.eventType = eventType;
  }
}

/** A Schema Registry answered with an error (`error_code` and `message` from its body). */
export class SchemaRegistryError extends SchemaError {
  readonly status: number;
  readonly errorCode: number | undefined;

  constructor(message: string, status: number, errorCode: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SchemaRegistryError';
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** The registry refused a schema as incompatible with the subject's latest version (HTTP 409). */
export class IncompatibleSchemaError extends SchemaRegistryError {
  readonly subject: string;
  readonly messages: readonly string[];

  constructor(subject: string, messages: readonly string[], status = 409, errorCode?: number) {
    super(`Schema for ${subject} is not FORWARD compatible: ${messages.join('; ')}`, status, errorCode);
    this.name = 'IncompatibleSchemaError';
    this.subject = subject;
    this.messages = messages;
  }
}
