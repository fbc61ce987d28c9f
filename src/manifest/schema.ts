import { z } from 'zod';
import { CONFIG_LIMITS } from '../config/limits.ts';
import { MAX_TIMER_MS, MAX_TIMER_TEXT } from '../timer-limits.ts';
import {
  DISPATCH_TARGETS,
  ROLLBACK_POLICIES,
  SYMBOL_CONTEXTS,
  SYMBOL_DEFAULTS,
  SYMBOL_TYPES,
} from './types.ts';

/**
 * The manifest's shape as one zod schema. It is the single source for validation, for the
 * defaults the runtime relies on, and (through `z.toJSONSchema`) for the editor schema, so
 * every field carries a description. Checks that span symbols live in cross-checks.ts.
 */

export const SYMBOL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
export const SYMBOL_NAME_MAX_LENGTH = 128;
/** A symbol's `retries` has the bound of its default, `[coordinator] task_retry_limit`. */
export const MAX_RETRIES = CONFIG_LIMITS.task_retry_limit.max;

/** Fields a rollback may not have: it runs alone, once, when its parent has failed for good. */
export const SYMBOL_ONLY_FIELDS = ['dependencies', 'priority', 'retries', 'rollback'] as const;

const symbolName = z
  .string()
  .max(SYMBOL_NAME_MAX_LENGTH, `must be at most ${SYMBOL_NAME_MAX_LENGTH} characters long`)
  .regex(
    SYMBOL_NAME_PATTERN,
    'must start with an ASCII letter (A-Z, a-z) or a digit and contain only ASCII letters, digits and _ . : -',
  );

// Defaults are factories so that no two parsed manifests share one mutable object.

/**
 * The one exception: the empty `dependencies` of every symbol that lists none. Frozen, so
 * sharing it cannot carry a change from one symbol to another, and a million-symbol fan-out
 * does not hold a million empty arrays (64 MB, measured).
 */
const NO_DEPENDENCIES = Object.freeze([]) as unknown as string[];
const symbolFields = {
  type: z
    .enum(SYMBOL_TYPES)
    .describe('What kind of step this is: an action with effects, a filter, a state change, a query or a transform.'),
  context: z
    .enum(SYMBOL_CONTEXTS)
    .default(SYMBOL_DEFAULTS.context)
    .describe('The part of the system the symbol works on; backends use it to pick their handler.'),
  dispatch: z
    .enum(DISPATCH_TARGETS)
    .default(SYMBOL_DEFAULTS.dispatch)
    .describe(
      'Which backend runs the symbol: `internal` runs a built-in operation in a worker thread; the others start an external engine process.',
    ),
  parameters: z
    .record(z.string(), z.unknown())
    .default(() => ({}))
    .describe(
      'Free-form input for the backend. For `internal` dispatch, `operation` names the built-in operation (else the symbol name is used) and the other keys are its arguments.',
    ),
  // No zod default: a missing timeout comes from the dispatch target (see defaults.ts).
  timeout: z
    .number()
    .int()
    .positive('must be greater than 0 (milliseconds)')
    .max(MAX_TIMER_MS, `must be at most ${MAX_TIMER_TEXT}`)
    .optional()
    // For editors: the default of internal operations; an external backend's is its config's.
    .meta({ default: SYMBOL_DEFAULTS.timeout })
    .describe(
      'How long one attempt may run, in milliseconds, before it is stopped and counted as failed. Default: 30000, or for an external backend its `[backends.<name>] timeout`.',
    ),
};

const rollbackSchema = z
  .strictObject({
    name: symbolName.describe(
      'Unique name of the rollback; it shares one namespace with the symbols and other rollbacks.',
    ),
    ...symbolFields,
  })
  .describe(
    'A compensating step run once when its parent symbol has failed for good (after all retries). It has no dependencies, retries, priority or rollback of its own.',
  );

function symbolSchema(defaultRetries: number) {
  return z
    .strictObject({
      name: symbolName.describe(
        'Unique name of the symbol, used by `dependencies` and in logs; ASCII letters (A-Z, a-z), digits and _ . : - only.',
      ),
      ...symbolFields,
      dependencies: z
        .array(z.string())
        .default(() => NO_DEPENDENCIES)
        .describe('Names of symbols that must succeed before this one starts; they may be declared later in the file.'),
      priority: z
        .number()
        .int()
        .default(SYMBOL_DEFAULTS.priority)
        .describe('Among symbols that are ready at the same time, higher numbers start first; may be negative.'),
      retries: z
        .number()
        .int()
        .nonnegative()
        .max(MAX_RETRIES, `must be at most ${MAX_RETRIES} (${CONFIG_LIMITS.task_retry_limit.why})`)
        .default(defaultRetries)
        .describe('How many more attempts to make after a failed one; 0 means run once.'),
      rollback: rollbackSchema.optional(),
    })
    .describe('One step of the workflow.');
}

/**
 * Builds the manifest schema. `defaultRetries` is the `retries` value for symbols that do not
 * set one (the config may change it), so the schema is built per parse.
 */
export function buildManifestSchema(defaultRetries: number = SYMBOL_DEFAULTS.retries) {
  return z
    .strictObject({
      name: z
        .string()
        .min(1)
        // A name of only spaces shows as none in run listings; "" has its own message above.
        .refine((name) => name === '' || name.trim() !== '', { error: 'must not be blank (only white space); give the workflow a name' })
        .describe('Name of the workflow, shown in run listings.'),
      version: z.string().optional().describe('Version of the workflow, free text such as "1.2.0"; quote it in YAML.'),
      description: z.string().optional().describe('What the workflow does, for people reading run listings.'),
      metadata: z
        .record(z.string(), z.unknown())
        .default(() => ({}))
        .describe('Free-form data stored with each run of this workflow; the runtime does not interpret it.'),
      rollback_policy: z
        .enum(ROLLBACK_POLICIES)
        .default('symbol')
        .describe(
          'What to undo when a symbol fails for good: `symbol` runs only that symbol\'s rollback, `saga` also runs the rollbacks of the symbols that already succeeded (newest first), `none` runs no rollbacks.',
        ),
      symbols: z
        .array(symbolSchema(defaultRetries))
        .min(1, 'must list at least one symbol')
        .describe('The steps of the workflow; they run in dependency order, in parallel where possible.'),
    })
    .meta({
      title: 'WP Praxis Swarm workflow manifest',
      description: 'A declarative workflow: named symbols, their backends, parameters and dependencies.',
    });
}

export type ManifestSchema = ReturnType<typeof buildManifestSchema>;

/** The known keys at each level, for "unknown field ... did you mean" hints. */
export const MANIFEST_FIELD_NAMES: readonly string[] = Object.keys(buildManifestSchema().shape);
export const SYMBOL_FIELD_NAMES: readonly string[] = Object.keys(symbolSchema(SYMBOL_DEFAULTS.retries).shape);
export const ROLLBACK_FIELD_NAMES: readonly string[] = Object.keys(rollbackSchema.shape);
