import { AccountStatus, type Currency } from '../../schemas';
import { AccountEventIgnoredReason, DeferralCode } from './constants';
import type { AccountDecision, AccountState } from './types';

/** Opening an account: a new active account with a zero balance, unless it is already open. */
export function decideAccountOpening(
  command: { readonly accountId: string; readonly customerId: string; readonly currency: Currency },
  state: AccountState | undefined,
): AccountDecision {
  if (state !== undefined) return { outcome: 'ignored', reason: AccountEventIgnoredReason.alreadyOpen };
  return {
    outcome: 'opened',
    account: {
      accountId: command.accountId,
      customerId: command.customerId,
      currency: command.currency,
      status: AccountStatus.active,
      balance: 0n,
      version: 1,
    },
  };
}

/**
 * A status change: the event is a fact of the write side, so its target status is taken (its
 * `from` is informative); a closed account does nothing, and an unknown one defers the change.
 */
export function decideStatusChange(
  command: { readonly accountId: string; readonly to: AccountStatus },
  state: AccountState | undefined,
): AccountDecision {
  if (state === undefined) {
    return {
      outcome: 'deferred',
      code: DeferralCode.accountNotFound,
      message: `account ${command.accountId} is not open (yet): status change to ${command.to} deferred`,
    };
  }
  if (state.status === AccountStatus.closed) {
    return { outcome: 'ignored', reason: AccountEventIgnoredReason.accountClosed };
  }
  if (state.status === command.to) {
    return { outcome: 'ignored', reason: AccountEventIgnoredReason.statusUnchanged };
  }
  return { outcome: 'statusChanged', account: { ...state, status: command.to, version: state.version + 1 } };
}
