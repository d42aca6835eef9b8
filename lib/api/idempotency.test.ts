import { canonicalJson, commandIdsOf, idempotencyDecision, requestHash } from './idempotency';

describe('idempotency rules', () => {
  it('hashes the same body the same whatever its key order, and another path or body differently', () => {
    const a = requestHash('POST', '/accounts', { currency: 'EUR', customerId: 'c' });
    expect(requestHash('post', '/accounts', { customerId: 'c', currency: 'EUR' })).toBe(a);
    expect(requestHash('POST', '/transfers', { currency: 'EUR', customerId: 'c' })).not.toBe(a);
    expect(requestHash('POST', '/accounts', { currency: 'USD', customerId: 'c' })).not.toBe(a);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });

  it('derives the same ids from the same caller and key, and other ids for another caller or key', () => {
    const ids = commandIdsOf({ principal: 'p', key: 'k' });
    expect(commandIdsOf({ principal: 'p', key: 'k' })).toEqual(ids);
    expect(commandIdsOf({ principal: 'q', key: 'k' }).eventId).not.toBe(ids.eventId);
    expect(commandIdsOf({ principal: 'p', key: 'l' }).eventId).not.toBe(ids.eventId);
    expect(new Set([ids.eventId, ids.aggregateId, ids.correlationId]).size).toBe(3);
    expect(ids.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('appends a new or unfinished key, replays a finished one, refuses another request', () => {
    const answer = { statusCode: 202, body: { eventId: 'e' } };
    expect(idempotencyDecision(null, 'h')).toEqual({ kind: 'append' });
    expect(idempotencyDecision({ requestHash: 'h', eventId: 'e', answer: null }, 'h')).toEqual({
      kind: 'append',
    });
    expect(idempotencyDecision({ requestHash: 'h', eventId: 'e', answer }, 'h')).toEqual({
      kind: 'replay',
      answer,
    });
    expect(idempotencyDecision({ requestHash: 'h', eventId: 'e', answer }, 'x')).toEqual({
      kind: 'conflict',
    });
  });
});
