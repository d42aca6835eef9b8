/*
 * PostgreSQL refuses NUL in `text` and `\u0000` (or a lone surrogate escape) in `json`/`jsonb`
 * values it converts to text. Text taken from a record (a key, a failure message quoting the
 * input) is made storable before it is written; the record's bytes are kept elsewhere (base64).
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text with NUL written as the six characters `\u0000` and lone surrogates as U+FFFD. */
export const storableText = (text: string): string =>
  text.replaceAll('\u0000', '\\u0000').replace(LONE_SURROGATE, '\ufffd');
