/**
 * The sections of the config file ([dispatcher], …), without the schema behind them: what the
 * manifest validator needs to tell a config file given in a manifest's place.
 * test/config/sections.test.ts holds it to the config schema's own keys.
 */
export const CONFIG_SECTIONS: readonly string[] = ['dispatcher', 'coordinator', 'worker', 'backends', 'logging', 'security'];
