import type { RecipeStep } from '@whittle/core';

/** How a flag's text becomes a step field's value; the step reader checks the value itself. */
export const FLAG_VALUE_KINDS = ['number', 'text', 'switch', 'list', 'json'] as const;

/** One of {@link FLAG_VALUE_KINDS}. */
export type FlagValueKind = (typeof FLAG_VALUE_KINDS)[number];

/**
 * A flag of a one-step verb (`whittle quantize --bits 4`): the step field it sets for each method
 * it applies to. A flag given with a method it does not list is an error.
 */
export interface VerbFlag {
  /** `--bits`, written as commander takes it without the value: `--bits`. */
  readonly name: `--${string}`;
  /** The value's placeholder in help, as `<n>`; none for a switch. */
  readonly placeholder?: string;
  readonly description: string;
  /**
   * `number`: a number where the text is one, else the text (so the step reader names the flag
   * and the bad value); `text`: as given; `switch`: `--name` true, `--no-name` false; `list`: the
   * flag repeated, one entry each time; `json`: parsed JSON where the text is JSON, else the text.
   */
  readonly value: FlagValueKind;
  /** A switch that also has a `--no-` form, for a field whose default is true or to write `false` out. */
  readonly negatable?: boolean;
  /**
   * The dotted step field it sets, by method: `{ affine: 'granularity.size', gptq: 'groupSize' }`;
   * the key `*` stands for every method.
   */
  readonly fields: Readonly<Record<string, string>>;
}

/** A one-step verb: its recipe family, methods and flags. */
export interface VerbDefinition {
  /** The command's name: `quantize`. */
  readonly name: string;
  /** Its line in the program's help. */
  readonly description: string;
  /** The methods `--method` takes, each making one recipe kind; the first is the default. */
  readonly methods: readonly VerbMethod[];
  readonly flags: readonly VerbFlag[];
  /** Example command lines for its help. */
  readonly examples: readonly string[];
  /** Presets `--preset` takes (one-step recipes): the preset names. */
  readonly presets?: readonly string[];
}

/** One `--method` of a verb. */
export interface VerbMethod {
  readonly name: string;
  /** The recipe kind it makes: `quantize.affine`. */
  readonly kind: string;
  /** The resource flags it takes (`--data`, `--calibration`); none when it needs no data. */
  readonly resourceFlags?: readonly ('--data' | '--calibration')[];
  /**
   * Completes a step built from flags where one flag implies another field: `--group-size 32`
   * alone means `granularity.kind` `group`. Returns a new step.
   */
  readonly complete?: (step: RecipeStep) => RecipeStep;
  /**
   * Completes a step built from flags when `--data` or `--calibration` is given: fields whose
   * default differs once there is data to measure with. Returns a new step.
   */
  readonly withData?: (step: RecipeStep) => RecipeStep;
}

/** The filter flags every method takes, and the step fields they set. */
export const FILTER_FLAGS: readonly VerbFlag[] = [
  { name: '--include', placeholder: '<glob>', description: 'compress only params whose names match (repeat for more globs)', value: 'list', fields: { '*': 'include' } },
  { name: '--exclude', placeholder: '<glob>', description: 'leave params whose names match as they are (repeat for more globs)', value: 'list', fields: { '*': 'exclude' } },
  { name: '--roles', placeholder: '<role>', description: 'the param roles to compress (repeat; default: weights)', value: 'list', fields: { '*': 'roles' } },
];

/** Where every method's field is listed in {@link VerbFlag.fields}. */
export const EVERY_METHOD = '*';
