import { TopicName } from '../constants';
import { topicJsonSchema } from '../json-schema';
import {
  type CompatibilityDirection,
  CompatibilityIssueKind,
  CompatibilityMode,
  checkBackwardCompatibility,
  checkCompatibility,
  checkForwardCompatibility,
  formatCompatibilityIssues,
  type JsonSchemaObject,
  type CompatibilityIssueKind as Kind,
  publishedLabel,
} from './compatibility';

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

describe('checkForwardCompatibility (hand-written schemas)', () => {
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
      'an added required field (the open published schema ignores it; it breaks BACKWARD)',
      (s: Schema) => {
        topup(s).properties.channel = { type: 'string' };
        topup(s).required.push('channel');
      },
    ],
    [
      'a removed enum value (the current schema no longer writes it)',
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
      'an added enum value consumers on the published schema do not know',
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
      'billing.transaction.events-value: NOT FORWARD compatible with the published schema (consumers still on the ' +
        'published schema would reject records written with the current schema):\n' +
        '  - [TopupRequested].payload.amount.currency: records written with the current schema may hold "JPY" here, ' +
        'but the published schema accepts only "EUR", "USD": consumers still on the published schema reject them ' +
        '[VALUE_ADDED]',
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
        kind: CompatibilityIssueKind.typeWidened,
        path: '[AccountOpened].payload.customerId[null]',
      }),
    ]);
  });
});

// Changed copies of the real topic schemas: `published` is today's schema, `next` an edited clone.
interface EventAlternative {
  properties: {
    eventType: { const: string };
    schemaVersion: { minimum: number; maximum: number };
    payload: { properties: Record<string, Record<string, unknown>>; required: string[] };
  };
}
interface TopicSchema {
  oneOf: EventAlternative[];
}
const eventOf = (schema: TopicSchema, eventType: string): EventAlternative => {
  const alternative = schema.oneOf.find((candidate) => candidate.properties.eventType.const === eventType);
  if (alternative === undefined) throw new Error(`${eventType} is no longer in the topic schema`);
  return alternative;
};
const payloadOf = (schema: TopicSchema, eventType: string) => eventOf(schema, eventType).properties.payload;
const changeTopic = (topic: TopicName, change: (schema: TopicSchema) => void) => {
  const published = topicJsonSchema(topic);
  const next = structuredClone(published) as unknown as TopicSchema;
  change(next);
  return { published, next: next as unknown as JsonSchemaObject };
};

interface Expected {
  readonly kind: Kind;
  readonly path: string;
}
interface ChangeCase {
  readonly change: string;
  readonly topic: TopicName;
  readonly edit: (schema: TopicSchema) => void;
  /** What the FORWARD guard (the registry's rule against the latest version) reports. */
  readonly forward: readonly Expected[];
  /** What the replay guard (BACKWARD against every published version) reports. */
  readonly backward: readonly Expected[];
}
const issuesOf = (direction: CompatibilityDirection, expected: readonly Expected[]) =>
  expected.map(({ kind, path }) => expect.objectContaining({ direction, kind, path }));

const changeCases: readonly ChangeCase[] = [
  {
    change: 'a new required field',
    topic: TopicName.transactionEvents,
    edit: (s) => {
      const payload = payloadOf(s, 'TopupRequested');
      payload.properties.channel = { type: 'string' };
      payload.required.push('channel');
    },
    forward: [],
    backward: [
      { kind: CompatibilityIssueKind.requiredPropertyAdded, path: '[TopupRequested].payload.channel' },
    ],
  },
  {
    change: 'an optional field made required',
    topic: TopicName.transactionEvents,
    edit: (s) => {
      payloadOf(s, 'TopupRequested').required.push('reference');
    },
    forward: [],
    backward: [{ kind: CompatibilityIssueKind.requiredAdded, path: '[TopupRequested].payload.reference' }],
  },
  {
    change: 'a narrowed type (a nullable made non-null)',
    topic: TopicName.deadLetter,
    edit: (s) => {
      const source = payloadOf(s, 'DeadLetterRecorded').properties.source as {
        properties: { key: { anyOf: unknown[] } };
      };
      source.properties.key = source.properties.key.anyOf[0] as { anyOf: unknown[] };
    },
    forward: [],
    backward: [
      { kind: CompatibilityIssueKind.typeNarrowed, path: '[DeadLetterRecorded].payload.source.key[null]' },
    ],
  },
  {
    change: 'a removed enum value',
    topic: TopicName.accountEvents,
    edit: (s) => {
      payloadOf(s, 'AccountStatusChanged').properties.to = { type: 'string', enum: ['active', 'suspended'] };
    },
    forward: [],
    backward: [{ kind: CompatibilityIssueKind.valueRemoved, path: '[AccountStatusChanged].payload.to' }],
  },
  {
    change: 'a tightened bound',
    topic: TopicName.transactionEvents,
    edit: (s) => {
      payloadOf(s, 'TopupRequested').properties.reference = { type: 'string', minLength: 1, maxLength: 35 };
    },
    forward: [],
    backward: [{ kind: CompatibilityIssueKind.boundTightened, path: '[TopupRequested].payload.reference' }],
  },
  {
    change: 'a removed event type',
    topic: TopicName.transactionEvents,
    edit: (s) => {
      s.oneOf = s.oneOf.filter((alternative) => alternative.properties.eventType.const !== 'RefundRequested');
    },
    forward: [],
    backward: [{ kind: CompatibilityIssueKind.alternativeRemoved, path: '[RefundRequested]' }],
  },
  {
    change: 'an added optional field',
    topic: TopicName.transactionEvents,
    edit: (s) => {
      payloadOf(s, 'TopupRequested').properties.note = { type: 'string', maxLength: 140 };
    },
    forward: [],
    backward: [],
  },
  {
    change: 'a new event type (an added union alternative)',
    topic: TopicName.transactionEvents,
    edit: (s) => {
      const chargeback = structuredClone(eventOf(s, 'TopupRequested'));
      chargeback.properties.eventType.const = 'ChargebackRequested';
      s.oneOf.push(chargeback);
    },
    forward: [{ kind: CompatibilityIssueKind.alternativeAdded, path: '[ChargebackRequested]' }],
    backward: [],
  },
  {
    change: 'a removed optional field',
    topic: TopicName.transactionEvents,
    edit: (s) => {
      delete payloadOf(s, 'TopupRequested').properties.reference;
    },
    forward: [{ kind: CompatibilityIssueKind.propertyRemoved, path: '[TopupRequested].payload.reference' }],
    backward: [],
  },
  {
    change: 'a removed required field',
    topic: TopicName.accountEvents,
    edit: (s) => {
      const payload = payloadOf(s, 'AccountStatusChanged');
      delete payload.properties.reason;
      payload.required = payload.required.filter((name) => name !== 'reason');
    },
    forward: [
      { kind: CompatibilityIssueKind.propertyRemoved, path: '[AccountStatusChanged].payload.reason' },
    ],
    backward: [],
  },
  {
    change: 'a schemaVersion bump that still reads version 1',
    topic: TopicName.transactionEvents,
    edit: (s) => {
      eventOf(s, 'WithdrawalRequested').properties.schemaVersion.maximum = 2;
    },
    forward: [{ kind: CompatibilityIssueKind.boundRelaxed, path: '[WithdrawalRequested].schemaVersion' }],
    backward: [],
  },
];

describe('checkCompatibility on changed copies of the real topic schemas', () => {
  it.each(changeCases)('FORWARD (registry rule) on $change', ({ topic, edit, forward }) => {
    // Prepare
    const { published, next } = changeTopic(topic, edit);

    // Act
    const issues = checkCompatibility(published, next, CompatibilityMode.forward);

    // Assess
    expect(issues).toEqual(issuesOf(CompatibilityMode.forward, forward));
  });

  it.each(changeCases)('BACKWARD (replay) on $change', ({ topic, edit, backward }) => {
    // Prepare
    const { published, next } = changeTopic(topic, edit);

    // Act
    const issues = checkCompatibility(published, next, CompatibilityMode.backward);

    // Assess
    expect(issues).toEqual(issuesOf(CompatibilityMode.backward, backward));
  });

  it.each(changeCases)('FULL reports both directions on $change', ({ topic, edit, forward, backward }) => {
    // Prepare
    const { published, next } = changeTopic(topic, edit);

    // Act
    const issues = checkCompatibility(published, next, CompatibilityMode.full);

    // Assess
    expect(issues).toEqual([
      ...issuesOf(CompatibilityMode.forward, forward),
      ...issuesOf(CompatibilityMode.backward, backward),
    ]);
  });

  it('judges an added optional field by Confluent rules when published records may carry undeclared ones', () => {
    // Prepare
    const { published, next } = changeTopic(TopicName.transactionEvents, (s) => {
      payloadOf(s, 'TopupRequested').properties.note = { type: 'string' };
    });

    // Act
    const issues = checkBackwardCompatibility(published, next, { publishedRecordsMayCarryUndeclared: true });

    // Assess
    expect(issues).toEqual([
      expect.objectContaining({
        kind: CompatibilityIssueKind.propertyAdded,
        path: '[TopupRequested].payload.note',
      }),
    ]);
  });

  it('words a replay break with the published version and the current schema', () => {
    // Prepare
    const { published, next } = changeTopic(TopicName.accountEvents, (s) => {
      const payload = payloadOf(s, 'AccountOpened');
      payload.properties.segment = { type: 'string' };
      payload.required.push('segment');
    });
    const labels = { published: publishedLabel(3) };

    // Act
    const report = formatCompatibilityIssues(
      'billing.account.events-value',
      checkCompatibility(published, next, CompatibilityMode.full, labels),
      CompatibilityMode.full,
      labels,
    );

    // Assess
    expect(report).toBe(
      'billing.account.events-value: NOT BACKWARD compatible with the published v3 schema (consumers on the current ' +
        'schema would reject records written with the published v3 schema, so replaying the topic fails):\n' +
        '  - [AccountOpened].payload.segment: is required by the current schema but not declared by the published v3 ' +
        'schema: records written with the published v3 schema lack it, and consumers on the current schema reject ' +
        'them on replay [REQUIRED_PROPERTY_ADDED]',
    );
  });

  it('reports a FULL check that passes as FULL compatible', () => {
    // Act
    const report = formatCompatibilityIssues(
      'billing.saga.events-value',
      checkCompatibility(
        topicJsonSchema(TopicName.sagaEvents),
        topicJsonSchema(TopicName.sagaEvents),
        'FULL',
      ),
      CompatibilityMode.full,
    );

    // Assess
    expect(report).toBe('billing.saga.events-value: FULL compatible');
  });
});
