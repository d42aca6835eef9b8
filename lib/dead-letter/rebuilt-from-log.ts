import { AccountEventType, SagaEventType, TopicName } from '../../schemas';
import { eventOfLetter, type LetterOfRecord } from './letter-event';

/**
 * Why discarding this letter would leave the read model different from its log, or undefined: an
 * account's opening or status change and a transfer's request are applied by a rebuild of the read
 * model, which reads those streams as facts (docs/projection.md#rebuild). Discarded, the live model
 * would never apply what a rebuild applies. Such a letter is replayed instead; one that can never
 * apply (a status change of an account that never opened) stays parked, which moves no money. A
 * record that does not decode is not applied by a rebuild either, and may be discarded. Pure.
 */
export function rebuiltFromLogOf(letter: LetterOfRecord): string | undefined {
  if (letter.source.topic !== TopicName.accountEvents && letter.source.topic !== TopicName.sagaEvents)
    return undefined;
  const event = eventOfLetter(letter);
  if (event === undefined) return undefined;
  const replay = `replay it instead (npm run dlq -- replay ${letter.id})`;
  if (
    event.eventType === AccountEventType.accountOpened ||
    event.eventType === AccountEventType.accountStatusChanged
  )
    return `the ${event.eventType} of account ${event.payload.accountId}: a rebuild of the read model applies it from the log, so discarding it would leave the live read model different from its log; ${replay}`;
  if (event.eventType === SagaEventType.transferRequested)
    return `the request of transfer ${event.payload.transferId}: a rebuild of the read model starts it from the log, so discarding it would leave the live read model different from its log; ${replay}`;
  return undefined;
}
