import type * as z from 'zod';
import { type BillingEvent, parseEvent, topicOfEventType } from '../../schemas';
import { type AccessDecision, decideAccess, NOTHING, type Owned, ownedBy, ROUTE_ACCESS } from './access';
import {
  type Accepted,
  acceptedOf,
  accountsOfCommand,
  type BillingCommand,
  type CommandIds,
  eventOfCommand,
} from './commands';
import {
  ApiHeader,
  type ApiRouteName,
  apiRouteNameOf,
  DEFAULT_PAGE_SIZE,
  IDEMPOTENCY_KEY_PATTERN,
  JSON_CONTENT_TYPE,
  MAX_BODY_BYTES,
} from './constants';
import { DependencyUnavailableError } from './errors';
import { commandIdsOf, idempotencyDecision, requestHash } from './idempotency';
import { decodeCursor } from './pagination';
import {
  deadlineExceeded,
  type FieldIssue,
  fieldIssue,
  forbidden,
  idempotencyConflict,
  internalError,
  invalidRequest,
  jsonResponse,
  notFound,
  serviceUnavailable,
  unsupportedMediaType,
} from './problem';
import {
  ChangeAccountStatusBody,
  OpenAccountBody,
  PathParameter,
  type PathParameterName,
  RefundBody,
  TopUpBody,
  TransactionPageQuery,
  TransferBody,
  WithdrawBody,
} from './requests';
import type {
  AccountRecord,
  AccountView,
  ApiContext,
  ApiRequest,
  ApiResponse,
  BillingApiPorts,
  StoredAnswer,
} from './types';

type CommandRouteName =
  | 'openAccount'
  | 'changeAccountStatus'
  | 'topUp'
  | 'withdraw'
  | 'refund'
  | 'requestTransfer';

const commandBodies = {
  openAccount: OpenAccountBody,
  changeAccountStatus: ChangeAccountStatusBody,
  topUp: TopUpBody,
  withdraw: WithdrawBody,
  refund: RefundBody,
  requestTransfer: TransferBody,
} as const satisfies Record<CommandRouteName, z.ZodType>;

const isCommandRoute = (name: ApiRouteName): name is CommandRouteName => Object.hasOwn(commandBodies, name);

/** An early answer (a problem) or a value to go on with. */
type Step<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly response: ApiResponse };

const zodIssues = (
  where: FieldIssue['in'],
  error: z.ZodError,
  prefix: readonly string[] = [],
): FieldIssue[] =>
  error.issues.map((issue) =>
    fieldIssue(where, [...prefix, ...issue.path.map((segment) => String(segment))], issue.message),
  );

/** Payload fields whose name in the request body differs. */
const BODY_FIELD_OF_PAYLOAD: Readonly<Record<string, string>> = { to: 'status' };

function pathParams(
  request: ApiRequest,
  raw: Readonly<Record<string, string>>,
): Step<Record<string, string>> {
  const issues: FieldIssue[] = [];
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const schema = PathParameter[name as PathParameterName];
    const parsed = schema.safeParse(value);
    if (parsed.success) params[name] = parsed.data;
    else
      issues.push({
        in: 'path',
        field: name,
        pointer: '',
        detail: parsed.error.issues[0]?.message ?? 'invalid',
      });
  }
  return issues.length > 0
    ? { ok: false, response: invalidRequest(request.path, issues) }
    : { ok: true, value: params };
}

function jsonBody(request: ApiRequest): Step<unknown> {
  const contentType = request.headers[ApiHeader.contentType];
  if (contentType !== undefined && contentType.split(';')[0]?.trim().toLowerCase() !== JSON_CONTENT_TYPE) {
    return { ok: false, response: unsupportedMediaType(request.path, contentType) };
  }
  const text = request.body ?? '';
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    return {
      ok: false,
      response: invalidRequest(request.path, [
        fieldIssue('body', [], `must not exceed ${MAX_BODY_BYTES} bytes`),
      ]),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return {
      ok: false,
      response: invalidRequest(request.path, [fieldIssue('body', [], 'must be a JSON object')]),
    };
  }
}

function commandOf(
  name: CommandRouteName,
  params: Record<string, string>,
  body: unknown,
  principal: string,
):
  | { readonly ok: true; readonly command: BillingCommand }
  | { readonly ok: false; readonly error: z.ZodError } {
  const parsed = commandBodies[name].safeParse(body);
  if (!parsed.success) return { ok: false, error: parsed.error };
  return { ok: true, command: commandWith(name, params.accountId ?? '', parsed.data, principal) };
}

/** The command of a body its route's schema accepted (the casts restate what that schema checked). */
function commandWith(
  name: CommandRouteName,
  accountId: string,
  body: unknown,
  principal: string,
): BillingCommand {
  switch (name) {
    case 'openAccount':
      return { name, body: body as OpenAccountBody, ownerPrincipal: principal };
    case 'changeAccountStatus':
      return { name, accountId, body: body as ChangeAccountStatusBody };
    case 'topUp':
      return { name, accountId, body: body as TopUpBody };
    case 'withdraw':
      return { name, accountId, body: body as WithdrawBody };
    case 'refund':
      return { name, accountId, body: body as RefundBody };
    case 'requestTransfer':
      return { name, body: body as TransferBody };
    default: {
      const unhandled: never = name;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

const answerResponse = (answer: StoredAnswer, replayed: boolean): ApiResponse => {
  const accepted = answer.body as Accepted;
  return jsonResponse(answer.statusCode, accepted, {
    location: accepted.location,
    ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
  });
};

/** What ownership says of an account the read model may hold. */
const ownedAccount = (account: AccountRecord | undefined): Owned =>
  account === undefined ? NOTHING : ownedBy(account.owner);

/** Who owns an account, read from the read model (NOTHING when it is not there). */
const ownerOfAccount = async (ports: BillingApiPorts, accountId: string): Promise<Owned> =>
  ownedAccount((await ports.readModel.accounts([accountId])).get(accountId));

/** The account as answered: its owner is not part of the view. */
const accountView = ({ owner: _owner, ...view }: AccountRecord): AccountView => view;

/** The same words for an account that is not the caller's and one that does not exist. */
const noAccountYouMayActOn = (accountId: string) =>
  `No account ${accountId} that you may act on (you act on the accounts you opened; one opened a moment ago shows up once it is projected)`;

/** The caller's decision on a route whose rule applies to `subject`. */
const accessOf = (request: ApiRequest, name: ApiRouteName, subject?: Owned): AccessDecision =>
  decideAccess({ principal: request.principal, operator: request.operator }, ROUTE_ACCESS[name], subject);

/**
 * 403 when the caller may not act on the account a command acts on: the path's account, or a
 * transfer's source (crediting another's account by a transfer is allowed). Undefined otherwise.
 */
function refusedCommand(
  request: ApiRequest,
  command: BillingCommand,
  accounts: ReadonlyMap<string, AccountRecord>,
): ApiResponse | undefined {
  if (command.name === 'openAccount') return undefined;
  const transfer = command.name === 'requestTransfer';
  const accountId = transfer ? command.body.fromAccountId : command.accountId;
  if (accessOf(request, command.name, ownedAccount(accounts.get(accountId))) !== 'forbidden')
    return undefined;
  const detail = noAccountYouMayActOn(accountId);
  return forbidden(request.path, detail, [
    transfer
      ? fieldIssue('body', ['fromAccountId'], 'not an account you may act on')
      : { in: 'path', field: 'accountId', pointer: '', detail: 'not an account you may act on' },
  ]);
}

/** A command's Idempotency-Key, per principal; null when the request has none. */
type IdempotencyScope = { readonly principal: string; readonly key: string } | null;

/** The command of a request's JSON body, and the body as parsed (the request hash is of it). */
function parsedCommand(
  name: CommandRouteName,
  params: Record<string, string>,
  request: ApiRequest,
): Step<{ readonly command: BillingCommand; readonly body: unknown }> {
  const body = jsonBody(request);
  if (!body.ok) return body;
  const parsed = commandOf(name, params, body.value, request.principal);
  if (!parsed.ok)
    return { ok: false, response: invalidRequest(request.path, zodIssues('body', parsed.error)) };
  return { ok: true, value: { command: parsed.command, body: body.value } };
}

/** The request's Idempotency-Key, checked: 1 to 255 visible ASCII characters. */
function idempotencyScope(request: ApiRequest): Step<IdempotencyScope> {
  const key = request.headers[ApiHeader.idempotencyKey];
  if (key === undefined) return { ok: true, value: null };
  if (IDEMPOTENCY_KEY_PATTERN.test(key)) return { ok: true, value: { principal: request.principal, key } };
  return {
    ok: false,
    response: invalidRequest(request.path, [
      {
        in: 'header',
        field: 'Idempotency-Key',
        pointer: '',
        detail: 'must be 1 to 255 visible ASCII characters',
      },
    ]),
  };
}

/**
 * What an earlier use of the key says: a conflict or a replayed answer ends the request; otherwise
 * whether the key was used before (whatever this request answers is then a replay of that outcome).
 */
async function earlierUse(
  request: ApiRequest,
  ports: BillingApiPorts,
  idempotency: IdempotencyScope,
  hash: string,
): Promise<Step<{ readonly retried: boolean }>> {
  if (!idempotency) return { ok: true, value: { retried: false } };
  const found = await ports.idempotency.find(idempotency.principal, idempotency.key);
  const decision = idempotencyDecision(found, hash);
  if (decision.kind === 'conflict') return { ok: false, response: idempotencyConflict(request.path) };
  if (decision.kind === 'replay') return { ok: false, response: answerResponse(decision.answer, true) };
  return { ok: true, value: { retried: found !== null } };
}

/**
 * The accounts a command names, read from the read model: 403 when the caller may not act on
 * them, 404 naming each one that is missing and that the caller may be told of.
 */
async function accountsOfRequest(
  request: ApiRequest,
  command: BillingCommand,
  ports: BillingApiPorts,
): Promise<Step<ReadonlyMap<string, AccountRecord>>> {
  const accountIds = accountsOfCommand(command);
  const accounts = await ports.readModel.accounts(accountIds);
  const refused = refusedCommand(request, command, accounts);
  if (refused) return { ok: false, response: refused };
  // What is left missing: a source only an operator may be told is unknown, or a transfer's
  // destination (a transfer says whether its destination exists, as a bank's payee check does).
  const missing = accountIds.filter((id) => !accounts.has(id));
  if (missing.length === 0) return { ok: true, value: accounts };
  const issues = missing.map((id): FieldIssue => {
    if (command.name !== 'requestTransfer')
      return { in: 'path', field: 'accountId', pointer: '', detail: `no account ${id}` };
    const field = command.body.fromAccountId === id ? 'fromAccountId' : 'toAccountId';
    return fieldIssue('body', [field], `no account ${id}`);
  });
  return {
    ok: false,
    response: notFound(
      request.path,
      `No account ${missing.join(', ')} (an account opened a moment ago shows up once it is projected)`,
      issues,
    ),
  };
}

/** The command's event, parsed again with its topic's schema; 400 naming the body's fields if not. */
function checkedEventOf(
  request: ApiRequest,
  command: BillingCommand,
  ids: CommandIds,
  accounts: ReadonlyMap<string, AccountRecord>,
  now: Date,
): Step<BillingEvent> {
  const event = eventOfCommand(command, ids, accounts, now);
  const checked = parseEvent(topicOfEventType(event.eventType), event);
  if (checked.ok) return { ok: true, value: checked.event };
  const issues = checked.error.issues.map((issue) => {
    const [head, ...rest] = issue.path.split('.');
    const path =
      head === 'payload'
        ? rest.map((field, i) => (i === 0 ? (BODY_FIELD_OF_PAYLOAD[field] ?? field) : field))
        : [];
    return fieldIssue('body', path, issue.message.replace(/payload\./g, ''));
  });
  return { ok: false, response: invalidRequest(request.path, issues) };
}

/**
 * Reserves the key for this request's event before it is appended. Another request with the key
 * may have been first, between the lookup and here: its conflict or answer ends this one.
 * Otherwise whether the key was reserved before and never answered (a crash, a timeout, a lost
 * connection, or still in flight): the same event ids are appended again, which every consumer
 * applies once.
 */
async function reserveKey(
  request: ApiRequest,
  ports: BillingApiPorts,
  idempotency: NonNullable<IdempotencyScope>,
  reservation: {
    readonly hash: string;
    readonly ids: CommandIds;
    readonly answer: StoredAnswer;
    readonly now: Date;
  },
): Promise<Step<{ readonly reservedBefore: boolean }>> {
  const record = await ports.idempotency.reserve(idempotency.principal, idempotency.key, {
    operation: `${request.method.toUpperCase()} ${request.path}`,
    requestHash: reservation.hash,
    eventId: reservation.ids.eventId,
    aggregateId: reservation.ids.aggregateId,
    acceptedBody: reservation.answer.body,
    now: reservation.now,
  });
  const decision = idempotencyDecision(record, reservation.hash);
  if (decision.kind === 'conflict') return { ok: false, response: idempotencyConflict(request.path) };
  if (decision.kind === 'replay') return { ok: false, response: answerResponse(decision.answer, true) };
  return { ok: true, value: { reservedBefore: !record.reservedNow } };
}

/**
 * Stores the answer of an appended command under its key. The event is appended: the command is
 * done whatever happens here. On an outage, a retry finds the key unfinished and appends the same
 * event id again, which every consumer applies once; without a retry, the answer sweep stores the
 * answer once a consumer has recorded the event (answerAppendedKeys).
 */
async function completeKey(
  ports: BillingApiPorts,
  idempotency: NonNullable<IdempotencyScope>,
  answer: StoredAnswer,
  context: ApiContext,
): Promise<void> {
  try {
    await ports.idempotency.complete(idempotency.principal, idempotency.key, answer, context.now);
  } catch (error) {
    if (!(error instanceof DependencyUnavailableError)) throw error;
    context.onDependencyError?.(error);
  }
}

/**
 * Validates, appends and answers a command (202), or says why not. Nothing is half-done. Steps:
 * the body as a command, the Idempotency-Key and its earlier use, the accounts, the event, the
 * key's reservation, the append, the key's answer.
 */
async function handleCommand(
  name: CommandRouteName,
  params: Record<string, string>,
  request: ApiRequest,
  ports: BillingApiPorts,
  context: ApiContext,
): Promise<ApiResponse> {
  const parsed = parsedCommand(name, params, request);
  if (!parsed.ok) return parsed.response;
  const { command, body } = parsed.value;
  const scope = idempotencyScope(request);
  if (!scope.ok) return scope.response;
  const idempotency = scope.value;
  const hash = requestHash(request.method, request.path, body);
  const earlier = await earlierUse(request, ports, idempotency, hash);
  if (!earlier.ok) return earlier.response;

  const accounts = await accountsOfRequest(request, command, ports);
  if (!accounts.ok) return accounts.response;
  const ids = commandIdsOf(idempotency, context.randomId);
  const event = checkedEventOf(request, command, ids, accounts.value, context.now);
  if (!event.ok) return event.response;

  const answer: StoredAnswer = { statusCode: 202, body: acceptedOf(command, event.value) };
  let retried = earlier.value.retried;
  if (idempotency) {
    const reserved = await reserveKey(request, ports, idempotency, { hash, ids, answer, now: context.now });
    if (!reserved.ok) return reserved.response;
    retried ||= reserved.value.reservedBefore;
  }
  const appended = await ports.events.append(event.value);
  if (!appended.ok) return invalidRequest(request.path, [fieldIssue('body', [], appended.rejection.message)]);
  if (idempotency) await completeKey(ports, idempotency, answer, context);
  return answerResponse(answer, retried);
}

/** GET /accounts/{accountId}: the account, to its owner or an operator. */
async function getAccount(
  request: ApiRequest,
  ports: BillingApiPorts,
  accountId: string,
): Promise<ApiResponse> {
  const account = (await ports.readModel.accounts([accountId])).get(accountId);
  const decision = accessOf(request, 'getAccount', ownedAccount(account));
  if (decision === 'forbidden') return forbidden(request.path, noAccountYouMayActOn(accountId));
  return account
    ? jsonResponse(200, accountView(account))
    : notFound(request.path, `No account ${accountId}`);
}

/** GET /accounts/{accountId}/transactions: a page of the account's transactions, newest first. */
async function listAccountTransactions(
  request: ApiRequest,
  ports: BillingApiPorts,
  accountId: string,
): Promise<ApiResponse> {
  // Whose account first: an outsider learns nothing of the query it may not make (403 alike)
  const account = (await ports.readModel.accounts([accountId])).get(accountId);
  const decision = accessOf(request, 'listAccountTransactions', ownedAccount(account));
  if (decision === 'forbidden') return forbidden(request.path, noAccountYouMayActOn(accountId));
  const query = TransactionPageQuery.safeParse(
    Object.fromEntries(Object.entries(request.query).filter(([, value]) => value !== undefined)),
  );
  if (!query.success) return invalidRequest(request.path, zodIssues('query', query.error));
  const after = query.data.cursor === undefined ? null : decodeCursor(query.data.cursor);
  if (query.data.cursor !== undefined && after === null) {
    return invalidRequest(request.path, [
      { in: 'query', field: 'cursor', pointer: '', detail: "must be a previous page's nextCursor" },
    ]);
  }
  if (decision === 'unknown') return notFound(request.path, `No account ${accountId}`);
  const page = await ports.readModel.accountTransactions(accountId, {
    limit: query.data.limit ?? DEFAULT_PAGE_SIZE,
    after,
  });
  return jsonResponse(200, page);
}

/** GET /transactions/{transactionId}: a transaction of an account the caller may act on. */
async function getTransaction(
  request: ApiRequest,
  ports: BillingApiPorts,
  transactionId: string,
): Promise<ApiResponse> {
  const transaction = await ports.readModel.transaction(transactionId);
  const owner = transaction ? await ownerOfAccount(ports, transaction.accountId) : NOTHING;
  if (accessOf(request, 'getTransaction', owner) === 'forbidden') {
    return forbidden(
      request.path,
      `No transaction ${transactionId} of an account you may act on (a request shows up once it is projected)`,
    );
  }
  return transaction
    ? jsonResponse(200, transaction)
    : notFound(request.path, `No transaction ${transactionId} (a request shows up once it is projected)`);
}

/** GET /transfers/{transferId}: a transfer from an account the caller may act on. */
async function getTransfer(
  request: ApiRequest,
  ports: BillingApiPorts,
  transferId: string,
): Promise<ApiResponse> {
  const transfer = await ports.readModel.transfer(transferId);
  const owner = transfer ? await ownerOfAccount(ports, transfer.fromAccountId) : NOTHING;
  if (accessOf(request, 'getTransfer', owner) === 'forbidden') {
    return forbidden(
      request.path,
      `No transfer ${transferId} from an account you may act on (a request shows up once it is projected)`,
    );
  }
  return transfer
    ? jsonResponse(200, transfer)
    : notFound(request.path, `No transfer ${transferId} (a request shows up once it is projected)`);
}

/** GET /dead-letters/counts: dead letters by status, for operators. */
async function deadLetterCounts(request: ApiRequest, ports: BillingApiPorts): Promise<ApiResponse> {
  if (accessOf(request, 'deadLetterCounts') === 'forbidden') {
    return forbidden(request.path, 'Dead letters are for operators (BILLING_API_OPERATORS)');
  }
  const counts = await ports.readModel.deadLetterCounts();
  return jsonResponse(200, {
    counts,
    total: Object.values(counts).reduce((sum, count) => sum + count, 0),
  });
}

async function routeRequest(
  request: ApiRequest,
  ports: BillingApiPorts,
  context: ApiContext,
  openApiDocument: () => unknown,
): Promise<ApiResponse> {
  // API Gateway routes: the function serves the route keys of serverless.yml, and no other
  // request reaches it (an unserved key is a deployment that does not match ApiRoute).
  const name = apiRouteNameOf(request.routeKey);
  if (name === undefined) return notFound(request.path, `No resource at ${request.method} ${request.path}`);
  const params = pathParams(request, request.pathParameters);
  if (!params.ok) return params.response;
  const { value: ids } = params;
  if (isCommandRoute(name)) return handleCommand(name, ids, request, ports, context);

  switch (name) {
    case 'openApiDocument':
      return jsonResponse(200, openApiDocument());
    case 'getAccount':
      return getAccount(request, ports, ids.accountId ?? '');
    case 'listAccountTransactions':
      return listAccountTransactions(request, ports, ids.accountId ?? '');
    case 'getTransaction':
      return getTransaction(request, ports, ids.transactionId ?? '');
    case 'getTransfer':
      return getTransfer(request, ports, ids.transferId ?? '');
    case 'deadLetterCounts':
      return deadLetterCounts(request, ports);
    default: {
      const unhandled: never = name;
      throw new Error(`unhandled route ${String(unhandled)}`);
    }
  }
}

/**
 * Answers one API request: a command is validated, appended and answered 202; a query is read
 * from the read model. Errors are RFC 9457 problems: 400 bad input, 404 unknown id, 409
 * Idempotency-Key conflict, 503 with Retry-After when Kafka or PostgreSQL is down or the deadline
 * (`context.deadlineMs`) passes first, 500 for a bug.
 */
export async function handleApiRequest(
  request: ApiRequest,
  ports: BillingApiPorts,
  context: ApiContext,
  openApiDocument: () => unknown,
): Promise<ApiResponse> {
  const answered = answerRequest(request, ports, context, openApiDocument);
  if (context.deadlineMs === undefined) return answered;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ApiResponse>((resolve) => {
    timer = setTimeout(() => {
      context.onDeadlineExceeded?.(request);
      resolve(deadlineExceeded(request.path, request.method.toUpperCase() === 'POST'));
    }, context.deadlineMs);
  });
  try {
    return await Promise.race([answered, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function answerRequest(
  request: ApiRequest,
  ports: BillingApiPorts,
  context: ApiContext,
  openApiDocument: () => unknown,
): Promise<ApiResponse> {
  try {
    return await routeRequest(request, ports, context, openApiDocument);
  } catch (error) {
    if (error instanceof DependencyUnavailableError) {
      context.onDependencyError?.(error);
      return serviceUnavailable(request.path, error.dependency);
    }
    context.onUnexpectedError?.(error);
    return internalError(request.path);
  }
}
