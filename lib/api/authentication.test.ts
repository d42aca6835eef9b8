import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { ApiAuthenticator, authenticationModeOf, bearerKeyOf } from './authentication';
import { MAX_CREDENTIAL_BYTES } from './constants';
import { ensureLocalCredentials, type LocalCredentialsFile } from './local-credentials';

const event = (
  headers: Record<string, string>,
  iam?: { userArn?: string },
): APIGatewayProxyEventV2WithIAMAuthorizer =>
  ({
    version: '2.0',
    rawPath: '/accounts',
    headers,
    requestContext: { http: { method: 'GET', path: '/accounts' }, ...(iam ? { authorizer: { iam } } : {}) },
  }) as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;

describe('who calls', () => {
  let dir: string;
  let file: string;
  let keys: LocalCredentialsFile;
  const offline = (extra: NodeJS.ProcessEnv = {}) =>
    new ApiAuthenticator({ IS_OFFLINE: 'true', BILLING_API_CREDENTIALS_FILE: file, ...extra });
  const bearer = (name: string) => ({ authorization: `Bearer ${keys[name]?.key}` });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'billing-api-credentials-'));
    file = join(dir, 'state', 'api-credentials.json');
    ensureLocalCredentials(file);
    keys = JSON.parse(readFileSync(file, 'utf8')) as LocalCredentialsFile;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a key per principal once, readable by its owner only, and keeps the file after', () => {
    // Given a file written once; When written again; Then it is kept as it was
    const before = readFileSync(file, 'utf8');
    expect(ensureLocalCredentials(file)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(Object.keys(keys).sort()).toEqual(['alice', 'bob', 'carol', 'operator']);
    expect(keys.operator?.operator).toBe(true);
    expect(keys.alice?.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.alice?.key).not.toBe(keys.bob?.key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('offline, is the principal whose key the request carries; an operator by the file or the list', () => {
    // Given the local credentials; When each principal calls; Then it is itself
    expect(offline().callerOf(event(bearer('alice')))).toEqual({
      ok: true,
      caller: { principal: 'alice', operator: false },
    });
    expect(offline().callerOf(event(bearer('operator')))).toEqual({
      ok: true,
      caller: { principal: 'operator', operator: true },
    });
    expect(offline({ BILLING_API_OPERATORS: 'bob' }).callerOf(event(bearer('bob')))).toEqual({
      ok: true,
      caller: { principal: 'bob', operator: true },
    });
  });

  it.each([
    ['no Authorization header', {}],
    ['an empty one', { authorization: '' }],
    ['another scheme', { authorization: 'Basic YWxpY2U6c2VjcmV0' }],
    ['a bearer without key', { authorization: 'Bearer ' }],
    ['a key with a character no key has', { authorization: 'Bearer abc$def' }],
    ['an unknown key', { authorization: `Bearer ${'x'.repeat(43)}` }],
    ['an oversized one', { authorization: `Bearer ${'a'.repeat(MAX_CREDENTIAL_BYTES)}` }],
    ['a huge one', { authorization: `Bearer ${'€'.repeat(100_000)}` }],
  ])('offline, refuses %s (a 401 with its reason), never throwing', (_name, headers) => {
    // When a request carries a bad credential; Then no caller, and a reason
    const authenticated = offline().callerOf(event(headers));
    expect(authenticated.ok).toBe(false);
    expect(authenticated.ok ? '' : authenticated.detail).toMatch(/Authorization|credential|exceed/);
  });

  it('offline, refuses every request while the file is missing or invalid, and reads it once it is there', () => {
    // Given no file; Then 401 naming how to get one
    const missing = new ApiAuthenticator({
      IS_OFFLINE: 'true',
      BILLING_API_CREDENTIALS_FILE: join(dir, 'none.json'),
    });
    const refused = missing.callerOf(event({ authorization: `Bearer ${'a'.repeat(43)}` }));
    expect(refused).toEqual({ ok: false, detail: expect.stringContaining('npm run stack:up') });
    // Given an invalid file; Then 401 naming the field at fault
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ alice: { key: 'short', operator: false } }));
    const invalid = new ApiAuthenticator({
      IS_OFFLINE: 'true',
      BILLING_API_CREDENTIALS_FILE: join(dir, 'bad.json'),
    });
    expect(invalid.callerOf(event(bearer('alice')))).toEqual({
      ok: false,
      detail: expect.stringContaining('alice.key'),
    });
  });

  it('on AWS, is the IAM caller, and accepts no local key', () => {
    // Given the function on AWS (no IS_OFFLINE, or Lambda's own runtime)
    const aws = new ApiAuthenticator({
      BILLING_API_CREDENTIALS_FILE: file,
      BILLING_API_OPERATORS: 'arn:aws:iam::1:role/ops',
    });
    // When called with IAM, or with a local key only; Then the ARN, or 401
    expect(aws.callerOf(event({}, { userArn: 'arn:aws:iam::1:role/ops' }))).toEqual({
      ok: true,
      caller: { principal: 'arn:aws:iam::1:role/ops', operator: true },
    });
    expect(aws.callerOf(event(bearer('operator'))).ok).toBe(false);
    expect(authenticationModeOf({ IS_OFFLINE: 'true', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' })).toBe(
      'iam',
    );
    expect(authenticationModeOf({})).toBe('iam');
    expect(authenticationModeOf({ IS_OFFLINE: 'true' })).toBe('local-keys');
  });

  it('reads a bearer key whatever the scheme’s case and surrounding blanks', () => {
    expect(bearerKeyOf(' bearer  abc_DEF-123 ')).toEqual({ ok: true, key: 'abc_DEF-123' });
  });
});
