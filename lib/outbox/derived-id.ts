import { createHash } from 'node:crypto';
import { BILLING_ID_NAMESPACE } from './constants';

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const billingNamespaceBytes = uuidBytes(BILLING_ID_NAMESPACE);

/** An RFC 9562 UUIDv5: SHA-1 of namespace and name, with version and variant bits set. */
export function uuidV5(name: string, namespace: string = BILLING_ID_NAMESPACE): string {
  // The billing namespace's bytes are computed once: ids are derived per record.
  const namespaceBytes = namespace === BILLING_ID_NAMESPACE ? billingNamespaceBytes : uuidBytes(namespace);
  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of an event derived from another (docs/design.md: Event contract): UUIDv5 of the cause's id
 * and the step, so re-deriving it (a redelivery, a replay) gives the same id.
 */
export const derivedEventId = (causeEventId: string, step: string): string =>
  uuidV5(`${causeEventId}/${step}`);
