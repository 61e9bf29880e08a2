// Small io-ts building blocks for the configuration schema.
import * as t from 'io-ts';

export interface NonEmptyStringBrand {
  readonly NonEmptyString: unique symbol;
}
export const NonEmptyString = t.brand(
  t.string,
  (s): s is t.Branded<string, NonEmptyStringBrand> => s.length > 0,
  'NonEmptyString',
);

export interface PortBrand {
  readonly Port: unique symbol;
}
export const Port = t.brand(
  t.number,
  (n): n is t.Branded<number, PortBrand> => Number.isInteger(n) && n >= 0 && n <= 65535,
  'Port',
);

export interface PositiveIntBrand {
  readonly PositiveInt: unique symbol;
}
export const PositiveInt = t.brand(
  t.number,
  (n): n is t.Branded<number, PositiveIntBrand> => Number.isInteger(n) && n > 0,
  'PositiveInt',
);

export interface NonNegativeIntBrand {
  readonly NonNegativeInt: unique symbol;
}
export const NonNegativeInt = t.brand(
  t.number,
  (n): n is t.Branded<number, NonNegativeIntBrand> => Number.isInteger(n) && n >= 0,
  'NonNegativeInt',
);

/** A URL path segment: what mod_restful's `{Path, Module, Opts}` keyed on. */
export interface SegmentBrand {
  readonly Segment: unique symbol;
}
export const Segment = t.brand(
  t.string,
  (s): s is t.Branded<string, SegmentBrand> => /^[A-Za-z0-9._~-]+$/.test(s),
  'Segment',
);

/**
 * Like t.type, but an unknown key is an error: a misspelt option (say
 * `pasword_file`) must stop start-up rather than be silently ignored.
 */
export function closed<P extends t.Props>(props: P, name: string): t.TypeC<P> {
  const open = t.type(props, name);
  return new t.InterfaceType(
    name,
    open.is,
    (input, context) => {
      const result = open.validate(input, context);
      if (typeof input !== 'object' || input === null || Array.isArray(input)) return result;
      const unknown: t.Errors = Object.keys(input)
        .filter((key) => !(key in props))
        .map((key) => ({
          value: undefined,
          context: [...context, { key, type: t.never, actual: undefined }],
          message: 'unknown option',
        }));
      if (unknown.length === 0) return result;
      return t.failures(result._tag === 'Left' ? [...result.left, ...unknown] : unknown);
    },
    open.encode,
    props,
  );
}
