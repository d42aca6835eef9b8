import { hash } from 'node:crypto';
import { BILLING_ID_NAMESPACE } from './constants';

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const billingNamespaceBytes = uuidBytes(BILLING_ID_NAMESPACE);
/** Namespace and name are written here before hashing: ids are derived per record, in one thread. */
const scratch = Buffer.allocUnsafe(512);

/** An RFC 9562 UUIDv5: SHA-1 of namespace and name, with version and variant bits set. */
export function uuidV5(name: string, namespace: string = BILLING_ID_NAMESPACE): string {
  // The billing namespace's bytes are computed once, and the digest is one call (no Hash object).
  const namespaceBytes = namespace === BILLING_ID_NAMESPACE ? billingNamespaceBytes : uuidBytes(namespace);
  const length = 16 + Buffer.byteLength(name, 'utf8');
  const data = length <= scratch.length ? scratch : Buffer.allocUnsafe(length);
  namespaceBytes.copy(data, 0);
  data.write(name, 16, 'utf8');
  const hex = hash('sha1', data.subarray(0, length), 'hex');
  // Version 5 in the 13th hex digit; variant 10xx in the 17th.
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The id of an event derived from another (docs/design.md: Event contract): UUIDv5 of the cause's id
 * and the step, so re-deriving it (a redelivery, a replay) gives the same id.
 */
export const derivedEventId = (causeEventId: string, step: string): string =>
  uuidV5(`${causeEventId}/${step}`);
