import { TopicName } from '../../lib/kafka/topics';
import { topicJsonSchema } from '../json-schema';
import {
  CompatibilityIssueKind,
  checkForwardCompatibility,
  formatCompatibilityIssues,
  type JsonSchemaObject,
} from './forward';

// A published schema shaped like z.toJSONSchema's output: a oneOf discriminated on eventType.
const published = {
  oneOf: [
    {
      type: 'object',
      properties: {
        eventType: { type: 'string', const: 'TopupRequested' },
        schemaVersion: { type: 'integer', minimum: 1, maximum: 1 },
        payload: {
          type: 'object',
          properties: {
            accountId: { type: 'string', format: 'uuid', pattern: '^[0-9a-f-]{36}$' },
            amount: {
              type: 'object',
              properties: {
                minorUnits: {
                  type: 'string',
                  allOf: [{ pattern: '^(0|[1-9][0-9]*)$' }, { pattern: '^[0-9]{1,16}$' }],
                },
                currency: { type: 'string', enum: ['EUR', 'USD'] },
              },
              required: ['minorUnits', 'currency'],
            },
            reference: { type: 'string', maxLength: 140 },
          },
          required: ['accountId', 'amount'],
        },
      },
      required: ['eventType', 'schemaVersion', 'payload'],
    },
    {
      type: 'object',
      properties: { eventType: { type: 'string', const: 'WithdrawalRequested' } },
      required: ['eventType'],
    },
  ],
};
interface PayloadSchema {
  properties: {
    [name: string]: unknown;
    amount: { properties: { currency: { enum: string[] }; minorUnits: unknown } };
  };
  required: string[];
  additionalProperties?: boolean;
}
interface Schema {
  oneOf: {
    type?: string;
    properties: Record<string, unknown> & { payload?: PayloadSchema; schemaVersion?: { maximum: number } };
  }[];
}
const edit = (change: (schema: Schema) => void): JsonSchemaObject => {
  const next = structuredClone(published) as unknown as Schema;
  change(next);
  return next as unknown as JsonSchemaObject;
};
const topup = (schema: Schema): PayloadSchema => {
  const payload = schema.oneOf[0]?.properties.payload;
  if (payload === undefined) throw new Error('fixture changed');
  return payload;
};

describe('checkForwardCompatibility', () => {
  it('finds nothing between a schema and itself', () => {
    // Act
    const issues = checkForwardCompatibility(published, structuredClone(published));

    // Assess
    expect(issues).toEqual([]);
  });

  it.each([
    [
      'an added optional field',
      (s: Schema) => {
        topup(s).properties.note = { type: 'string' };
      },
    ],
    [
      'an added required field (FORWARD: old open readers ignore it; it breaks BACKWARD)',
      (s: Schema) => {
        topup(s).properties.channel = { type: 'string' };
        topup(s).required.push('channel');
      },
    ],
    [
      'a removed enum value (new writers no longer produce it)',
      (s: Schema) => {
        topup(s).properties.amount.properties.currency.enum = ['EUR'];
      },
    ],
    [
      'a narrowed type and a tightened bound',
      (s: Schema) => {
        topup(s).properties.reference = { type: 'string', maxLength: 20, minLength: 1 };
      },
    ],
    [
      'an optional field made required',
      (s: Schema) => {
        topup(s).required.push('reference');
      },
    ],
  ])('passes %s', (_change, change) => {
    // Prepare
    const next = edit(change);

    // Act
    const issues = checkForwardCompatibility(published, next);

    // Assess
    expect(issues).toEqual([]);
  });

  it.each([
    [
      'a removed required field',
      CompatibilityIssueKind.propertyRemoved,
      '[TopupRequested].payload.accountId',
      (s: Schema) => {
        delete topup(s).properties.accountId;
        topup(s).required = ['amount'];
      },
    ],
    [
      'a removed optional field of an open schema',
      CompatibilityIssueKind.propertyRemoved,
      '[TopupRequested].payload.reference',
      (s: Schema) => {
        delete topup(s).properties.reference;
      },
    ],
    [
      'a required field made optional',
      CompatibilityIssueKind.requiredRemoved,
      '[TopupRequested].payload.amount',
      (s: Schema) => {
        topup(s).required = ['accountId'];
      },
    ],
    [
      'a widened type',
      CompatibilityIssueKind.typeWidened,
      '[TopupRequested].payload.reference',
      (s: Schema) => {
        topup(s).properties.reference = { type: ['string', 'null'], maxLength: 140 };
      },
    ],
    [
      'an added enum value old readers do not know',
      CompatibilityIssueKind.valueAdded,
      '[TopupRequested].payload.amount.currency',
      (s: Schema) => {
        topup(s).properties.amount.properties.currency.enum = ['EUR', 'USD', 'JPY'];
      },
    ],
    [
      'a new event type on the topic',
      CompatibilityIssueKind.alternativeAdded,
      '[RefundRequested]',
      (s: Schema) => {
        s.oneOf.push({
          type: 'object',
          properties: { eventType: { type: 'string', const: 'RefundRequested' } },
        });
      },
    ],
    [
      'a relaxed upper bound (schemaVersion 2)',
      CompatibilityIssueKind.boundRelaxed,
      '[TopupRequested].schemaVersion',
      (s: Schema) => {
        const version = s.oneOf[0]?.properties.schemaVersion;
        if (version !== undefined) version.maximum = 2;
      },
    ],
    [
      'a removed pattern',
      CompatibilityIssueKind.patternChanged,
      '[TopupRequested].payload.amount.minorUnits',
      (s: Schema) => {
        topup(s).properties.amount.properties.minorUnits = {
          type: 'string',
          pattern: '^(0|[1-9][0-9]*)$',
        };
      },
    ],
    [
      'a removed format',
      CompatibilityIssueKind.formatChanged,
      '[TopupRequested].payload.accountId',
      (s: Schema) => {
        topup(s).properties.accountId = { type: 'string', pattern: '^[0-9a-f-]{36}$' };
      },
    ],
  ])('catches %s', (_change, kind, path, change) => {
    // Prepare
    const next = edit(change);

    // Act
    const issues = checkForwardCompatibility(published, next);

    // Assess
    expect(issues).toEqual([expect.objectContaining({ kind, path })]);
    expect(formatCompatibilityIssues('billing.transaction.events-value', issues)).toContain(`${path}: `);
  });

  it('with a closed old schema, catches even an added optional field', () => {
    // Prepare
    const closed = edit((s) => {
      topup(s).additionalProperties = false;
    });
    const next = edit((s) => {
      topup(s).additionalProperties = false;
      topup(s).properties.note = { type: 'string' };
    });

    // Act
    const issues = checkForwardCompatibility(closed, next);

    // Assess
    expect(issues).toEqual([
      expect.objectContaining({
        kind: CompatibilityIssueKind.propertyAddedToClosedModel,
        path: '[TopupRequested].payload.note',
      }),
    ]);
  });

  it('with a closed new schema, lets an optional field go', () => {
    // Prepare
    const next = edit((s) => {
      topup(s).additionalProperties = false;
      delete topup(s).properties.reference;
    });

    // Act
    const issues = checkForwardCompatibility(published, next);

    // Assess
    expect(issues).toEqual([]);
  });

  it('explains a break in a readable report', () => {
    // Prepare
    const next = edit((s) => {
      topup(s).properties.amount.properties.currency.enum = ['EUR', 'USD', 'JPY'];
    });

    // Act
    const report = formatCompatibilityIssues(
      'billing.transaction.events-value',
      checkForwardCompatibility(published, next),
    );

    // Assess
    expect(report).toBe(
      'billing.transaction.events-value: NOT FORWARD compatible with the published schema (records written with the new ' +
        'schema would be rejected by consumers still on the published one):\n' +
        '  - [TopupRequested].payload.amount.currency: new value "JPY" is unknown to old readers, who accept only ' +
        '"EUR", "USD" [VALUE_ADDED]',
    );
  });

  it('catches a field made nullable in a real topic schema', () => {
    // Prepare
    const current = topicJsonSchema(TopicName.accountEvents);
    const next = structuredClone(current) as {
      oneOf: { properties: { payload: { properties: Record<string, unknown> } } }[];
    };
    const payload = next.oneOf[0]?.properties.payload.properties;
    if (payload === undefined) throw new Error('AccountOpened is no longer the first alternative');
    payload.customerId = { anyOf: [payload.customerId, { type: 'null' }] };

    // Act
    const issues = checkForwardCompatibility(current, next);

    // Assess
    expect(issues).toEqual([
      expect.objectContaining({
        kind: CompatibilityIssueKind.alternativeAdded,
        path: '[AccountOpened].payload.customerId[null]',
      }),
    ]);
  });
});
