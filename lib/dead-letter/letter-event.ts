import type { BillingEvent } from '../../schemas';
import { decodeBillingValue } from '../msk';

/** The part of a stored letter the discard rules read. */
export interface LetterOfRecord {
  readonly id: string;
  readonly source: { readonly topic: string; readonly key?: string | null; readonly value: string | null };
}

/** The event a letter's record holds, decoded as its consumer decodes it (key included); undefined when it does not decode. */
export function eventOfLetter(letter: LetterOfRecord): BillingEvent | undefined {
  if (letter.source.value === null) return undefined;
  const decoded = decodeBillingValue({
    topic: letter.source.topic,
    key: letter.source.key ? Buffer.from(letter.source.key, 'base64') : null,
    value: Buffer.from(letter.source.value, 'base64'),
    headers: {},
  });
  return decoded.ok ? decoded.event : undefined;
}
