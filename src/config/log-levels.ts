/**
 * The logging vocabulary shared by the config schema and the logger. It lives in its own
 * dependency-free file so importing the logger does not load zod, nor the schema pino.
 */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
