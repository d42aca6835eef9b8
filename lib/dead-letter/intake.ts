import type { Pool } from 'pg';
import { decodeMskEvent, type MskRecordOrigin } from '../msk';
import { type LetterSource, lettersOfRecord } from './incoming';
import { type LetterToStore, type StoreReport, storeLetterBatch } from './store';
import type { RetrierContext } from './types';

/*
 * Intake (docs/dead-letters.md): the dead-letter handler stores every letter of billing.dead-letter
 * in the dead_letters table, once per source record; the retrier (./retrier.ts) takes them from there.
 */

/** What the dead-letter handler does with one MSK event of billing.dead-letter. */
export async function receiveDeadLetters(
  event: unknown,
  dependencies: { readonly pool: Pool },
  context: RetrierContext,
): Promise<StoreReport & { readonly received: number }> {
  // Every record decodes to its letters (never a failure): bad letters are letters too.
  const decoded = decodeMskEvent(event, ({ value }) => ({ ok: true, event: value }));
  const letters: (LetterToStore & { letterPartition: number; letterOffset: string })[] = [];
  for (const batch of decoded.partitions) {
    for (const record of batch.records) {
      const origin: MskRecordOrigin = record.origin;
      const letterRecord: LetterSource = {
        topic: origin.topic,
        partition: origin.partition,
        offset: origin.offset,
        key: origin.key,
        value: origin.value,
        headers: origin.headers,
        timestamp: origin.timestamp,
      };
      for (const letter of lettersOfRecord(origin)) {
        letters.push({
          ...letter,
          letterPartition: origin.partition,
          letterOffset: origin.offset,
          letterRecord,
        });
      }
    }
  }
  const report = await storeLetterBatch(dependencies.pool, letters, context);
  for (const parked of report.parked) {
    const letter = letters.find((candidate) => candidate.id === parked.id);
    context.logger.warn('Dead letter parked', {
      deadLetterId: parked.id,
      code: parked.code,
      reason: parked.reason,
      topic: letter?.source.topic,
      partition: letter?.source.partition,
      offset: letter?.source.offset,
      message: letter?.failure.message,
    });
  }
  return { ...report, received: letters.length };
}
