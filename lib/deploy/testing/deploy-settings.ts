import { TopicName } from '../../../schemas';
import type { BillingDeploySettings } from '../billing-resources';

/** Deploy settings of a made-up stage (IAM auth, account 123456789012, eu-west-1), for tests. */
export const testDeploySettings = (stage: string): BillingDeploySettings => ({
  stage,
  region: 'eu-west-1',
  mskClusterArn: `arn:aws:kafka:eu-west-1:123456789012:cluster/billing-${stage}/0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b-1`,
  kafkaAuth: 'iam',
  databaseSecretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing-${stage}/database-AbCdEf`,
  deadLetterTopic: TopicName.deadLetter,
  neverIdleTopics: [],
  offsetLagThreshold: 1000,
  deadLettersReceivedThreshold: 10,
  apiLatencyThresholdMs: 2000,
  concurrencyThreshold: 800,
  deadLetterAgeThresholdSeconds: 86400,
  metricsNamespace: 'BillingKafka',
  alarmTopic: 'BillingAlarmTopic',
});
