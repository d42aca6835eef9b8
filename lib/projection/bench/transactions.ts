import { randomUUID } from 'node:crypto';
import type { TransactionEvent } from '../../../schemas';
import { eventFactory } from '../testing/events';

/**
 * The projection benchmarks' transaction events (bench:projection, bench:peer), a realistic mix:
 * 45% topups, 35% withdrawals (some beyond the balance), 15% refunds, 5% transfers. Seeded: every
 * run draws the same mix over the given accounts.
 */
export function makeTransactions(accounts: readonly string[], count: number): TransactionEvent[] {
  const factory = eventFactory();
  const topupsOf = new Map<string, string[]>();
  const out: TransactionEvent[] = [];
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  while (out.length < count) {
    const account = accounts[Math.floor(random() * accounts.length)] as string;
    const amount = 100 + Math.floor(random() * 50_000);
    const roll = random();
    const topups = topupsOf.get(account) ?? [];
    if (roll < 0.45 || topups.length === 0) {
      const event = factory.topup(account, amount);
      topups.push(event.payload.transactionId);
      topupsOf.set(account, topups);
      out.push(event);
    } else if (roll < 0.8) {
      out.push(factory.withdrawal(account, amount));
    } else if (roll < 0.95) {
      out.push(
        factory.refund(
          account,
          Math.floor(amount / 4),
          topups[Math.floor(random() * topups.length)] as string,
        ),
      );
    } else {
      const other = accounts[Math.floor(random() * accounts.length)] as string;
      const transferId = randomUUID();
      out.push(factory.transferDebit(account, amount, transferId, other));
      if (out.length < count) out.push(factory.transferCredit(other, amount, transferId, account));
    }
  }
  return out;
}
