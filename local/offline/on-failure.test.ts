import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaOnFailureRecordSchema } from '../../lib/dead-letter/incoming';
import type { KafkaRecordInput } from '../../lib/msk/build';
import { FailureCondition } from './constants';
import { buildOnFailureRecord, localFunctionArn } from './on-failure';

const fixturePath = join(
  __dirname,
  '..',
  '..',
  'lib',
  'dead-letter',
  'fixtures',
  'lambda-on-failure-record.json',
);
const loadFixture = () => {
  const { _comment, ...record } = JSON.parse(readFileSync(fixturePath, 'utf8'));
  return record;
};

/** The fixture's failed record, back as a consumer saw it. */
function consumedRecordOf(fixture: ReturnType<typeof loadFixture>): KafkaRecordInput {
  const json = fixture.payload.records['billing.transaction.events-3'][0];
  return {
    topic: json.topic,
    partition: json.partition,
    offset: String(json.offset),
    timestamp: String(json.timestamp),
    key: Buffer.from(json.key, 'base64'),
    value: Buffer.from(json.value, 'base64'),
    headers: json.headers.flatMap((header: Record<string, number[]>) =>
      Object.entries(header).map(([key, bytes]) => ({ key, value: Buffer.from(bytes) })),
    ),
  };
}

describe('buildOnFailureRecord', () => {
  it("writes the record Lambda's Kafka on-failure destination writes", () => {
    // Prepare
    const fixture = loadFixture();
    // Act
    const record = buildOnFailureRecord({
      functionArn: fixture.requestContext.functionArn,
      requestId: fixture.requestContext.requestId,
      condition: FailureCondition.retriesExhausted,
      approximateInvokeCount: 3,
      functionError: 'Unhandled',
      eventSourceArn: fixture.KafkaBatchInfo.eventSourceArn,
      bootstrapServers: [fixture.KafkaBatchInfo.bootstrapServers],
      records: [consumedRecordOf(fixture)],
      now: new Date(fixture.timestamp),
    });
    // Assess: the same document, key for key (the payload's size is of our serialisation)
    expect({ ...record, KafkaBatchInfo: { ...record.KafkaBatchInfo, payloadSize: 0 } }).toEqual({
      ...fixture,
      KafkaBatchInfo: { ...fixture.KafkaBatchInfo, payloadSize: 0 },
    });
    expect(record.KafkaBatchInfo.payloadSize).toBe(Buffer.byteLength(JSON.stringify(record.payload)));
    expect(LambdaOnFailureRecordSchema.safeParse(record).success).toBe(true);
  });

  it('names a local function like Lambda does', () => {
    expect(localFunctionArn('eu-west-1', 'billing-local-accountProjector')).toBe(
      'arn:aws:lambda:eu-west-1:000000000000:function:billing-local-accountProjector:$LATEST',
    );
  });
});
