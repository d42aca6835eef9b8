import { AccountStatus } from '../../schemas';
import { anAccount, givenAccount } from './testing/given-when-then';

describe('account opening', () => {
  it('opens an active account with a zero balance at version 1', () => {
    givenAccount(undefined)
      .whenOpened('JPY')
      .then({ outcome: 'opened', account: { status: 'active', balance: 0n, version: 1, currency: 'JPY' } });
  });

  it('changes nothing for an account already open', () => {
    givenAccount(anAccount({ balance: 5n }))
      .whenOpened()
      .then({ outcome: 'ignored', reason: 'already_open' });
  });
});

describe('account status change', () => {
  it('suspends an active account and bumps its version', () => {
    givenAccount(anAccount({ version: 3 }))
      .whenStatusChangesTo(AccountStatus.suspended)
      .then({ outcome: 'statusChanged', account: { status: 'suspended', version: 4 } });
  });

  it('closes a suspended account', () => {
    givenAccount(anAccount({ status: AccountStatus.suspended }))
      .whenStatusChangesTo(AccountStatus.closed)
      .then({ outcome: 'statusChanged', account: { status: 'closed' } });
  });

  it('does nothing to a closed account', () => {
    givenAccount(anAccount({ status: AccountStatus.closed }))
      .whenStatusChangesTo(AccountStatus.active)
      .then({ outcome: 'ignored', reason: 'account_closed' });
  });

  it('ignores a change to the current status', () => {
    givenAccount(anAccount())
      .whenStatusChangesTo(AccountStatus.active)
      .then({ outcome: 'ignored', reason: 'status_unchanged' });
  });

  it('is deferred for an account not open yet', () => {
    givenAccount(undefined)
      .whenStatusChangesTo(AccountStatus.suspended)
      .then({ outcome: 'deferred', code: 'ACCOUNT_NOT_FOUND' });
  });
});
