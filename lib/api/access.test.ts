import {
  type AccessDecision,
  type Caller,
  decideAccess,
  NOTHING,
  operatorsOf,
  ownedBy,
  ROUTE_ACCESS,
} from './access';
import { ApiRoute, type ApiRouteName } from './constants';

const OWNER: Caller = { principal: 'arn:aws:iam::111122223333:user/alice', operator: false };
const OTHER: Caller = { principal: 'arn:aws:iam::111122223333:user/bob', operator: false };
const OPERATOR: Caller = { principal: 'arn:aws:iam::111122223333:role/billing-ops', operator: true };

/**
 * What a route names, as ownership goes, from the caller's side: its own, someone else's, nobody's
 * (no owner recorded), nothing.
 */
const SUBJECTS = {
  owned: (caller: Caller) => ownedBy(caller.principal),
  'not owned': (caller: Caller) => ownedBy(caller === OTHER ? OWNER.principal : OTHER.principal),
  'without owner': () => ownedBy(null),
  missing: () => NOTHING,
} as const;
type SubjectName = keyof typeof SUBJECTS;

const ROUTES = Object.keys(ApiRoute) as ApiRouteName[];
const OWNED_ROUTES = ROUTES.filter((route) => ROUTE_ACCESS[route] === 'owner');

/** The model, stated once per kind of route and caller (docs/api.md: Authorization). */
function expected(route: ApiRouteName, caller: Caller, subject: SubjectName): AccessDecision {
  switch (ROUTE_ACCESS[route]) {
    case 'anyone':
      return 'allowed';
    case 'operator':
      return caller.operator ? 'allowed' : 'forbidden';
    case 'owner':
      if (caller.operator) return subject === 'missing' ? 'unknown' : 'allowed';
      return subject === 'owned' ? 'allowed' : 'forbidden';
  }
}

describe('who may act on which account', () => {
  const matrix = ROUTES.flatMap((route) =>
    (
      [
        ['owner', OWNER],
        ['another customer', OTHER],
        ['an operator', OPERATOR],
      ] as const
    ).flatMap(([callerName, caller]) =>
      (Object.keys(SUBJECTS) as SubjectName[]).map(
        (subject) => [route, callerName, subject, expected(route, caller, subject), caller] as const,
      ),
    ),
  );

  it.each(matrix)('%s by %s on an account %s: %s', (route, _callerName, subject, decision, caller) => {
    // Given a caller and what the route names; When the rule decides; Then as the model says
    expect(decideAccess(caller, ROUTE_ACCESS[route], SUBJECTS[subject](caller))).toBe(decision);
  });

  it('names a rule for every route, and makes every account route one of ownership', () => {
    // Given the routes; Then: opening and the document are for anyone, dead letters for operators
    expect(ROUTES.filter((route) => ROUTE_ACCESS[route] === 'anyone').sort()).toEqual([
      'openAccount',
      'openApiDocument',
    ]);
    expect(ROUTES.filter((route) => ROUTE_ACCESS[route] === 'operator')).toEqual(['deadLetterCounts']);
    expect(OWNED_ROUTES).toHaveLength(9);
  });

  it('tells a customer nothing about what exists: not owned and missing decide the same', () => {
    // Given every account route; When a customer who owns nothing asks; Then 403 either way
    for (const route of OWNED_ROUTES) {
      const notOwned = decideAccess(OTHER, ROUTE_ACCESS[route], ownedBy(OWNER.principal));
      const missing = decideAccess(OTHER, ROUTE_ACCESS[route], NOTHING);
      expect({ route, notOwned, missing }).toEqual({ route, notOwned: 'forbidden', missing: 'forbidden' });
    }
  });

  it('reads the operators of a comma-separated list, blanks ignored', () => {
    // Given a list as BILLING_API_OPERATORS holds it; When read; Then its principals
    expect([...operatorsOf(' arn:aws:iam::1:role/a, ,arn:aws:iam::1:user/b ,')]).toEqual([
      'arn:aws:iam::1:role/a',
      'arn:aws:iam::1:user/b',
    ]);
    expect(operatorsOf(undefined).size).toBe(0);
  });
});
