import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TopicName } from './constants';
import { IncompatibleSchemaError, SchemaRegistryError } from './errors';
import { main, registerTopicSchemas } from './register';
import { REGISTRY_CONTENT_TYPE } from './registry';

// Responses as the Confluent Schema Registry REST API documents them. Only the answers a live
// registry here cannot give stay recorded (Confluent's reasons for an incompatible check, its 422
// code); registration against the live registry of native mode is in register.integration.test.ts.
const responses = {
  config: { status: 200, body: { compatibility: 'FORWARD' } },
  subjectNotFound: {
    status: 404,
    body: { error_code: 40401, message: "Subject 'billing.account.events-value' not found." },
  },
  compatible: { status: 200, body: { is_compatible: true } },
  incompatibleCheck: {
    status: 200,
    body: {
      is_compatible: false,
      messages: [
        "Found incompatible change: Difference{jsonPath='#/oneOf/0/properties/payload', type=ENUM_ARRAY_NARROWED}",
      ],
    },
  },
  registered: { status: 200, body: { id: 7 } },
  conflict: {
    status: 409,
    body: {
      error_code: 409,
      message:
        'Schema being registered is incompatible with an earlier schema for subject "billing.account.events-value"',
    },
  },
  invalid: { status: 422, body: { error_code: 42201, message: 'Invalid schema' } },
} as const;
type Response = (typeof responses)[keyof typeof responses];

interface RecordedRequest {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
}

const readBody = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
};

/** A fake registry on 127.0.0.1 answering `route(method, path)` and recording every request. */
const startRegistry = async (route: (method: string, path: string) => Response) => {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    const method = request.method ?? '';
    const url = request.url ?? '';
    requests.push({ method, url, contentType: request.headers['content-type'], body });
    const answer = route(method, url.split('?')[0] ?? '');
    response.writeHead(answer.status, { 'content-type': REGISTRY_CONTENT_TYPE });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const topic = TopicName.accountEvents;
const subject = 'billing.account.events-value';
const schema = { type: 'object', properties: { eventType: { const: 'AccountOpened' } } };

describe('registerTopicSchemas', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
  });

  it('refuses an incompatible version with the registry messages and registers nothing', async () => {
    // Prepare
    registry = await startRegistry((method, path) =>
      method === 'PUT'
        ? responses.config
        : path.startsWith('/compatibility')
          ? responses.incompatibleCheck
          : responses.registered,
    );

    // Act
    const act = registerTopicSchemas(registry.url, [topic], () => schema);

    // Assess
    await expect(act).rejects.toThrow(IncompatibleSchemaError);
    await expect(act).rejects.toThrow('type=ENUM_ARRAY_NARROWED');
    expect(registry.requests.filter((request) => request.url === `/subjects/${subject}/versions`)).toEqual(
      [],
    );
  });

  it('reports a 422 invalid schema with its error code', async () => {
    // Prepare
    registry = await startRegistry((method) => (method === 'PUT' ? responses.config : responses.invalid));

    // Act
    const error = await registerTopicSchemas(registry.url, [topic], () => schema).catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect(error).toMatchObject({
      status: 422,
      errorCode: 42201,
      message: expect.stringContaining('Invalid schema'),
    });
  });
});

describe('register CLI', () => {
  it('exits 2 without SCHEMA_REGISTRY_URL', async () => {
    // Prepare
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // Act
    const code = await main({});

    // Assess
    expect(code).toBe(2);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('SCHEMA_REGISTRY_URL'));
    errors.mockRestore();
  });

  it('exits 1 and prints the message when the registry refuses a schema', async () => {
    // Prepare
    const registry = await startRegistry((method, path) =>
      method === 'PUT'
        ? responses.config
        : path.startsWith('/compatibility')
          ? responses.compatible
          : responses.conflict,
    );
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // Act
    const code = await main({ SCHEMA_REGISTRY_URL: registry.url });

    // Assess
    expect(code).toBe(1);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('incompatible with an earlier schema'));
    errors.mockRestore();
    await registry.close();
  });
});
