import { randomUUID } from 'node:crypto';
import { buildMskEvent, type KafkaRecordInput, type MskEventJson } from '../../lib/msk/build';
import type { FailureCondition } from './constants';

/** The record Lambda writes to a `kafka://` on-failure destination (lib/dead-letter/fixtures). */
export interface OnFailureRecordJson {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: FailureCondition;
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  version: '1.0';
  timestamp: string;
  KafkaBatchInfo: {
    batchSize: number;
    eventSourceArn: string;
    bootstrapServers: string;
    payloadSize: number;
    recordInfo: { offset: string; timestamp: string };
  };
  payload: MskEventJson;
}

/** The local ARN of a function, as Lambda names it in on-failure records. */
export const localFunctionArn = (region: string, functionName: string): string =>
  `arn:aws:lambda:${region}:000000000000:function:${functionName}:$LATEST`;

/**
 * The on-failure record of failed records of one partition, in the form Lambda writes to a Kafka
 * destination: failure metadata, batch info of the first record, and the MSK event of the records.
 */
export function buildOnFailureRecord(options: {
  readonly functionArn: string;
  readonly condition: FailureCondition;
  readonly approximateInvokeCount: number;
  readonly eventSourceArn: string;
  readonly bootstrapServers: readonly string[];
  readonly records: readonly KafkaRecordInput[];
  readonly now: Date;
  /** `Unhandled` when the function threw; empty when the records expired before an error. */
  readonly functionError?: string;
  readonly requestId?: string;
}): OnFailureRecordJson {
  const first = options.records[0];
  if (first === undefined) throw new RangeError('an on-failure record carries at least one record');
  const payload = buildMskEvent({
    eventSourceArn: options.eventSourceArn,
    bootstrapServers: options.bootstrapServers,
    records: options.records,
  });
  return {
    requestContext: {
      requestId: options.requestId ?? randomUUID(),
      functionArn: options.functionArn,
      condition: options.condition,
      approximateInvokeCount: options.approximateInvokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: options.functionError ?? '',
    },
    version: '1.0',
    timestamp: options.now.toISOString(),
    KafkaBatchInfo: {
      batchSize: options.records.length,
      eventSourceArn: options.eventSourceArn,
      bootstrapServers: options.bootstrapServers.join(','),
      payloadSize: Buffer.byteLength(JSON.stringify(payload)),
      recordInfo: {
        offset: String(first.offset),
        timestamp: new Date(Number(first.timestamp)).toISOString(),
      },
    },
    payload,
  };
}
