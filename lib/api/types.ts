import type { AccountStatus, BillingEvent, Currency, Money, RejectionReason } from '../../schemas';
import type { DeadLetterStatus } from '../dead-letter/constants';
import type { AppendResult } from '../kafka';

/** An HTTP request as the API sees it, independent of API Gateway's event shape. */
export interface ApiRequest {
  readonly method: string;
  /** The path without stage or query string (`/accounts/…`). */
  readonly path: string;
  /**
   * The route API Gateway matched, as its route key (`POST /accounts/{accountId}/topups`, a value of
   * ApiRoute): the API looks the route up on it and never matches paths itself.
   */
  readonly routeKey: string;
  /** The matched route's path parameters, as API Gateway gives them (validated by the API). */
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  /**
   * Who calls, authenticated (lib/api/authentication.ts): the IAM caller's ARN on AWS, a local
   * credential's name offline. Accounts are owned by a principal; Idempotency-Keys are per principal.
   */
  readonly principal: string;
  /** The principal is an operator: it may act on any account (docs/api.md: Authorization). */
  readonly operator: boolean;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** An account of the read model. */
export interface AccountView {
  readonly accountId: string;
  readonly customerId: string;
  readonly status: AccountStatus;
  readonly currency: Currency;
  readonly balance: Money;
  readonly version: number;
  readonly openedAt: string;
  readonly updatedAt: string;
}

/** An account as the API reads it: the view it answers, and its owner (never answered). */
export interface AccountRecord extends AccountView {
  /** The principal that opened it; null when its AccountOpened named none (operators only). */
  readonly owner: string | null;
}

export type TransactionKind =
  | 'topup'
  | 'withdrawal'
  | 'refund'
  | 'transfer_debit'
  | 'transfer_credit'
  | 'transfer_compensation';

/** A requested money movement and its outcome. */
export interface TransactionView {
  readonly transactionId: string;
  readonly accountId: string;
  readonly kind: TransactionKind;
  readonly amount: Money;
  readonly status: 'applied' | 'rejected';
  readonly rejectionReason: RejectionReason | null;
  readonly balanceAfter: Money | null;
  readonly originalTransactionId: string | null;
  readonly transferId: string | null;
  /** How much later movements took back (refunds of a topup, compensation of a debit). */
  readonly reversed: Money;
  readonly occurredAt: string;
}

export type TransferStatus = 'requested' | 'debiting' | 'crediting' | 'compensating' | 'completed' | 'failed';

/** A transfer with its saga state. */
export interface TransferView {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: Money;
  readonly status: TransferStatus;
  readonly step: string;
  readonly reason: RejectionReason | null;
  readonly compensated: boolean;
  readonly requestedAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

/** One page of an account's transactions, newest first. */
export interface TransactionPage {
  readonly items: readonly TransactionView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Where a page starts: strictly older than this transaction. */
export interface PageCursor {
  readonly occurredAt: string;
  readonly transactionId: string;
}

export type DeadLetterCounts = Readonly<Record<DeadLetterStatus, number>>;

/** What the API reads from PostgreSQL. Every method throws DependencyUnavailableError on an outage. */
export interface BillingReadModel {
  accounts(accountIds: readonly string[]): Promise<ReadonlyMap<string, AccountRecord>>;
  accountTransactions(
    accountId: string,
    page: { readonly limit: number; readonly after: PageCursor | null },
  ): Promise<TransactionPage>;
  transaction(transactionId: string): Promise<TransactionView | null>;
  transfer(transferId: string): Promise<TransferView | null>;
  deadLetterCounts(): Promise<DeadLetterCounts>;
}

/** The body and status of the first answer to an idempotent command, replayed to its retries. */
export interface StoredAnswer {
  readonly statusCode: number;
  readonly body: unknown;
}

/** An Idempotency-Key as recorded: the request it was first used with and, once done, its answer. */
export interface IdempotencyRecord {
  readonly requestHash: string;
  readonly eventId: string;
  readonly answer: StoredAnswer | null;
}

/** Where Idempotency-Keys are recorded (PostgreSQL). Throws DependencyUnavailableError on an outage. */
export interface IdempotencyStore {
  find(principal: string, key: string): Promise<IdempotencyRecord | null>;
  /**
   * Records the key for this request unless it exists; returns the record that holds (ours or the
   * first), and whether this call created it (false: the key was used before, a retry).
   */
  reserve(
    principal: string,
    key: string,
    entry: {
      readonly operation: string;
      readonly requestHash: string;
      readonly eventId: string;
      readonly aggregateId: string;
      /** The 202 body this request answers once its event is appended (kept for the answer sweep). */
      readonly acceptedBody: unknown;
      readonly now: Date;
    },
  ): Promise<IdempotencyRecord & { readonly reservedNow: boolean }>;
  complete(principal: string, key: string, answer: StoredAnswer, now: Date): Promise<void>;
}

/** Appends an event with the event store. Throws DependencyUnavailableError when Kafka is down. */
export interface EventAppender {
  append(event: BillingEvent): Promise<AppendResult>;
}

/** Everything the API does I/O with. */
export interface BillingApiPorts {
  readonly readModel: BillingReadModel;
  readonly idempotency: IdempotencyStore;
  readonly events: EventAppender;
}

/** Per-request context: time and fresh ids come in as data. */
export interface ApiContext {
  readonly now: Date;
  readonly randomId: () => string;
  /**
   * Milliseconds the request may take before it is answered 503 with Retry-After (below the
   * function timeout, so that a timeout never reaches the caller as serverless-offline's or API
   * Gateway's answer). None: no deadline.
   */
  readonly deadlineMs?: number;
  /** Called when a request fails for a reason that is not the client's nor an outage (a bug). */
  readonly onUnexpectedError?: (error: unknown) => void;
  readonly onDependencyError?: (error: unknown) => void;
  /** Called when the deadline passed and the request is answered 503 (it may still finish). */
  readonly onDeadlineExceeded?: (request: ApiRequest) => void;
}
