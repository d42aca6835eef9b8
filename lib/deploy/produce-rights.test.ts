import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectorOfTopic } from '../dead-letter/reapply';

interface FunctionConfig {
  kafkaProduces?: string[];
  events?: { msk?: { topic: string } }[];
}
const functions = (
  parse(readFileSync(join(__dirname, '..', '..', 'serverless.yml'), 'utf8')) as {
    functions: Record<string, FunctionConfig>;
  }
).functions;

describe('the dead-letter retrier’s produce rights', () => {
  it('cover every topic a function whose records it re-applies may write', () => {
    // Prepare: the functions triggered by the topics the retrier re-applies letters of
    const retrier = functions.deadLetterRetrier;
    const reapplied = new Set(Object.keys(projectorOfTopic));
    const consumers = Object.entries(functions).filter(([, fn]) =>
      (fn.events ?? []).some((event) => event.msk !== undefined && reapplied.has(event.msk.topic)),
    );

    // Assess: each topic they write, the retrier may write (it runs their projectors and publishes their outbox)
    expect(consumers.map(([key]) => key).sort()).toEqual([
      'accountProjector',
      'transactionProjector',
      'transferSaga',
    ]);
    for (const [, fn] of consumers) {
      expect(retrier?.kafkaProduces ?? []).toEqual(expect.arrayContaining(fn.kafkaProduces ?? []));
    }
  });
});
