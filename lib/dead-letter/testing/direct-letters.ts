import type { Logger } from '@aws-lambda-powertools/logger';
import type { Pool } from 'pg';
import { DeadLetterEventType, type DeadLetterRecorded, TopicName } from '../../../schemas';
import { buildMskEvent } from '../../msk';
import type { directRun } from '../../projection/testing/direct-run';
import { receiveDeadLetters } from '../intake';
import type { RetrySettings } from '../schedule';

/**
 * Hands the dead letters a direct run has published so far (and not yet handed) to the real
 * intake, as records of billing.dead-letter; returns their ids, in order.
 */
export function letterIntake(
  pool: Pool,
  run: ReturnType<typeof directRun>,
  settings: RetrySettings,
  logger: Logger,
) {
  let handed = 0;
  return async (now = new Date()): Promise<string[]> => {
    const letters = run.published
      .slice(handed)
      .filter(
        (event): event is DeadLetterRecorded => event.eventType === DeadLetterEventType.deadLetterRecorded,
      );
    handed = run.published.length;
    if (letters.length === 0) return [];
    const records = letters.map((letter) =>
      run.recordOf(TopicName.deadLetter, letter.payload.deadLetterId, Buffer.from(JSON.stringify(letter))),
    );
    const event = JSON.parse(
      JSON.stringify(buildMskEvent({ eventSourceArn: 'direct-run', bootstrapServers: [], records })),
    );
    await receiveDeadLetters(event, { pool }, { now, settings, random: () => 0.5, logger });
    return letters.map((letter) => letter.payload.deadLetterId);
  };
}
