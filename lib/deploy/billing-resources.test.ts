import { TopicName } from '../../schemas';
import {
  type BillingDeploySettings,
  type BillingFunction,
  billingResources,
  DeployConfigError,
  triggerLogicalId,
} from './billing-resources';
import { testDeploySettings } from './testing/deploy-settings';

const settings: BillingDeploySettings = testDeploySettings('prod');

const FRAMEWORK_ID = 'AccountProjectorEventSourceMappingMSKMskClusterArnBillingaccountevents';

const projector = (consumerGroupId: string): BillingFunction => ({
  key: 'accountProjector',
  name: 'billing-prod-accountProjector',
  logicalName: 'AccountProjector',
  serviceName: 'account-projector',
  produces: [TopicName.deadLetter],
  triggers: [
    {
      topic: TopicName.accountEvents,
      consumerGroupId,
      mappingLogicalId: triggerLogicalId(FRAMEWORK_ID, consumerGroupId),
    },
  ],
  timeoutSeconds: 60,
  scheduled: false,
  http: false,
});

describe('versioned triggers', () => {
  it('gives a new consumer group version a new trigger id and its own alarms', () => {
    // Act
    const v1 = Object.keys(billingResources([projector('billing.prod.account-projector.v1')], settings));
    const v2 = Object.keys(billingResources([projector('billing.prod.account-projector.v2')], settings));

    // Assess
    expect(triggerLogicalId(FRAMEWORK_ID, 'billing.prod.account-projector.v2')).toBe(`${FRAMEWORK_ID}V2`);
    const triggerAlarms = (ids: string[]) => ids.filter((id) => /Alarm.+V[0-9]+$/.test(id)).sort();
    expect(triggerAlarms(v1)).toEqual([
      'AccountProjectorOffsetLagAlarmBillingaccounteventsV1',
      'AccountProjectorTriggerDeadLetteredAlarmBillingaccounteventsV1',
      'AccountProjectorTriggerErrorsAlarmBillingaccounteventsV1',
      'AccountProjectorTriggerNotPollingAlarmBillingaccounteventsV1',
    ]);
    expect(triggerAlarms(v2)).toEqual(triggerAlarms(v1).map((id) => id.replace(/V1$/, 'V2')));
    // The function's own alarms stay: only the trigger changes.
    expect(v2.filter((id) => !/V[0-9]+$/.test(id))).toEqual(v1.filter((id) => !/V[0-9]+$/.test(id)));
  });

  it('refuses a consumer group without a version, naming the trigger', () => {
    // Act
    const build = () =>
      billingResources(
        [
          {
            ...projector('billing.prod.account-projector.v1'),
            triggers: [
              {
                topic: TopicName.accountEvents,
                consumerGroupId: 'billing.prod.account-projector',
                mappingLogicalId: FRAMEWORK_ID,
              },
            ],
          },
        ],
        settings,
      );

    // Assess
    expect(build).toThrow(DeployConfigError);
    expect(build).toThrow(
      /accountProjector's msk trigger on billing.account.events needs its own consumerGroupId ending in \.v<N>/,
    );
  });
});
