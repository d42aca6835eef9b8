/**
 * FORWARD compatibility of JSON Schemas, as Confluent Schema Registry defines it: data written
 * with the NEW schema must be readable by consumers still on the OLD one. So the new schema is
 * the writer and the old one the reader, and every change is judged by "can an old reader accept
 * every document the new writer may produce?":
 *
 * - breaks: a removed property that old readers declare (an open new schema may then carry any
 *   value there), a required property made optional, a widened type, an added enum/const value,
 *   an added union alternative (a new event type), a relaxed bound or length, a changed or removed
 *   pattern or format, a new property when the old schema is closed (additionalProperties: false);
 * - passes: an added property, optional OR required, when the old schema is open (old readers
 *   ignore it: under FORWARD it is BACKWARD that a new required field breaks), a removed enum
 *   value, a narrowed type, a tightened bound.
 *
 * Covers the subset `z.toJSONSchema` emits: object properties/required/additionalProperties,
 * enum/const, anyOf/oneOf (union alternatives matched by their `eventType` const), allOf of
 * patterns, string format/pattern/length, integer/number bounds, arrays, nullables. Regular
 * expressions are compared as text: a changed pattern is reported even when it happens to be
 * wider or equal, which errs on the side of a false alarm.
 */

export type JsonSchema = boolean | JsonSchemaObject;
export interface JsonSchemaObject {
  readonly [keyword: string]: unknown;
}

/** One way the new schema breaks readers on the old one. */
export interface CompatibilityIssue {
  /** Where, as a field path with union alternatives in brackets: `[TopupRequested].payload.amount`. */
  readonly path: string;
  readonly kind: CompatibilityIssueKind;
  readonly message: string;
}

export const CompatibilityIssueKind = {
  typeWidened: 'TYPE_WIDENED',
  valueAdded: 'VALUE_ADDED',
  alternativeAdded: 'ALTERNATIVE_ADDED',
  propertyRemoved: 'PROPERTY_REMOVED',
  requiredRemoved: 'REQUIRED_REMOVED',
  propertyAddedToClosedModel: 'PROPERTY_ADDED_TO_CLOSED_MODEL',
  contentModelOpened: 'CONTENT_MODEL_OPENED',
  boundRelaxed: 'BOUND_RELAXED',
  patternChanged: 'PATTERN_CHANGED',
  formatChanged: 'FORMAT_CHANGED',
} as const;
export type CompatibilityIssueKind = (typeof CompatibilityIssueKind)[keyof typeof CompatibilityIssueKind];

const DISCRIMINATOR = 'eventType';

const isObject = (value: unknown): value is JsonSchemaObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const show = (value: unknown): string => JSON.stringify(value);

const join = (path: string, segment: string): string => (path === '' ? segment : `${path}.${segment}`);

/**
 * Merge an `allOf` whose parts only add constraints (zod's way of stacking several `pattern`s)
 * into one schema with a `patterns` list, so both sides compare keyword by keyword.
 */
interface Normalized {
  readonly schema: JsonSchemaObject;
  readonly patterns: readonly string[];
}
const normalize = (schema: JsonSchemaObject): Normalized => {
  const patterns: string[] = [];
  const merged: Record<string, unknown> = {};
  const visit = (part: JsonSchemaObject) => {
    for (const [keyword, value] of Object.entries(part)) {
      if (keyword === 'allOf' && Array.isArray(value)) {
        for (const sub of value) if (isObject(sub)) visit(sub);
      } else if (keyword === 'pattern' && typeof value === 'string') {
        patterns.push(value);
      } else {
        merged[keyword] = value;
      }
    }
  };
  visit(schema);
  return { schema: merged, patterns };
};

/** The values a schema allows when it lists them (`const` or `enum`), else undefined. */
const listedValues = (schema: JsonSchemaObject): readonly unknown[] | undefined => {
  if ('const' in schema) return [schema.const];
  if (Array.isArray(schema.enum)) return schema.enum;
  return undefined;
};

const typeOfValue = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

/** The JSON types a schema admits, or undefined when it does not restrict them. */
const typesOf = (schema: JsonSchemaObject): readonly string[] | undefined => {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  const values = listedValues(schema);
  return values?.map(typeOfValue);
};

const alternativesOf = (schema: JsonSchemaObject): readonly JsonSchema[] | undefined => {
  const alternatives = schema.oneOf ?? schema.anyOf;
  return Array.isArray(alternatives) ? (alternatives as JsonSchema[]) : undefined;
};

const discriminatorOf = (schema: JsonSchema): string | undefined => {
  if (!isObject(schema) || !isObject(schema.properties)) return undefined;
  const property = schema.properties[DISCRIMINATOR];
  return isObject(property) && typeof property.const === 'string' ? property.const : undefined;
};

const alternativeLabel = (schema: JsonSchema, index: number): string => {
  const discriminator = discriminatorOf(schema);
  if (discriminator !== undefined) return `[${discriminator}]`;
  if (isObject(schema) && typeof schema.type === 'string') return `[${schema.type}]`;
  return `[${index}]`;
};

type Report = (path: string, kind: CompatibilityIssueKind, message: string) => void;

const compareUnion = (
  writer: JsonSchemaObject,
  reader: JsonSchemaObject,
  path: string,
  issues: CompatibilityIssue[],
): void => {
  const writerAlternatives = alternativesOf(writer) ?? [writer];
  const readerAlternatives = alternativesOf(reader) ?? [reader];
  writerAlternatives.forEach((writerAlternative, index) => {
    const label = alternativesOf(writer) === undefined ? '' : alternativeLabel(writerAlternative, index);
    const altPath = label === '' ? path : `${path}${label}`;
    const discriminator = discriminatorOf(writerAlternative);
    const sameEvent =
      discriminator === undefined
        ? undefined
        : readerAlternatives.find((candidate) => discriminatorOf(candidate) === discriminator);
    if (sameEvent !== undefined) {
      issues.push(...diff(writerAlternative, sameEvent, altPath));
      return;
    }
    // No alternative of the same event type: compatible if any old alternative accepts it.
    const attempts = readerAlternatives.map((candidate) => diff(writerAlternative, candidate, altPath));
    if (attempts.some((attempt) => attempt.length === 0)) return;
    if (label === '') {
      // A plain new schema against an old union (e.g. a nullable): report the closest alternative.
      const closest = attempts.reduce((best, attempt) => (attempt.length < best.length ? attempt : best));
      issues.push(...closest);
      return;
    }
    const what = discriminator === undefined ? 'this alternative' : `event type ${show(discriminator)}`;
    issues.push({
      path: altPath,
      kind: CompatibilityIssueKind.alternativeAdded,
      message: `${what} is new: no alternative of the old schema accepts it, so old readers reject such records`,
    });
  });
};

const compareBounds = (writer: JsonSchemaObject, reader: JsonSchemaObject, path: string, report: Report) => {
  const lower = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems'] as const;
  const upper = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems'] as const;
  for (const keyword of [...lower, ...upper]) {
    const limit = reader[keyword];
    if (typeof limit !== 'number') continue;
    const written = writer[keyword];
    const isLower = (lower as readonly string[]).includes(keyword);
    const relaxed = typeof written !== 'number' || (isLower ? written < limit : written > limit);
    if (relaxed) {
      const now = typeof written === 'number' ? `is now ${written}` : 'was removed';
      report(
        path,
        CompatibilityIssueKind.boundRelaxed,
        `${keyword} ${now} (old readers require ${keyword} ${limit}), so new records may fall outside what they accept`,
      );
    }
  }
};

const compareObjects = (
  writer: JsonSchemaObject,
  reader: JsonSchemaObject,
  path: string,
  issues: CompatibilityIssue[],
  report: Report,
) => {
  const writerProperties = isObject(writer.properties) ? writer.properties : {};
  const readerProperties = isObject(reader.properties) ? reader.properties : {};
  const writerRequired = new Set(Array.isArray(writer.required) ? (writer.required as string[]) : []);
  const readerRequired = new Set(Array.isArray(reader.required) ? (reader.required as string[]) : []);
  const writerClosed = writer.additionalProperties === false;
  const readerClosed = reader.additionalProperties === false;

  for (const [name, readerProperty] of Object.entries(readerProperties)) {
    const propertyPath = join(path, name);
    const writerProperty = writerProperties[name];
    if (writerProperty === undefined) {
      if (readerRequired.has(name)) {
        report(
          propertyPath,
          CompatibilityIssueKind.propertyRemoved,
          'was removed, but old readers require it: records written without it fail their schema',
        );
      } else if (!writerClosed && !(isObject(readerProperty) && Object.keys(readerProperty).length === 0)) {
        report(
          propertyPath,
          CompatibilityIssueKind.propertyRemoved,
          'was removed while the new schema stays open (no additionalProperties: false), so new records may ' +
            'carry any value under this name and old readers, who still validate it, may reject them',
        );
      }
      continue;
    }
    if (readerRequired.has(name) && !writerRequired.has(name)) {
      report(
        propertyPath,
        CompatibilityIssueKind.requiredRemoved,
        'is no longer required, but old readers require it: records written without it fail their schema',
      );
    }
    issues.push(...diff(writerProperty as JsonSchema, readerProperty as JsonSchema, propertyPath));
  }

  if (readerClosed) {
    for (const name of Object.keys(writerProperties)) {
      if (!(name in readerProperties)) {
        report(
          join(path, name),
          CompatibilityIssueKind.propertyAddedToClosedModel,
          'is new, and the old schema is closed (additionalProperties: false): old readers reject records that carry it',
        );
      }
    }
    if (!writerClosed) {
      report(
        path,
        CompatibilityIssueKind.contentModelOpened,
        'the new schema allows additional properties, the old one is closed (additionalProperties: false)',
      );
    }
  } else if (isObject(reader.additionalProperties)) {
    for (const [name, writerProperty] of Object.entries(writerProperties)) {
      if (!(name in readerProperties)) {
        issues.push(...diff(writerProperty as JsonSchema, reader.additionalProperties, join(path, name)));
      }
    }
  }
};

/** The ways `writer` (the new schema) produces data that `reader` (the old schema) rejects. */
function diff(writerSchema: JsonSchema, readerSchema: JsonSchema, path: string): CompatibilityIssue[] {
  const issues: CompatibilityIssue[] = [];
  const report: Report = (where, kind, message) => {
    issues.push({ path: where, kind, message });
  };
  if (readerSchema === true || writerSchema === false) return issues;
  if (readerSchema === false) {
    report(path, CompatibilityIssueKind.typeWidened, 'old readers accept nothing here (false schema)');
    return issues;
  }
  const writerObject: JsonSchemaObject = writerSchema === true ? {} : writerSchema;
  if (alternativesOf(writerObject) !== undefined || alternativesOf(readerSchema) !== undefined) {
    compareUnion(writerObject, readerSchema, path, issues);
    return issues;
  }
  const { schema: writer, patterns: writerPatterns } = normalize(writerObject);
  const { schema: reader, patterns: readerPatterns } = normalize(readerSchema);

  const readerTypes = typesOf(reader);
  const writerTypes = typesOf(writer);
  if (readerTypes !== undefined) {
    const accepted = (type: string) =>
      readerTypes.includes(type) || (type === 'integer' && readerTypes.includes('number'));
    if (writerTypes === undefined) {
      report(
        path,
        CompatibilityIssueKind.typeWidened,
        `any type may now be written; old readers accept only ${readerTypes.join('|')}`,
      );
      return issues;
    }
    const widened = [...new Set(writerTypes)].filter((type) => !accepted(type));
    if (widened.length > 0) {
      report(
        path,
        CompatibilityIssueKind.typeWidened,
        `type widened: new records may be ${widened.join('|')}, old readers accept only ${readerTypes.join('|')}`,
      );
      return issues;
    }
  }

  const readerValues = listedValues(reader);
  if (readerValues !== undefined) {
    const writerValues = listedValues(writer);
    if (writerValues === undefined) {
      report(
        path,
        CompatibilityIssueKind.valueAdded,
        `any value may now be written; old readers accept only ${readerValues.map(show).join(', ')}`,
      );
    } else {
      const known = new Set(readerValues.map(show));
      const added = writerValues.map(show).filter((value) => !known.has(value));
      if (added.length > 0) {
        report(
          path,
          CompatibilityIssueKind.valueAdded,
          `new value ${added.join(', ')} is unknown to old readers, who accept only ${readerValues.map(show).join(', ')}`,
        );
      }
    }
    return issues;
  }

  compareBounds(writer, reader, path, report);

  if (typeof reader.format === 'string' && writer.format !== reader.format) {
    report(
      path,
      CompatibilityIssueKind.formatChanged,
      `format ${show(reader.format)} ${writer.format === undefined ? 'was removed' : `became ${show(writer.format)}`}; old readers require ${show(reader.format)}`,
    );
  }
  for (const pattern of readerPatterns) {
    if (!writerPatterns.includes(pattern)) {
      report(
        path,
        CompatibilityIssueKind.patternChanged,
        `pattern ${show(pattern)} of the old schema is gone or changed; old readers still enforce it`,
      );
    }
  }

  if (isObject(reader.properties) || reader.additionalProperties !== undefined) {
    compareObjects(writer, reader, path, issues, report);
  }
  if (reader.items !== undefined && writer.items !== undefined) {
    issues.push(...diff(writer.items as JsonSchema, reader.items as JsonSchema, join(path, '[]')));
  }
  return issues;
}

/**
 * Check that `next` is FORWARD compatible with `published`: every record valid under `next` is
 * valid under `published`. Returns the breaks, empty when compatible.
 */
export function checkForwardCompatibility(published: JsonSchema, next: JsonSchema): CompatibilityIssue[] {
  return diff(next, published, '');
}

/** A readable, multi-line report of compatibility breaks for a test failure or a CLI. */
export function formatCompatibilityIssues(subject: string, issues: readonly CompatibilityIssue[]): string {
  if (issues.length === 0) return `${subject}: FORWARD compatible`;
  const lines = issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message} [${issue.kind}]`);
  return [
    `${subject}: NOT FORWARD compatible with the published schema (records written with the new schema would be ` +
      `rejected by consumers still on the published one):`,
    ...lines,
  ].join('\n');
}
