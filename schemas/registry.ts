import { IncompatibleSchemaError, SchemaRegistryError } from './errors';

/** Confluent Schema Registry REST content type. */
export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Registry error codes this client tells apart (Confluent REST API). */
export const RegistryErrorCode = {
  subjectNotFound: 40401,
  versionNotFound: 40402,
  invalidSchema: 42201,
} as const;

export type CompatibilityLevel = 'FORWARD' | 'FORWARD_TRANSITIVE' | 'BACKWARD' | 'FULL' | 'NONE';

export type CompatibilityCheck =
  | { readonly status: 'compatible' }
  | { readonly status: 'incompatible'; readonly messages: readonly string[] }
  | { readonly status: 'first-version' };

interface RegistryErrorBody {
  error_code?: number;
  message?: string;
}

/** Where Apicurio Registry serves the Confluent API (its root answers 404 to /subjects). */
export const APICURIO_CCOMPAT_PATH = '/apis/ccompat/v7';

/**
 * The base URL of the Confluent API behind `url`: `url` itself when it answers /subjects
 * (Confluent Schema Registry, or an Apicurio URL that already ends in /apis/ccompat/v7), else
 * Apicurio's compatibility path under it. So SCHEMA_REGISTRY_URL=http://localhost:8081 serves
 * both registries.
 */
export async function resolveRegistryUrl(url: string): Promise<string> {
  const base = url.replace(/\/+$/, '');
  if (base.endsWith(APICURIO_CCOMPAT_PATH)) return base;
  const answers = async (candidate: string) => {
    try {
      const response = await fetch(`${candidate}/subjects`, { headers: { accept: REGISTRY_CONTENT_TYPE } });
      await response.body?.cancel();
      return response.ok;
    } catch (cause) {
      throw new SchemaRegistryError(`Schema Registry unreachable at ${candidate}`, 0, undefined, { cause });
    }
  };
  if (await answers(base)) return base;
  const apicurio = `${base}${APICURIO_CCOMPAT_PATH}`;
  return (await answers(apicurio)) ? apicurio : base;
}

/** A minimal client of the Confluent Schema Registry REST API, over Node's fetch. */
export class SchemaRegistryClient {
  readonly #baseUrl: string;

  constructor(baseUrl: string) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Set a subject's compatibility level (PUT /config/<subject>). */
  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.#request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
  }

  /** Test a schema against the subject's latest version; a subject without versions has nothing to break. */
  async checkCompatibility(subject: string, schema: unknown): Promise<CompatibilityCheck> {
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`;
    try {
      const body = (await this.#request('POST', path, jsonSchemaRequest(schema))) as {
        is_compatible?: boolean;
        messages?: string[];
      };
      if (body.is_compatible === true) return { status: 'compatible' };
      // Apicurio's Confluent-compatible API gives the verdict without reasons, even when verbose.
      return { status: 'incompatible', messages: body.messages ?? [] };
    } catch (error) {
      const notFound: readonly number[] = [
        RegistryErrorCode.subjectNotFound,
        RegistryErrorCode.versionNotFound,
      ];
      if (
        error instanceof SchemaRegistryError &&
        error.errorCode !== undefined &&
        notFound.includes(error.errorCode)
      ) {
        return { status: 'first-version' };
      }
      throw error;
    }
  }

  /** Register a JSON schema under a subject; returns its global id. Throws IncompatibleSchemaError on 409. */
  async registerSchema(subject: string, schema: unknown): Promise<number> {
    try {
      const body = (await this.#request(
        'POST',
        `/subjects/${encodeURIComponent(subject)}/versions`,
        jsonSchemaRequest(schema),
      )) as { id?: unknown };
      if (typeof body.id !== 'number') {
        throw new SchemaRegistryError(
          `Registry answered without a schema id: ${JSON.stringify(body)}`,
          200,
          undefined,
        );
      }
      return body.id;
    } catch (error) {
      if (error instanceof SchemaRegistryError && error.status === 409) {
        throw new IncompatibleSchemaError(subject, [error.message], 409, error.errorCode);
      }
      throw error;
    }
  }

  async #request(method: string, path: string, body: unknown): Promise<unknown> {
    const url = `${this.#baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { 'content-type': REGISTRY_CONTENT_TYPE, accept: REGISTRY_CONTENT_TYPE },
        body: JSON.stringify(body),
      });
    } catch (cause) {
      throw new SchemaRegistryError(`Schema Registry unreachable at ${url}`, 0, undefined, { cause });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch (cause) {
      throw new SchemaRegistryError(
        `${method} ${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`,
        response.status,
        undefined,
        { cause },
      );
    }
    if (!response.ok) {
      const error = parsed as RegistryErrorBody;
      const message = error.message ?? `HTTP ${response.status}`;
      throw new SchemaRegistryError(
        `${method} ${path}: ${message} (HTTP ${response.status}${error.error_code === undefined ? '' : `, error_code ${error.error_code}`})`,
        response.status,
        error.error_code,
      );
    }
    return parsed;
  }
}

// The registry takes the schema as a string inside the request body.
const jsonSchemaRequest = (schema: unknown) => ({ schemaType: 'JSON', schema: JSON.stringify(schema) });
