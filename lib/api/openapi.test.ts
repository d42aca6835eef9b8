import { ApiRoute } from './constants';
import { buildOpenApiDocument } from './openapi';
import { TopUpBody } from './requests';

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    components: { schemas: Record<string, Record<string, unknown>> };
  };

  it('is OpenAPI 3.1 with an operation for every route the API serves', () => {
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(Object.values(ApiRoute).sort());
  });

  it('describes a command body with the same schema that validates it (money as a decimal string)', () => {
    const topUp = document.components.schemas.TopUpCommand as {
      properties: { amount: { properties: { minorUnits: { type: string } } } };
      additionalProperties: boolean;
    };
    expect(topUp.properties.amount.properties.minorUnits.type).toBe('string');
    expect(topUp.additionalProperties).toBe(false);
    expect(TopUpBody.safeParse({ amount: { minorUnits: '1', currency: 'EUR' } }).success).toBe(true);
  });

  it('documents 503 with Retry-After for every operation that reads or writes', () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (path === '/openapi.json') continue;
        expect({ route: `${method} ${path}`, has503: '503' in operation.responses }).toEqual({
          route: `${method} ${path}`,
          has503: true,
        });
      }
    }
  });

  it('uses only references that resolve, and no fragment-only $id', () => {
    const text = JSON.stringify(document);
    for (const [, name] of text.matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)) {
      expect(document.components.schemas[name ?? '']).toBeDefined();
    }
    expect(text).not.toContain('"$id"');
  });
});
