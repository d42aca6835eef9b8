import {
  describeTopicEndChanges,
  formatTopicEndChange,
  parseTopicEndsRecord,
  serializeTopicEndsRecord,
  type TopicEnds,
  topicEndChanges,
} from './topic-ends';

const before: TopicEnds = {
  'billing.account.events': { '0': '10', '1': '0', '2': '7' },
  'billing.dead-letter': { '0': '3' },
};

describe("the billing topics' end offsets before and after a run", () => {
  it('have no change when every partition ends where it did', () => {
    // Act
    const changes = topicEndChanges(before, structuredClone(before));

    // Assess
    expect(changes).toEqual([]);
    expect(describeTopicEndChanges(changes)).toBeUndefined();
  });

  it('name each partition that moved, by how much, in topic and partition order', () => {
    // Prepare
    const after: TopicEnds = {
      'billing.dead-letter': { '0': '4' },
      'billing.account.events': { '0': '10', '1': '2', '2': '7', '10': '1' },
    };

    // Act
    const lines = topicEndChanges(before, after).map(formatTopicEndChange);

    // Assess
    expect(lines).toEqual([
      'billing.account.events-1: end offset 0 before the run, 2 after (+2)',
      'billing.account.events-10: partition added during the run, end offset 1',
      'billing.dead-letter-0: end offset 3 before the run, 4 after (+1)',
    ]);
  });

  it('name topics created or deleted during the run, and an end that went back', () => {
    // Prepare
    const after: TopicEnds = {
      'billing.account.events': { '0': '9', '1': '0', '2': '7' },
      'billing.new': { '0': '2', '1': '3' },
    };

    // Act
    const report = describeTopicEndChanges(topicEndChanges(before, after));

    // Assess
    expect(report).toBe(
      [
        'the billing.* topics changed during the run: 3 change(s) on 3 topic(s), -1 record(s) on existing topics',
        '  billing.account.events-0: end offset 10 before the run, 9 after (-1)',
        '  billing.dead-letter: deleted during the run, it held 3 record(s)',
        '  billing.new: created during the run, 5 record(s)',
      ].join('\n'),
    );
  });

  it('sum the moved records of every partition in the report', () => {
    // Prepare
    const after: TopicEnds = {
      'billing.account.events': { '0': '12', '1': '5', '2': '7' },
      'billing.dead-letter': { '0': '3' },
    };

    // Act
    const report = describeTopicEndChanges(topicEndChanges(before, after));

    // Assess
    expect(report?.split('\n')[0]).toBe(
      'the billing.* topics changed during the run: 2 change(s) on 1 topic(s), +7 record(s) on existing topics',
    );
  });
});

describe('the record of a run start', () => {
  it('round-trips its ends and its error through JSON', () => {
    // Prepare
    const recorded = { recordedAt: '2026-12-03T10:00:00.000Z', ends: before };
    const failed = { recordedAt: '2026-12-03T10:00:00.000Z', error: 'Connection timeout' };

    // Act, Assess
    expect(parseTopicEndsRecord(serializeTopicEndsRecord(recorded))).toEqual(recorded);
    expect(parseTopicEndsRecord(serializeTopicEndsRecord(failed))).toEqual(failed);
  });

  it.each([
    ['not json', /is not JSON/],
    ['{"ends":{}}', /is malformed: \{"ends":\{\}\}/],
    ['{"recordedAt":"x","ends":{"billing.a":{"0":12}}}', /is malformed/],
    ['{"recordedAt":"x","ends":{"billing.a":{"p":"12"}}}', /is malformed/],
  ])('refuses %s, saying what is wrong', (text, message) => {
    expect(() => parseTopicEndsRecord(text)).toThrow(message);
  });
});
