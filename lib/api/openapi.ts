import * as z from 'zod';
import { IdSchema } from '../../schemas';
import {
  ApiRoute,
  type ApiRouteName,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  RETRY_AFTER_SECONDS,
} from './constants';
import {
  AcceptedResponse,
  AccountResponse,
  ChangeAccountStatusBody,
  DeadLetterCountsResponse,
  OpenAccountBody,
  ProblemResponse,
  RefundBody,
  TopUpBody,
  TransactionPageResponse,
  TransactionResponse,
  TransferBody,
  TransferResponse,
  WithdrawBody,
} from './requests';

/*
 * The OpenAPI 3.1 document of the API, generated from the same zod schemas that validate the
 * requests (and, through them, from the event schemas): what the API accepts and what the document
 * says cannot drift apart. Served at GET /openapi.json.
 */

type JsonObject = Record<string, unknown>;

const components = z.registry<{ id: string }>();
const named = {
  OpenAccountCommand: OpenAccountBody,
  ChangeAccountStatusCommand: ChangeAccountStatusBody,
  TopUpCommand: TopUpBody,
  WithdrawCommand: WithdrawBody,
  RefundCommand: RefundBody,
  TransferCommand: TransferBody,
  Accepted: AcceptedResponse,
  Account: AccountResponse,
  Transaction: TransactionResponse,
  TransactionPage: TransactionPageResponse,
  Transfer: TransferResponse,
  DeadLetterCounts: DeadLetterCountsResponse,
  Problem: ProblemResponse,
} as const;
for (const [id, schema] of Object.entries(named)) components.add(schema, { id });
type ComponentName = keyof typeof named;

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });

/** The id schema of the event contract, as a parameter schema. */
const { $schema: _dialect, ...UUID_PARAMETER } = z.toJSONSchema(IdSchema, { target: 'draft-2020-12' });

const pathParameter = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: UUID_PARAMETER,
});

const problem = (description: string, headers?: JsonObject) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
  ...(headers ? { headers } : {}),
});

const unavailable = problem(
  'Kafka or the database cannot be reached; nothing was done. Retry after Retry-After seconds.',
  {
    'Retry-After': {
      description: `Seconds to wait before retrying (${RETRY_AFTER_SECONDS})`,
      schema: { type: 'integer', minimum: 1 },
    },
  },
);

const unauthenticated = problem(
  'No credential, or a malformed, oversized or unknown one (offline: Authorization: Bearer <key>)',
  { 'WWW-Authenticate': { description: 'The scheme to authenticate with', schema: { type: 'string' } } },
);

const json = (name: ComponentName, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: a retried request with the same key and body gets the first answer and the same ids, and appends no second event; the same key with another body is refused (409).',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[!-~]+$' },
};

interface CommandSpec {
  readonly summary: string;
  readonly body: ComponentName;
  readonly accountInPath: boolean;
}

const commands: Partial<Record<ApiRouteName, CommandSpec>> = {
  openAccount: { summary: 'Open an account', body: 'OpenAccountCommand', accountInPath: false },
  changeAccountStatus: {
    summary: "Change an account's status",
    body: 'ChangeAccountStatusCommand',
    accountInPath: true,
  },
  topUp: { summary: 'Top up an account', body: 'TopUpCommand', accountInPath: true },
  withdraw: { summary: 'Withdraw from an account', body: 'WithdrawCommand', accountInPath: true },
  refund: { summary: 'Refund (part of) a topup', body: 'RefundCommand', accountInPath: true },
  requestTransfer: {
    summary: 'Transfer between two accounts',
    body: 'TransferCommand',
    accountInPath: false,
  },
};

const ACCOUNT_ID = pathParameter('accountId', 'The account id (from the answer to opening it)');

function commandOperation(name: ApiRouteName, spec: CommandSpec): JsonObject {
  return {
    operationId: name,
    summary: spec.summary,
    description:
      'Validated with the event schemas and appended to Kafka; applied asynchronously. Follow the outcome at the Location.',
    parameters: [...(spec.accountInPath ? [ACCOUNT_ID] : []), IDEMPOTENCY_KEY],
    requestBody: { required: true, content: { 'application/json': { schema: ref(spec.body) } } },
    responses: {
      '202': {
        ...json('Accepted', 'Appended; the ids to follow it'),
        headers: { Location: { description: 'Where to read the outcome', schema: { type: 'string' } } },
      },
      '400': problem('Invalid input; `errors` names each field at fault'),
      '401': unauthenticated,
      '403': problem(
        'Not an account the caller may act on (its own, or any for an operator), or one that does not exist: the two look the same',
      ),
      '404': problem(
        'An account it names is unknown (or not projected yet); to operators, and for a transfer destination',
      ),
      '409': problem('The Idempotency-Key was used for another request'),
      '415': problem('The body is not application/json'),
      '503': unavailable,
    },
  };
}

const queries: Partial<Record<ApiRouteName, JsonObject>> = {
  getAccount: {
    operationId: 'getAccount',
    summary: 'An account with its balance',
    parameters: [ACCOUNT_ID],
    responses: {
      '200': json('Account', 'The account'),
      '400': problem('Invalid id'),
      '401': unauthenticated,
      '403': problem(
        'Not an account the caller may act on, or one that does not exist: the two look the same',
      ),
      '404': problem('Unknown account'),
      '503': unavailable,
    },
  },
  listAccountTransactions: {
    operationId: 'listAccountTransactions',
    summary: "An account's transactions, newest first",
    parameters: [
      ACCOUNT_ID,
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: `Page size (default ${DEFAULT_PAGE_SIZE})`,
        schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        description: "The previous page's nextCursor",
        schema: { type: 'string', minLength: 1, maxLength: 200 },
      },
    ],
    responses: {
      '200': json('TransactionPage', 'One page; nextCursor is null on the last'),
      '400': problem('Invalid id, limit or cursor'),
      '401': unauthenticated,
      '403': problem(
        'Not an account the caller may act on, or one that does not exist: the two look the same',
      ),
      '404': problem('Unknown account'),
      '503': unavailable,
    },
  },
  getTransaction: {
    operationId: 'getTransaction',
    summary: 'A transaction and its outcome',
    parameters: [pathParameter('transactionId', 'The transaction id (from the answer to its command)')],
    responses: {
      '200': json('Transaction', 'The transaction'),
      '400': problem('Invalid id'),
      '401': unauthenticated,
      '403': problem('Not a transaction of an account the caller may act on, or none: the two look the same'),
      '404': problem('Unknown transaction (or not projected yet)'),
      '503': unavailable,
    },
  },
  getTransfer: {
    operationId: 'getTransfer',
    summary: 'A transfer with its saga state',
    parameters: [pathParameter('transferId', 'The transfer id (from the answer to its command)')],
    responses: {
      '200': json('Transfer', 'The transfer'),
      '400': problem('Invalid id'),
      '401': unauthenticated,
      '403': problem('Not a transfer from an account the caller may act on, or none: the two look the same'),
      '404': problem('Unknown transfer (or not projected yet)'),
      '503': unavailable,
    },
  },
  deadLetterCounts: {
    operationId: 'deadLetterCounts',
    summary: 'Dead letters by status',
    responses: {
      '200': json('DeadLetterCounts', 'Counts by status'),
      '401': unauthenticated,
      '403': problem('Operators only'),
      '503': unavailable,
    },
  },
  openApiDocument: {
    operationId: 'openApiDocument',
    summary: 'This document',
    responses: {
      '200': { description: 'The OpenAPI 3.1 document', content: { 'application/json': {} } },
      '401': unauthenticated,
    },
  },
};

/** Builds the OpenAPI 3.1 document of every route of ApiRoute. */
export function buildOpenApiDocument(version = '1.0.0'): JsonObject {
  const { schemas } = z.toJSONSchema(components, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonObject> };
  for (const schema of Object.values(schemas)) {
    // `$id` would be a fragment-only URI (not allowed in JSON Schema 2020-12); `$ref`s use the path.
    delete schema.$schema;
    delete schema.$id;
    delete schema.id;
  }
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const [name, routeKey] of Object.entries(ApiRoute) as [ApiRouteName, string][]) {
    const [method = '', path = ''] = routeKey.split(' ');
    const command = commands[name];
    const operation = command ? commandOperation(name, command) : queries[name];
    if (!operation) throw new Error(`route ${name} has no OpenAPI operation`);
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Billing API',
      version,
      description:
        'Commands append billing events to Kafka (202 Accepted); queries read the PostgreSQL read model. Errors are RFC 9457 problem details. Every route needs a caller: on AWS IAM authorization (SigV4), offline a local key (Authorization: Bearer). A caller acts on the accounts it opened; operators on any.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        iam: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AWS Signature Version 4 of an IAM principal allowed execute-api:Invoke (AWS only)',
        },
        localKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'Offline only (sls offline): a key of the local credentials file, .stack/api-credentials.json',
        },
      },
    },
    security: [{ iam: [] }, { localKey: [] }],
  };
}

let cached: JsonObject | undefined;

/** The document, built once per process. */
export const openApiDocument = (): JsonObject => {
  cached ??= buildOpenApiDocument();
  return cached;
};
