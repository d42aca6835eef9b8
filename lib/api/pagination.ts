import * as z from 'zod';
import { IdSchema } from '../../schemas';
import type { PageCursor } from './types';

// A cursor is opaque to clients: base64url of the last transaction's time (microseconds, UTC, as
// PostgreSQL writes it) and id, the two columns of the newest-first index.

const CursorSchema = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/), IdSchema]);

/** The cursor of the page after the one that ends with this transaction. */
export const encodeCursor = (cursor: PageCursor): string =>
  Buffer.from(JSON.stringify([cursor.occurredAt, cursor.transactionId]), 'utf8').toString('base64url');

/** The position a cursor names, or null when it is not one this API wrote. */
export function decodeCursor(text: string): PageCursor | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = CursorSchema.safeParse(json);
  return parsed.success ? { occurredAt: parsed.data[0], transactionId: parsed.data[1] } : null;
}
