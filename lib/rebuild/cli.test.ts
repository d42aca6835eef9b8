import { TopicName } from '../../schemas';
import { parseRebuildArgs, UsageError } from './cli';

describe('npm run rebuild arguments', () => {
  it('reads --compare and --database, and reads the billing topics by default', () => {
    expect(parseRebuildArgs([])).toEqual({ compare: false, database: undefined, topicAliases: {} });
    expect(parseRebuildArgs(['--compare', '--database', 'billing_rebuild_1'])).toEqual({
      compare: true,
      database: 'billing_rebuild_1',
      topicAliases: {},
    });
  });

  it('reads --topic-prefix as an alias of every billing topic', () => {
    // Act
    const { topicAliases } = parseRebuildArgs(['--topic-prefix', 'test.rebuild.0a1b2c3d.']);

    // Assess
    expect(topicAliases).toEqual(
      Object.fromEntries(Object.values(TopicName).map((topic) => [topic, `test.rebuild.0a1b2c3d.${topic}`])),
    );
    expect(topicAliases[TopicName.accountEvents]).toBe('test.rebuild.0a1b2c3d.billing.account.events');
  });

  it.each([
    [['--database'], /--database needs a name .*got nothing/],
    [
      ['--database', 'Billing-Rebuild'],
      /--database needs a name of lower-case letters, digits and _ \(got Billing-Rebuild\)/,
    ],
    [['--fast'], /unknown argument --fast/],
    [['--topic-prefix'], /--topic-prefix needs .*got nothing/],
    [['--topic-prefix', 'test.rebuild'], /--topic-prefix needs Kafka topic characters ending in a dot/],
    [['--topic-prefix', 'test rebuild.'], /ending in a dot, .*\(got test rebuild\.\)/],
  ])('refuses %j with a message naming what is wrong', (argv, message) => {
    expect(() => parseRebuildArgs(argv)).toThrow(UsageError);
    expect(() => parseRebuildArgs(argv)).toThrow(message);
  });
});
