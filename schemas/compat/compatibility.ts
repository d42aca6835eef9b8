/**
 * Compatibility of JSON Schemas between a published version and the next (current) one, in the
 * directions Confluent Schema Registry names. Every check is one question, "can the `reader`
 * schema accept every record the `writer` schema may produce?", asked with the roles set by the mode:
 *
 * - FORWARD (new writer, old reader; what the registry enforces on `<topic>-value`): consumers
 *   still on the published schema must read records written with the current one. Breaks: a
 *   removed property (required, or optional while the new schema stays open), a required property
 *   made optional, a widened type, an added enum/const value, an added union alternative (a new
 *   event type), a relaxed bound, a changed pattern or format, a new property when the published
 *   schema is closed. Passes: any added property of an open published schema (required too), a
 *   removed enum value, a narrowed type, a tightened bound.
 * - BACKWARD (old writer, new reader; replay): the current code must read every record written
 *   with a published schema, since topics keep events forever and projections replay them from
 *   the beginning. Breaks: a new required property, an optional property made required, a narrowed
 *   type, a removed enum value, a removed event type, a tightened bound, a new pattern or format.
 *   Passes: an added optional property, a removed property, a new event type.
 * - FULL: both.
 *
 * One deliberate difference from Confluent's rules: by default, BACKWARD takes the published
 * records to carry only the properties their schema declares, because KafkaEventStore sends the
 * zod-parsed event with unknown keys stripped. So an added optional property passes the replay
 * check, where Confluent's BACKWARD (which lets an open writer put anything under any name) would
 * refuse it. FORWARD keeps Confluent's open-model rule, to predict what the registry will say.
 *
 * Covers the subset `z.toJSONSchema` emits: object properties/required/additionalProperties,
 * enum/const, anyOf/oneOf (event alternatives matched by their `eventType` const), allOf of
 * patterns, string format/pattern/length, integer/number bounds, arrays, nullables. Regular
 * expressions are compared as text: a changed pattern is reported even when it happens to be
 * wider or equal, which errs on the side of a false alarm.
 */

export type JsonSchema = boolean | JsonSchemaObject;
export interface JsonSchemaObject {
  readonly [keyword: string]: unknown;
}

/** Which records must stay readable by whom; see the module comment. */
export const CompatibilityMode = {
  forward: 'FORWARD',
  backward: 'BACKWARD',
  full: 'FULL',
} as const;
export type CompatibilityMode = (typeof CompatibilityMode)[keyof typeof CompatibilityMode];

/** One direction of a check: FULL is both. */
export type CompatibilityDirection = Exclude<CompatibilityMode, 'FULL'>;

/**
 * What changed from the published schema to the next one, for a change that breaks the direction
 * of the issue. FORWARD reports the first kind of each pair, BACKWARD the second.
 */
export const CompatibilityIssueKind = {
  typeWidened: 'TYPE_WIDENED',
  typeNarrowed: 'TYPE_NARROWED',
  valueAdded: 'VALUE_ADDED',
  valueRemoved: 'VALUE_REMOVED',
  alternativeAdded: 'ALTERNATIVE_ADDED',
  alternativeRemoved: 'ALTERNATIVE_REMOVED',
  propertyRemoved: 'PROPERTY_REMOVED',
  requiredPropertyAdded: 'REQUIRED_PROPERTY_ADDED',
  propertyAdded: 'PROPERTY_ADDED',
  requiredRemoved: 'REQUIRED_REMOVED',
  requiredAdded: 'REQUIRED_ADDED',
  propertyAddedToClosedModel: 'PROPERTY_ADDED_TO_CLOSED_MODEL',
  propertyRemovedFromClosedModel: 'PROPERTY_REMOVED_FROM_CLOSED_MODEL',
  contentModelOpened: 'CONTENT_MODEL_OPENED',
  contentModelClosed: 'CONTENT_MODEL_CLOSED',
  boundRelaxed: 'BOUND_RELAXED',
  boundTightened: 'BOUND_TIGHTENED',
  patternChanged: 'PATTERN_CHANGED',
  formatChanged: 'FORMAT_CHANGED',
} as const;
export type CompatibilityIssueKind = (typeof CompatibilityIssueKind)[keyof typeof CompatibilityIssueKind];

/** One way the reader of a direction rejects records its writer may produce. */
export interface CompatibilityIssue {
  /** Where, as a field path with union alternatives in brackets: `[TopupRequested].payload.amount`. */
  readonly path: string;
  readonly kind: CompatibilityIssueKind;
  /** The direction that breaks: FORWARD (published readers, new records) or BACKWARD (replay). */
  readonly direction: CompatibilityDirection;
  readonly message: string;
}

/** How messages name the two schemas, e.g. `the published v3 schema` and `the current schema`. */
export interface SchemaLabels {
  readonly published: string;
  readonly next: string;
}

export interface CompatibilityOptions extends Partial<SchemaLabels> {
  /**
   * Whether records written with the published schema may carry properties it does not declare,
   * for the BACKWARD direction. Default false: KafkaEventStore strips unknown keys before sending.
   * True gives Confluent's BACKWARD, under which an added optional property of an open model breaks.
   */
  readonly publishedRecordsMayCarryUndeclared?: boolean;
}

/** The label of a published snapshot in messages: `the published v3 schema`. */
export const publishedLabel = (version: number): string => `the published v${version} schema`;

const DEFAULT_LABELS: SchemaLabels = { published: 'the published schema', next: 'the current schema' };

/** The words for writer and reader in one direction, resolved from the labels. */
interface Roles {
  readonly direction: CompatibilityDirection;
  /** The writer schema, e.g. `the current schema`. */
  readonly writer: string;
  /** The reader schema, e.g. `the published v3 schema`. */
  readonly reader: string;
  /** The records at stake: `records written with the current schema`. */
  readonly records: string;
  /** Who rejects them: `consumers still on the published v3 schema`. */
  readonly readers: string;
  /** How they fail: `reject them` or `reject them on replay`. */
  readonly rejectThem: string;
  /** Whether the writer's records may carry properties the writer schema does not declare. */
  readonly writerMayCarryUndeclared: boolean;
}

const rolesOf = (
  direction: CompatibilityDirection,
  labels: SchemaLabels,
  publishedRecordsMayCarryUndeclared: boolean,
): Roles =>
  direction === CompatibilityMode.forward
    ? {
        direction,
        writer: labels.next,
        reader: labels.published,
        records: `records written with ${labels.next}`,
        readers: `consumers still on ${labels.published}`,
        rejectThem: 'reject them',
        // Confluent's rule: an open schema lets a writer put any value under an undeclared name.
        writerMayCarryUndeclared: true,
      }
    : {
        direction,
        writer: labels.published,
        reader: labels.next,
        records: `records written with ${labels.published}`,
        readers: `consumers on ${labels.next}`,
        rejectThem: 'reject them on replay',
        writerMayCarryUndeclared: publishedRecordsMayCarryUndeclared,
      };

/**
 * What the diff finds, seen from the reader, and the change it is from the published schema to
 * the next: in FORWARD the writer is the next schema, in BACKWARD the published one.
 */
const Finding = {
  writerTypeNotAccepted: { FORWARD: 'TYPE_WIDENED', BACKWARD: 'TYPE_NARROWED' },
  writerValueNotAccepted: { FORWARD: 'VALUE_ADDED', BACKWARD: 'VALUE_REMOVED' },
  writerAlternativeNotAccepted: { FORWARD: 'ALTERNATIVE_ADDED', BACKWARD: 'ALTERNATIVE_REMOVED' },
  requiredPropertyUndeclared: { FORWARD: 'PROPERTY_REMOVED', BACKWARD: 'REQUIRED_PROPERTY_ADDED' },
  propertyUndeclaredByOpenWriter: { FORWARD: 'PROPERTY_REMOVED', BACKWARD: 'PROPERTY_ADDED' },
  requiredPropertyOptional: { FORWARD: 'REQUIRED_REMOVED', BACKWARD: 'REQUIRED_ADDED' },
  propertyUndeclaredByClosedReader: {
    FORWARD: 'PROPERTY_ADDED_TO_CLOSED_MODEL',
    BACKWARD: 'PROPERTY_REMOVED_FROM_CLOSED_MODEL',
  },
  openWriterClosedReader: { FORWARD: 'CONTENT_MODEL_OPENED', BACKWARD: 'CONTENT_MODEL_CLOSED' },
  boundNotMet: { FORWARD: 'BOUND_RELAXED', BACKWARD: 'BOUND_TIGHTENED' },
  patternNotMet: { FORWARD: 'PATTERN_CHANGED', BACKWARD: 'PATTERN_CHANGED' },
  formatNotMet: { FORWARD: 'FORMAT_CHANGED', BACKWARD: 'FORMAT_CHANGED' },
} as const satisfies Record<string, Record<CompatibilityDirection, CompatibilityIssueKind>>;
type Finding = (typeof Finding)[keyof typeof Finding];

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

/** Collects the issues of one `diff` call, turning a finding into the kind of the direction. */
class Findings {
  readonly issues: CompatibilityIssue[] = [];
  constructor(readonly roles: Roles) {}

  report(path: string, finding: Finding, message: string): void {
    const { direction } = this.roles;
    this.issues.push({ path, kind: finding[direction], direction, message });
  }

  add(issues: readonly CompatibilityIssue[]): void {
    this.issues.push(...issues);
  }
}

const compareUnion = (writer: JsonSchemaObject, reader: JsonSchemaObject, path: string, found: Findings) => {
  const { roles } = found;
  const writerAlternatives = alternativesOf(writer) ?? [writer];
  const readerAlternatives = alternativesOf(reader) ?? [reader];
  writerAlternatives.forEach((writerAlternative, index) => {
    const label = alternativesOf(writer) === undefined ? '' : alternativeLabel(writerAlternative, index);
    const altPath = `${path}${label}`;
    const discriminator = discriminatorOf(writerAlternative);
    const sameEvent =
      discriminator === undefined
        ? undefined
        : readerAlternatives.find((candidate) => discriminatorOf(candidate) === discriminator);
    if (sameEvent !== undefined) {
      found.add(diff(writerAlternative, sameEvent, altPath, roles));
      return;
    }
    // No alternative of the same event type: compatible if any reader alternative accepts it.
    const attempts = readerAlternatives.map((candidate) =>
      diff(writerAlternative, candidate, altPath, roles),
    );
    if (attempts.some((attempt) => attempt.length === 0)) return;
    if (discriminator === undefined) {
      // Not an event type (a plain schema, or a nullable's `null`): report why the closest fails.
      const closest = attempts.reduce((best, attempt) => (attempt.length < best.length ? attempt : best));
      found.add(closest);
      return;
    }
    found.report(
      altPath,
      Finding.writerAlternativeNotAccepted,
      `event type ${show(discriminator)} is in ${roles.writer} but not in ${roles.reader}: ` +
        `${roles.readers} ${roles.rejectThem}`,
    );
  });
};

const compareBounds = (writer: JsonSchemaObject, reader: JsonSchemaObject, path: string, found: Findings) => {
  const { roles } = found;
  const lower = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems'] as const;
  const upper = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems'] as const;
  for (const keyword of [...lower, ...upper]) {
    const limit = reader[keyword];
    if (typeof limit !== 'number') continue;
    const written = writer[keyword];
    const isLower = (lower as readonly string[]).includes(keyword);
    const outside = typeof written !== 'number' || (isLower ? written < limit : written > limit);
    if (outside) {
      const writerLimit = typeof written === 'number' ? `${keyword} ${written}` : `no ${keyword}`;
      found.report(
        path,
        Finding.boundNotMet,
        `${keyword} is ${limit} in ${roles.reader}, ${writerLimit} in ${roles.writer}: ` +
          `${roles.records} may fall outside it, and ${roles.readers} ${roles.rejectThem}`,
      );
    }
  }
};

const compareObjects = (
  writer: JsonSchemaObject,
  reader: JsonSchemaObject,
  path: string,
  found: Findings,
) => {
  const { roles } = found;
  const writerProperties = isObject(writer.properties) ? writer.properties : {};
  const readerProperties = isObject(reader.properties) ? reader.properties : {};
  const writerRequired = new Set(Array.isArray(writer.required) ? (writer.required as string[]) : []);
  const readerRequired = new Set(Array.isArray(reader.required) ? (reader.required as string[]) : []);
  // Records may carry undeclared properties only if the writer schema is open and, for published
  // records, the producer did not strip them (see CompatibilityOptions).
  const writerRecordsOpen = writer.additionalProperties !== false && roles.writerMayCarryUndeclared;
  const readerClosed = reader.additionalProperties === false;

  for (const [name, readerProperty] of Object.entries(readerProperties)) {
    const propertyPath = join(path, name);
    const writerProperty = writerProperties[name];
    if (writerProperty === undefined) {
      if (readerRequired.has(name)) {
        found.report(
          propertyPath,
          Finding.requiredPropertyUndeclared,
          `is required by ${roles.reader} but not declared by ${roles.writer}: ${roles.records} lack it, ` +
            `and ${roles.readers} ${roles.rejectThem}`,
        );
      } else if (
        writerRecordsOpen &&
        !(isObject(readerProperty) && Object.keys(readerProperty).length === 0)
      ) {
        found.report(
          propertyPath,
          Finding.propertyUndeclaredByOpenWriter,
          `is declared by ${roles.reader} but not by ${roles.writer}, which is open (no additionalProperties: ` +
            `false): ${roles.records} may carry any value under this name, and ${roles.readers}, who still ` +
            'validate it, may reject them',
        );
      }
      continue;
    }
    if (readerRequired.has(name) && !writerRequired.has(name)) {
      found.report(
        propertyPath,
        Finding.requiredPropertyOptional,
        `is required by ${roles.reader} but optional in ${roles.writer}: ${roles.records} may lack it, ` +
          `and ${roles.readers} ${roles.rejectThem}`,
      );
    }
    found.add(diff(writerProperty as JsonSchema, readerProperty as JsonSchema, propertyPath, roles));
  }

  if (readerClosed) {
    for (const name of Object.keys(writerProperties)) {
      if (!(name in readerProperties)) {
        found.report(
          join(path, name),
          Finding.propertyUndeclaredByClosedReader,
          `is declared by ${roles.writer}, but ${roles.reader} is closed (additionalProperties: false) and ` +
            `does not declare it: ${roles.readers} reject ${roles.records} that carry it`,
        );
      }
    }
    if (writerRecordsOpen) {
      found.report(
        path,
        Finding.openWriterClosedReader,
        `${roles.writer} allows additional properties, ${roles.reader} is closed (additionalProperties: false)`,
      );
    }
  } else if (isObject(reader.additionalProperties)) {
    for (const [name, writerProperty] of Object.entries(writerProperties)) {
      if (!(name in readerProperties)) {
        found.add(diff(writerProperty as JsonSchema, reader.additionalProperties, join(path, name), roles));
      }
    }
  }
};

/** The ways `reader` rejects records `writer` may produce, worded with the roles of the direction. */
function diff(
  writerSchema: JsonSchema,
  readerSchema: JsonSchema,
  path: string,
  roles: Roles,
): CompatibilityIssue[] {
  const found = new Findings(roles);
  if (readerSchema === true || writerSchema === false) return found.issues;
  if (readerSchema === false) {
    found.report(path, Finding.writerTypeNotAccepted, `${roles.reader} accepts nothing here (false schema)`);
    return found.issues;
  }
  const writerObject: JsonSchemaObject = writerSchema === true ? {} : writerSchema;
  if (alternativesOf(writerObject) !== undefined || alternativesOf(readerSchema) !== undefined) {
    compareUnion(writerObject, readerSchema, path, found);
    return found.issues;
  }
  const { schema: writer, patterns: writerPatterns } = normalize(writerObject);
  const { schema: reader, patterns: readerPatterns } = normalize(readerSchema);

  const readerTypes = typesOf(reader);
  const writerTypes = typesOf(writer);
  if (readerTypes !== undefined) {
    const accepted = (type: string) =>
      readerTypes.includes(type) || (type === 'integer' && readerTypes.includes('number'));
    if (writerTypes === undefined) {
      found.report(
        path,
        Finding.writerTypeNotAccepted,
        `${roles.records} may hold any type here, but ${roles.reader} accepts only ${readerTypes.join('|')}: ` +
          `${roles.readers} ${roles.rejectThem}`,
      );
      return found.issues;
    }
    const notAccepted = [...new Set(writerTypes)].filter((type) => !accepted(type));
    if (notAccepted.length > 0) {
      found.report(
        path,
        Finding.writerTypeNotAccepted,
        `${roles.records} may hold ${notAccepted.join('|')} here, but ${roles.reader} accepts only ` +
          `${readerTypes.join('|')}: ${roles.readers} ${roles.rejectThem}`,
      );
      return found.issues;
    }
  }

  const readerValues = listedValues(reader);
  if (readerValues !== undefined) {
    const accepted = readerValues.map(show).join(', ');
    const writerValues = listedValues(writer);
    if (writerValues === undefined) {
      found.report(
        path,
        Finding.writerValueNotAccepted,
        `${roles.records} may hold any value here, but ${roles.reader} accepts only ${accepted}: ` +
          `${roles.readers} ${roles.rejectThem}`,
      );
    } else {
      const known = new Set(readerValues.map(show));
      const unknown = writerValues.map(show).filter((value) => !known.has(value));
      if (unknown.length > 0) {
        found.report(
          path,
          Finding.writerValueNotAccepted,
          `${roles.records} may hold ${unknown.join(', ')} here, but ${roles.reader} accepts only ${accepted}: ` +
            `${roles.readers} ${roles.rejectThem}`,
        );
      }
    }
    return found.issues;
  }

  compareBounds(writer, reader, path, found);

  if (typeof reader.format === 'string' && writer.format !== reader.format) {
    const writerFormat = writer.format === undefined ? 'no format' : `format ${show(writer.format)}`;
    found.report(
      path,
      Finding.formatNotMet,
      `format is ${show(reader.format)} in ${roles.reader}, ${writerFormat} in ${roles.writer}: ` +
        `${roles.readers} require ${show(reader.format)}`,
    );
  }
  for (const pattern of readerPatterns) {
    if (!writerPatterns.includes(pattern)) {
      found.report(
        path,
        Finding.patternNotMet,
        `pattern ${show(pattern)} of ${roles.reader} is not among those of ${roles.writer}: ` +
          `${roles.readers} enforce it on ${roles.records}`,
      );
    }
  }

  if (isObject(reader.properties) || reader.additionalProperties !== undefined) {
    compareObjects(writer, reader, path, found);
  }
  if (reader.items !== undefined && writer.items !== undefined) {
    found.add(diff(writer.items as JsonSchema, reader.items as JsonSchema, join(path, '[]'), roles));
  }
  return found.issues;
}

const directionsOf = (mode: CompatibilityMode): readonly CompatibilityDirection[] =>
  mode === CompatibilityMode.full ? [CompatibilityMode.forward, CompatibilityMode.backward] : [mode];

const labelsOf = (options: Partial<SchemaLabels>): SchemaLabels => ({
  published: options.published ?? DEFAULT_LABELS.published,
  next: options.next ?? DEFAULT_LABELS.next,
});

/**
 * Check `next` against `published` in `mode`: FORWARD (records written with `next` are valid under
 * `published`), BACKWARD (records written with `published` are valid under `next`) or FULL (both).
 * Returns the breaks, FORWARD ones first, empty when compatible.
 */
export function checkCompatibility(
  published: JsonSchema,
  next: JsonSchema,
  mode: CompatibilityMode,
  options: CompatibilityOptions = {},
): CompatibilityIssue[] {
  const labels = labelsOf(options);
  return directionsOf(mode).flatMap((direction) => {
    const roles = rolesOf(direction, labels, options.publishedRecordsMayCarryUndeclared ?? false);
    return direction === CompatibilityMode.forward
      ? diff(next, published, '', roles)
      : diff(published, next, '', roles);
  });
}

/** FORWARD only: consumers still on `published` read records written with `next`. */
export const checkForwardCompatibility = (
  published: JsonSchema,
  next: JsonSchema,
  options?: CompatibilityOptions,
): CompatibilityIssue[] => checkCompatibility(published, next, CompatibilityMode.forward, options);

/** BACKWARD only, the replay check: consumers on `next` read records written with `published`. */
export const checkBackwardCompatibility = (
  published: JsonSchema,
  next: JsonSchema,
  options?: CompatibilityOptions,
): CompatibilityIssue[] => checkCompatibility(published, next, CompatibilityMode.backward, options);

const consequence = (direction: CompatibilityDirection, labels: SchemaLabels): string =>
  direction === CompatibilityMode.forward
    ? `consumers still on ${labels.published} would reject records written with ${labels.next}`
    : `consumers on ${labels.next} would reject records written with ${labels.published}, so replaying the topic fails`;

/**
 * A readable, multi-line report of a check for a test failure or a CLI: one section per broken
 * direction, one line per issue. Pass the mode and labels given to checkCompatibility.
 */
export function formatCompatibilityIssues(
  subject: string,
  issues: readonly CompatibilityIssue[],
  mode: CompatibilityMode = CompatibilityMode.forward,
  labels: Partial<SchemaLabels> = {},
): string {
  if (issues.length === 0) return `${subject}: ${mode} compatible`;
  const resolved = labelsOf(labels);
  // By the issues' own directions, so a report never hides an issue whatever mode it is given.
  return directionsOf(CompatibilityMode.full)
    .flatMap((direction) => {
      const broken = issues.filter((issue) => issue.direction === direction);
      if (broken.length === 0) return [];
      return [
        `${subject}: NOT ${direction} compatible with ${resolved.published} (${consequence(direction, resolved)}):`,
        ...broken.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message} [${issue.kind}]`),
      ];
    })
    .join('\n');
}
