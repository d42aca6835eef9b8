import { SagaEventType, TopicName, TransactionEventType } from '../../schemas';
import { eventOfLetter, type LetterOfRecord } from './letter-event';

/**
 * Why discarding this letter would strand money, or undefined when it would not: a transfer's
 * debit has moved the money to transfers-in-flight, and only the letter's record (a credit leg,
 * a compensation, or the saga step that requests one of them) takes it out again. Likewise a
 * record the transfer waits for to finish (its debit leg, the saga step that ends it). Such a letter
 * is replayed, never discarded: a credit whose destination never opens is rejected on replay of
 * a parked letter (or after its retries), and the saga returns the money. Pure.
 */
export function moneyInFlightOf(letter: LetterOfRecord): string | undefined {
  const event = eventOfLetter(letter);
  if (event === undefined) return undefined;
  const transferId = (event.payload as { transferId?: string }).transferId;
  const replay = `replay it instead (npm run dlq -- replay ${letter.id}) once its cause is fixed`;
  if (letter.source.topic === TopicName.transactionEvents) {
    if (event.eventType === TransactionEventType.transferCreditRequested)
      return `the credit leg of transfer ${transferId}: its money is held in transfers-in-flight until the credit applies or is rejected, and discarding it would strand the money; ${replay} (a replay of the parked letter rejects a credit whose destination does not exist, and the saga returns the debit)`;
    if (event.eventType === TransactionEventType.transferCompensationRequested)
      return `the compensation of transfer ${transferId}: it returns money held in transfers-in-flight to the source, and discarding it would strand the money; ${replay}`;
    // No money in flight yet, but the transfer waits for this leg's outcome: discarded, the
    // transfer would stay `debiting` for good with no letter saying why.
    if (event.eventType === TransactionEventType.transferDebitRequested)
      return `the debit leg of transfer ${transferId}: the transfer waits for its outcome (debited or rejected), and discarding it would leave the transfer debiting for good; ${replay}`;
  }
  if (letter.source.topic === TopicName.sagaEvents) {
    if (
      event.eventType === SagaEventType.transferDebited ||
      event.eventType === SagaEventType.transferCreditRejected
    )
      return `the ${event.eventType} step of transfer ${transferId}: the saga's next request (a credit or a compensation) moves the money held in transfers-in-flight, and discarding it would strand the money; ${replay}`;
    if (
      event.eventType === SagaEventType.transferDebitRejected ||
      event.eventType === SagaEventType.transferCredited ||
      event.eventType === SagaEventType.transferCompensated
    )
      return `the ${event.eventType} step of transfer ${transferId}: the transfer ends with it, and discarding it would leave the transfer unfinished for good; ${replay}`;
  }
  return undefined;
}
