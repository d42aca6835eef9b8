import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import type { Caller } from './access';

/*
 * Offline credentials (docs/api.md: Authorization). `sls offline` cannot check IAM, so offline a
 * caller proves who it is with a key of its own, listed in a local file that is generated, never
 * committed: `<stack state dir>/api-credentials.json` (`npm run stack:up`, or `npm start` when it is
 * missing). The file maps each principal's name to its key and whether it is an operator:
 *
 *   { "alice": { "key": "…", "operator": false }, "operator": { "key": "…", "operator": true } }
 *
 * Only the offline handler reads it; on AWS the principal comes from IAM and these keys mean nothing.
 */

/** The environment variable naming the file (set by the offline plugin, local/offline/plugin.ts). */
export const CREDENTIALS_FILE_VARIABLE = 'BILLING_API_CREDENTIALS_FILE';

/** The principals a new file holds: three customers and one operator. */
export const LOCAL_PRINCIPALS: Readonly<Record<string, { readonly operator: boolean }>> = {
  alice: { operator: false },
  bob: { operator: false },
  carol: { operator: false },
  operator: { operator: true },
};

/** A key: 32 random bytes, base64url (43 characters); a file may hold 32 to 128 such characters. */
export const LOCAL_KEY_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;

const LocalCredentialsFile = z.record(
  z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'a principal name: lower case letters, digits, hyphens'),
  z.strictObject({
    key: z.string().regex(LOCAL_KEY_PATTERN, 'a key: 32 to 128 base64url characters'),
    operator: z.boolean(),
  }),
);
export type LocalCredentialsFile = z.infer<typeof LocalCredentialsFile>;

/** The principals of a credentials file, found by key. */
export interface LocalCredentials {
  /** The caller a key belongs to, or undefined. Compares digests in constant time. */
  callerOfKey(key: string): Caller | undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The credentials of a parsed file. */
export function localCredentialsOf(file: LocalCredentialsFile): LocalCredentials {
  const entries = Object.entries(file).map(([principal, { key, operator }]) => ({
    caller: { principal, operator },
    digest: digest(key),
  }));
  return {
    callerOfKey(key) {
      const presented = digest(key);
      let found: Caller | undefined;
      // Every entry is compared, so that the time taken says nothing about which one matched.
      for (const entry of entries) if (timingSafeEqual(entry.digest, presented)) found = entry.caller;
      return found;
    },
  };
}

/** Parses a credentials file's text; the error names what is wrong. */
export function parseLocalCredentials(text: string, file: string): LocalCredentials {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON: delete it and run npm run stack:up to generate another`);
  }
  const parsed = LocalCredentialsFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'invalid'}`);
  }
  return localCredentialsOf(parsed.data);
}

/** A new file's content: a fresh random key for each of LOCAL_PRINCIPALS. */
export function generateLocalCredentials(
  random: (bytes: number) => Buffer = randomBytes,
): LocalCredentialsFile {
  return Object.fromEntries(
    Object.entries(LOCAL_PRINCIPALS).map(([principal, { operator }]) => [
      principal,
      { key: random(32).toString('base64url'), operator },
    ]),
  );
}

/**
 * Writes a credentials file at `file` unless one exists (readable by its owner only). Two callers
 * at once: one writes, the other finds it. Returns whether this call wrote it.
 */
export function ensureLocalCredentials(file: string): boolean {
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${JSON.stringify(generateLocalCredentials(), null, 2)}\n`, {
      flag: 'wx',
      mode: 0o600,
    });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Reads the file once it can: until then (missing, invalid) every read tries again and says why not. */
export class LocalCredentialsSource {
  readonly #file: string | undefined;
  #loaded: LocalCredentials | undefined;

  constructor(file: string | undefined) {
    this.#file = file;
  }

  /** The credentials, or why there are none (a 401's detail). */
  load(): LocalCredentials | { readonly unavailable: string } {
    if (this.#loaded) return this.#loaded;
    if (!this.#file) {
      return {
        unavailable: `No local credentials: ${CREDENTIALS_FILE_VARIABLE} is not set (start with npm start)`,
      };
    }
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch {
      return { unavailable: `No local credentials file ${this.#file}: run npm run stack:up to generate it` };
    }
    try {
      this.#loaded = parseLocalCredentials(text, this.#file);
      return this.#loaded;
    } catch (error) {
      return { unavailable: (error as Error).message };
    }
  }
}
