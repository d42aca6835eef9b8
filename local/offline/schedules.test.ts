import { rateMs, readSchedules } from './schedules';

describe('rateMs', () => {
  it('reads EventBridge rates', () => {
    expect(rateMs('rate(1 minute)')).toBe(60_000);
    expect(rateMs('rate(5 minutes)')).toBe(300_000);
    expect(rateMs('rate(2 hours)')).toBe(7_200_000);
    expect(rateMs('rate(1 day)')).toBe(86_400_000);
  });

  it('refuses what EventBridge refuses, and cron', () => {
    for (const expression of ['rate(1 minutes)', 'rate(2 minute)', 'rate(0 minutes)', 'cron(0 12 * * ? *)']) {
      expect(rateMs(expression)).toBeUndefined();
    }
  });
});

describe('readSchedules', () => {
  const functions = {
    deadLetterRetrier: { name: 'billing-local-deadLetterRetrier', events: [{ schedule: 'rate(1 minute)' }] },
    nightly: { events: [{ schedule: { rate: 'cron(0 2 * * ? *)' } }] },
    accountProjector: { events: [{ msk: { topic: 'billing.account.events' } }] },
  };

  it('lists the scheduled functions and names the expressions it cannot run', () => {
    expect(readSchedules(functions)).toEqual({
      schedules: [
        {
          functionKey: 'deadLetterRetrier',
          functionName: 'billing-local-deadLetterRetrier',
          expression: 'rate(1 minute)',
          everyMs: 60_000,
        },
      ],
      unsupported: ['nightly: cron(0 2 * * ? *)'],
    });
  });

  it('keeps to the functions of MSK_OFFLINE_FUNCTIONS', () => {
    expect(readSchedules(functions, ['accountProjector']).schedules).toEqual([]);
  });
});
