import { triggerStatusesOf } from './emulator-status';

describe('triggerStatusesOf', () => {
  it("reads each trigger's up or down from the emulator's metrics", () => {
    // Prepare
    const text = [
      '# HELP msk_offline_trigger_up 1 while the trigger is a member of its group',
      '# TYPE msk_offline_trigger_up gauge',
      'msk_offline_trigger_up{function="transferSaga",topic="billing.saga.events"} 0',
      'msk_offline_trigger_up{function="accountProjector",topic="billing.account.events"} 1',
      'msk_offline_offset_lag{function="accountProjector",topic="billing.account.events",partition="0"} 1',
    ].join('\n');

    // Act
    const statuses = triggerStatusesOf(text);

    // Assess
    expect(statuses).toEqual([
      { functionKey: 'transferSaga', topic: 'billing.saga.events', up: false },
      { functionKey: 'accountProjector', topic: 'billing.account.events', up: true },
    ]);
  });

  it('finds nothing in metrics without triggers', () => {
    expect(triggerStatusesOf('msk_offline_invocations_total{function="f"} 3\n')).toEqual([]);
  });
});
