import { readFileSync } from 'node:fs';
import { paths } from '../../../local/stack/paths';
import { ensureLocalCredentials, type LocalCredentialsFile } from '../local-credentials';

/**
 * The `Authorization` header of each local principal (alice, bob, carol, operator), from the file a
 * `sls offline` started by the tests reads (`.stack/api-credentials.json`, written when missing).
 */
export function localAuthorization(): Readonly<Record<'alice' | 'bob' | 'carol' | 'operator', string>> {
  ensureLocalCredentials(paths.apiCredentials);
  const file = JSON.parse(readFileSync(paths.apiCredentials, 'utf8')) as LocalCredentialsFile;
  const header = (name: string) => {
    const entry = file[name];
    if (!entry) throw new Error(`${paths.apiCredentials} has no principal ${name}: delete it to regenerate`);
    return `Bearer ${entry.key}`;
  };
  return { alice: header('alice'), bob: header('bob'), carol: header('carol'), operator: header('operator') };
}
