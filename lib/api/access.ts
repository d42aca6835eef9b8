import type { ApiRouteName } from './constants';

/*
 * Who may act on which account (docs/api.md: Authorization). Pure: the facts (the caller, the owner
 * of what a request names) come in, a decision goes out; the handler reads the facts and answers.
 *
 * - An account is owned by the principal that opened it (AccountOpened's ownerPrincipal).
 * - A customer principal acts on its own accounts only: every command and every query on an account,
 *   and on a transaction or transfer of it. A transfer needs the SOURCE account; crediting someone
 *   else's account by a transfer is allowed.
 * - An operator (a configured principal) acts on any account.
 * - Nothing leaks: to a non-operator, what it may not see and what does not exist look the same (403).
 */

/** Who calls, once authenticated. */
export interface Caller {
  /** The IAM caller's ARN on AWS; a local credential's name offline. */
  readonly principal: string;
  /** Listed as an operator (BILLING_API_OPERATORS, or the local credential's `operator`): acts on any account. */
  readonly operator: boolean;
}

/** What a route requires of its caller. */
export type AccessRule =
  /** Any authenticated caller: opening an account (it becomes the owner), the OpenAPI document. */
  | 'anyone'
  /** The owner of the account the route names, or an operator. */
  | 'owner'
  /** Operators only: the engine's own state (dead letters). */
  | 'operator';

/**
 * The rule of every route. For `owner`, the account is the path's `accountId`; a transfer's source
 * (`fromAccountId`, the destination needs no ownership); a transaction's account; a transfer's
 * source account (the receiving owner sees the credit in its own transactions).
 */
export const ROUTE_ACCESS: Readonly<Record<ApiRouteName, AccessRule>> = {
  openAccount: 'anyone',
  getAccount: 'owner',
  changeAccountStatus: 'owner',
  topUp: 'owner',
  withdraw: 'owner',
  refund: 'owner',
  listAccountTransactions: 'owner',
  getTransaction: 'owner',
  requestTransfer: 'owner',
  getTransfer: 'owner',
  deadLetterCounts: 'operator',
  openApiDocument: 'anyone',
};

/** What the request names, as far as ownership goes: nothing found, or found with its owner. */
export type Owned =
  | { readonly exists: false }
  /** `owner` null: an account opened without a recorded owner (only operators act on it). */
  | { readonly exists: true; readonly owner: string | null };

export const NOTHING: Owned = { exists: false };
export const ownedBy = (owner: string | null): Owned => ({ exists: true, owner });

/**
 * The decision: `allowed`; `forbidden` (403: not the caller's, or not there, told apart for
 * operators only); `unknown` (404: not there, said to operators only).
 */
export type AccessDecision = 'allowed' | 'forbidden' | 'unknown';

/** Decides whether `caller` may use a route whose rule is `rule` on `subject`. */
export function decideAccess(caller: Caller, rule: AccessRule, subject: Owned = NOTHING): AccessDecision {
  switch (rule) {
    case 'anyone':
      return 'allowed';
    case 'operator':
      return caller.operator ? 'allowed' : 'forbidden';
    case 'owner':
      if (caller.operator) return subject.exists ? 'allowed' : 'unknown';
      return subject.exists && subject.owner !== null && subject.owner === caller.principal
        ? 'allowed'
        : 'forbidden';
    default: {
      const unhandled: never = rule;
      throw new Error(`unhandled access rule ${String(unhandled)}`);
    }
  }
}

/** The operators of a comma-separated list (`BILLING_API_OPERATORS`): blanks and spaces ignored. */
export const operatorsOf = (list: string | undefined): ReadonlySet<string> =>
  new Set(
    (list ?? '')
      .split(',')
      .map((principal) => principal.trim())
      .filter((principal) => principal !== ''),
  );
