import { setUpTopics } from '../../lib/kafka/topic-setup';
import { billingTopics } from '../../lib/kafka/topic-specs';
import { localKafka } from '../stack/kafka-admin';

type Log = (line: string) => void;

/**
 * Creates the billing topics on the local cluster, idempotently, and checks existing ones.
 * Returns false (after printing each difference) when a topic exists with other settings.
 */
export async function setUpBillingTopics(log: Log): Promise<boolean> {
  const admin = localKafka('billing-topics-create').admin();
  await admin.connect();
  try {
    const report = await setUpTopics(admin, billingTopics);
    for (const spec of billingTopics) {
      const state = report.created.includes(spec.name)
        ? 'created'
        : report.alreadyCorrect.includes(spec.name)
          ? 'exists, settings match'
          : 'exists, SETTINGS DIFFER';
      log(`  topic ${spec.name} (${spec.partitions} partitions, key: ${spec.key}): ${state}`);
    }
    for (const mismatch of report.mismatches) {
      log(`  ! ${mismatch.topic}: ${mismatch.setting} is ${mismatch.actual}, expected ${mismatch.expected}`);
    }
    if (report.mismatches.length > 0) {
      log(
        '  Topics with other settings were left as they are. Fix them with local/kafka.sh kafka-configs.sh (see docs/operations.md), or delete and recreate them.',
      );
    }
    return report.mismatches.length === 0;
  } finally {
    await admin.disconnect();
  }
}

if (require.main === module) {
  setUpBillingTopics((line) => console.log(line)).then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      console.error(`topics:create failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
