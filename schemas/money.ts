import * as z from 'zod';
import { CURRENCIES, CURRENCY_EXPONENTS, type Currency, MAX_MINOR_UNITS } from './constants';
import { MoneyError } from './errors';

// Two patterns so that a float or a sign gets a message about the form, and a long number one
// about the bound; both end up in the JSON Schema, so other-language readers enforce them too.
const DECIMAL_INTEGER = /^(0|[1-9][0-9]*)$/;
const WITHIN_BOUND = /^(0|[1-9][0-9]{0,14}|1000000000000000)$/;
const POSITIVE = /^[1-9]/;

const FORM_MESSAGE =
  'must be a whole number of minor units as a decimal string: digits only, no sign, decimal point, exponent or leading zero';
const BOUND_MESSAGE = `must not exceed ${MAX_MINOR_UNITS} minor units`;

const minorUnits = () =>
  z
    .string({ error: FORM_MESSAGE })
    .regex(DECIMAL_INTEGER, { error: FORM_MESSAGE, abort: true })
    .regex(WITHIN_BOUND, { error: BOUND_MESSAGE, abort: true });

export const CurrencySchema = z.enum(CURRENCIES, {
  error: (issue) =>
    `unsupported currency ${JSON.stringify(issue.input)}: expected an ISO 4217 code the engine knows`,
});

/** A non-negative amount: balances. */
export const MoneySchema = z.object({
  minorUnits: minorUnits(),
  currency: CurrencySchema,
});
export type Money = z.infer<typeof MoneySchema>;

/** A strictly positive amount: every requested money movement. */
export const PositiveMoneySchema = z.object({
  minorUnits: minorUnits().regex(POSITIVE, 'must be greater than zero'),
  currency: CurrencySchema,
});

/** The exponent of a supported currency (2 for EUR: 100 minor units per euro). */
export const currencyExponent = (currency: Currency): number => CURRENCY_EXPONENTS[currency];

/** Whether a string is a currency code the engine supports. */
export const isSupportedCurrency = (code: string): code is Currency =>
  Object.hasOwn(CURRENCY_EXPONENTS, code);

/** The amount of a validated Money as a bigint count of minor units. */
export const toMinorUnits = (money: Money): bigint => BigInt(money.minorUnits);

/** A Money from a bigint count of minor units; throws MoneyError outside 0..MAX_MINOR_UNITS. */
export const moneyOf = (minorUnitsValue: bigint, currency: Currency): Money => {
  if (minorUnitsValue < 0n || minorUnitsValue > MAX_MINOR_UNITS) {
    throw new MoneyError(
      `Amount ${minorUnitsValue} ${currency} is outside 0..${MAX_MINOR_UNITS} minor units`,
    );
  }
  if (!isSupportedCurrency(currency)) {
    throw new MoneyError(`Unsupported currency ${String(currency)}`);
  }
  return { minorUnits: minorUnitsValue.toString(), currency };
};

/** The amount in major units as an exact decimal string (`{ '12345', 'EUR' }` -> `'123.45'`). */
export const formatMajorUnits = (money: Money): string => {
  const exponent = currencyExponent(money.currency);
  if (exponent === 0) return money.minorUnits;
  const digits = money.minorUnits.padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
};
