import { storableText } from '../database';
import type { MskHeader } from '../msk';
import { MAX_FAILURE_MESSAGE_LENGTH } from '../projection/constants';

export { storableText };

/*
 * PostgreSQL refuses NUL in `text` and `\u0000` (or a lone surrogate escape) in `jsonb`. A failure
 * message may quote the input (a Confluent wire-format record starts with 0x00), so every text of a
 * letter is made storable before it is written. The source record itself is stored as base64, so
 * its bytes stay recoverable whatever its text says.
 */

/** A failure message or reason, storable and at most MAX_FAILURE_MESSAGE_LENGTH characters. */
export const storableMessage = (text: string): string => {
  const storable = storableText(text);
  return storable.length <= MAX_FAILURE_MESSAGE_LENGTH
    ? storable
    : `${storable.slice(0, MAX_FAILURE_MESSAGE_LENGTH - 1)}…`;
};

/** A stored header: a key PostgreSQL would refuse is escaped, its UTF-8 bytes kept in `keyBase64`. */
export interface StoredHeader extends MskHeader {
  readonly keyBase64?: string;
}

/** Headers as stored in jsonb. */
export const storableHeaders = (headers: readonly MskHeader[]): StoredHeader[] =>
  headers.map((header) => {
    const key = storableText(header.key);
    return key === header.key
      ? { key, value: header.value }
      : { key, value: header.value, keyBase64: Buffer.from(header.key, 'utf8').toString('base64') };
  });

/** Headers as read back: the original key of an escaped one. */
export const headersOfStored = (headers: readonly StoredHeader[]): MskHeader[] =>
  headers.map((header) => ({
    key:
      header.keyBase64 === undefined ? header.key : Buffer.from(header.keyBase64, 'base64').toString('utf8'),
    value: header.value,
  }));
