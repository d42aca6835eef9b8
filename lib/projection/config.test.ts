import { loadProjectionSettings } from './config';
import { ProjectionConfigError } from './errors';

describe('loadProjectionSettings', () => {
  it('writes to the billing topics unless a run gives its prefix', () => {
    expect(loadProjectionSettings({}).topicAliases).toEqual({});
    expect(loadProjectionSettings({ BILLING_TOPIC_PREFIX: 'test.sim.0a1b2c3d.' }).topicAliases).toEqual({
      'billing.account.events': 'test.sim.0a1b2c3d.billing.account.events',
      'billing.transaction.events': 'test.sim.0a1b2c3d.billing.transaction.events',
      'billing.transaction.outcomes': 'test.sim.0a1b2c3d.billing.transaction.outcomes',
      'billing.saga.events': 'test.sim.0a1b2c3d.billing.saga.events',
      'billing.dead-letter': 'test.sim.0a1b2c3d.billing.dead-letter',
    });
  });

  it('refuses a prefix that is no topic name part, naming the variable', () => {
    for (const prefix of ['test run.', 'test', 'x/y.']) {
      expect(() => loadProjectionSettings({ BILLING_TOPIC_PREFIX: prefix })).toThrow(ProjectionConfigError);
      expect(() => loadProjectionSettings({ BILLING_TOPIC_PREFIX: prefix })).toThrow(/BILLING_TOPIC_PREFIX/);
    }
  });
});
