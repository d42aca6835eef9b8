import * as z from 'zod';
import { DeadLetterRecordedSchema, FailureClass } from '../../schemas';
import type { MskHeader, MskRecordOrigin } from '../msk';
import { deadLetterIdOf } from '../projection/dead-letter';
import { LetterFailureCode, LetterOrigin } from './constants';

/** The source record of a letter, byte for byte (base64 key and value, as MSK delivers them). */
export interface LetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly MskHeader[];
  readonly timestamp: string;
}

/** A letter read from billing.dead-letter, whatever wrote it, ready to be stored. */
export interface IncomingLetter {
  readonly id: string;
  readonly origin: LetterOrigin;
  readonly source: LetterSource;
  readonly handler: string;
  readonly failure: {
    readonly class: FailureClass;
    readonly code: string;
    readonly message: string;
    readonly attempt: number;
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/*
 * Lambda's Kafka on-failure destination (AWS Lambda Developer Guide, "Using a Kafka topic as an
 * on-failure destination", "Record format for a Kafka destination"): failure metadata
 * (requestContext, responseContext, version, timestamp, KafkaBatchInfo) and `payload`, the MSK
 * event of the failed records (records keyed topic-partition, base64 key and value, headers as
 * signed byte arrays). Fixture: fixtures/lambda-on-failure-record.json.
 */
const SignedBytesSchema = z.array(z.int().min(-128).max(255));
const NativeMskRecordSchema = z.object({
  topic: z.string().min(1),
  partition: z.int().min(0),
  offset: z.union([z.int().min(0), z.string().regex(/^[0-9]+$/)]),
  timestamp: z.number(),
  key: z.string().nullish(),
  value: z.string().nullish(),
  headers: z.array(z.record(z.string(), SignedBytesSchema.nullable())).default([]),
});
export const LambdaOnFailureRecordSchema = z.object({
  requestContext: z.object({
    requestId: z.string().optional(),
    functionArn: z.string().min(1),
    condition: z.string().min(1),
    approximateInvokeCount: z.number().optional(),
  }),
  responseContext: z
    .object({ statusCode: z.number().optional(), functionError: z.string().optional() })
    .partial()
    .optional(),
  version: z.string(),
  timestamp: z.string(),
  payload: z.object({ records: z.record(z.string(), z.array(NativeMskRecordSchema)) }),
});
export type LambdaOnFailureRecord = z.infer<typeof LambdaOnFailureRecordSchema>;

/** `billing-prod-transactionProjector` of `arn:aws:lambda:...:function:billing-prod-transactionProjector:$LATEST`. */
const functionNameOf = (arn: string): string => /:function:([^:]+)/.exec(arn)?.[1] ?? arn;

const upperSnake = (text: string): string =>
  text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()
    .slice(0, 100) || 'UNKNOWN';

function lettersOfNativeRecord(record: LambdaOnFailureRecord): IncomingLetter[] {
  const { requestContext, responseContext } = record;
  const handler = functionNameOf(requestContext.functionArn);
  const message =
    `Lambda's on-failure destination: ${requestContext.condition}` +
    `${responseContext?.functionError ? ` (${responseContext.functionError} function error)` : ''}` +
    ` after ${requestContext.approximateInvokeCount ?? '?'} invocations of ${requestContext.functionArn}` +
    ` at ${record.timestamp}`;
  return Object.values(record.payload.records)
    .flat()
    .map((failed) => {
      const source: LetterSource = {
        topic: failed.topic,
        partition: failed.partition,
        offset: String(failed.offset),
        key: failed.key ?? null,
        value: failed.value ?? null,
        headers: failed.headers.flatMap((header) =>
          Object.entries(header).map(([key, bytes]) => ({
            key,
            value: bytes === null ? null : Buffer.from(bytes).toString('base64'),
          })),
        ),
        timestamp: new Date(failed.timestamp).toISOString(),
      };
      return {
        id: deadLetterIdOf(source, handler),
        origin: LetterOrigin.lambdaOnFailure,
        source,
        handler,
        // The handler threw on every retry: it classified no failure, so the letter is retryable.
        failure: {
          class: FailureClass.transient,
          code: upperSnake(requestContext.condition),
          message,
          // Lambda's invocations were retries of an outage or a crash, not attempts of ours.
          attempt: 1,
        },
      };
    });
}

/** A record of billing.dead-letter that is neither kind (or whose letter cannot be stored): kept as its own source, to be parked. */
export function invalidLetter(
  letterRecord: LetterSource,
  reason: string,
  code: string = LetterFailureCode.invalidLetter,
): IncomingLetter {
  const source: LetterSource = {
    topic: letterRecord.topic,
    partition: letterRecord.partition,
    offset: letterRecord.offset,
    key: letterRecord.key,
    value: letterRecord.value,
    headers: letterRecord.headers,
    timestamp: letterRecord.timestamp,
  };
  return {
    id: deadLetterIdOf(source, 'dead-letter'),
    origin: LetterOrigin.invalid,
    source,
    handler: 'dead-letter',
    failure: {
      class: FailureClass.permanent,
      code,
      message: reason.slice(0, 10_000),
      attempt: 1,
    },
  };
}

/**
 * The letters of one record of billing.dead-letter: our DeadLetterRecorded envelope (one letter),
 * Lambda's native on-failure record (one letter per failed record it carries), or, for anything
 * else, one permanent letter whose source is the dead-letter record itself. Never throws.
 */
export function lettersOfRecord(letterRecord: MskRecordOrigin): IncomingLetter[] {
  if (letterRecord.value === null) return [invalidLetter(letterRecord, 'the record has no value')];
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(Buffer.from(letterRecord.value, 'base64')));
  } catch (error) {
    return [invalidLetter(letterRecord, `the value is not UTF-8 JSON (${(error as Error).message})`)];
  }
  const envelope = DeadLetterRecordedSchema.safeParse(json);
  if (envelope.success) {
    const { deadLetterId, source, failure } = envelope.data.payload;
    return [
      {
        id: deadLetterId,
        origin: LetterOrigin.envelope,
        source,
        handler: failure.handler,
        failure: {
          class: failure.class,
          code: failure.code,
          message: failure.message,
          attempt: failure.attempt,
        },
      },
    ];
  }
  const native = LambdaOnFailureRecordSchema.safeParse(json);
  if (native.success) {
    const letters = lettersOfNativeRecord(native.data);
    return letters.length > 0
      ? letters
      : [invalidLetter(letterRecord, 'the on-failure record carries no record')];
  }
  const eventType = (json as { eventType?: unknown } | null)?.eventType;
  const issues = (eventType === undefined ? native : envelope).error?.issues ?? [];
  return [
    invalidLetter(
      letterRecord,
      `neither a DeadLetterRecorded envelope nor a Lambda on-failure record: ${issues
        .slice(0, 5)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    ),
  ];
}
