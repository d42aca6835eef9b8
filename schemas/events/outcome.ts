import * as z from 'zod';
import { MAX_MINOR_UNITS, RejectionReason, TransactionKind, TransactionOutcomeType } from '../constants';
import { eventSchema, IdSchema, TextSchema } from '../envelope';
import { CurrencySchema, MoneySchema, PositiveMoneySchema } from '../money';

// The outcome of every movement request, on billing.transaction.outcomes, keyed by the affected
// account (so an account's outcomes are in the order they were decided) and aggregated by the
// transaction. The transaction projector writes them in the batch that decides, through the outbox;
// a rebuild of the read model applies them and decides nothing again (docs/projection.md: Rebuild).
// The envelope's `causationId` is the request's event id and `occurredAt` the request's time.

const RejectionReasonSchema = z.enum(
  Object.values(RejectionReason) as [RejectionReason, ...RejectionReason[]],
);
const TransactionKindSchema = z.enum(
  Object.values(TransactionKind) as [TransactionKind, ...TransactionKind[]],
);

/** A signed count of minor units: positive raises the ledger account's balance. */
const SignedMinorUnitsSchema = z
  .string()
  .regex(/^-?[1-9][0-9]*$/, 'must be a non-zero integer of minor units, as a decimal string')
  .refine((value) => (value.startsWith('-') ? value.length - 1 : value.length) <= 16, 'too many digits')
  .refine(
    (value) => BigInt(value) <= MAX_MINOR_UNITS && BigInt(value) >= -MAX_MINOR_UNITS,
    `must not exceed ${MAX_MINOR_UNITS} minor units either way`,
  );

/** One double entry of an applied movement. */
const LedgerEntrySchema = z.object({
  /** `customer:<account id>`, `external:<currency>` or `transfers-in-flight:<currency>`. */
  ledgerAccount: TextSchema(100),
  /** The customer account of a customer entry; null for a system ledger account. */
  accountId: IdSchema.nullable(),
  amount: z.object({ minorUnits: SignedMinorUnitsSchema, currency: CurrencySchema }),
});

/** The request record the outcome decides: its partition and offset on billing.transaction.events. */
const RequestPositionSchema = z.object({
  partition: z.int().min(0),
  offset: z.string().regex(/^(0|[1-9][0-9]*)$/, 'must be a Kafka offset, as a decimal string'),
});

const outcome = {
  transactionId: IdSchema,
  accountId: IdSchema,
  kind: TransactionKindSchema,
  amount: PositiveMoneySchema,
  /** A refund's original topup, a compensation's debit leg. */
  originalTransactionId: IdSchema.optional(),
  transferId: IdSchema.optional(),
  request: RequestPositionSchema,
};

/** A movement applied: its entries and the account's balance right after it. */
export const TransactionAppliedSchema = eventSchema(
  TransactionOutcomeType.transactionApplied,
  {
    ...outcome,
    direction: z.enum(['credit', 'debit']),
    balance: MoneySchema,
    entries: z.array(LedgerEntrySchema).min(2).max(4),
  },
  'transactionId',
);

/** A movement refused by the ledger's rules, with the reason. */
export const TransactionRejectedSchema = eventSchema(
  TransactionOutcomeType.transactionRejected,
  { ...outcome, reason: RejectionReasonSchema },
  'transactionId',
);

export const TransactionOutcomeSchema = z.discriminatedUnion('eventType', [
  TransactionAppliedSchema,
  TransactionRejectedSchema,
]);
