<?php

/**
 * The engine's own settings: symbolic-engine.config.php beside symbolic-engine.php. The swarm
 * starts backends with an allowlisted environment, so the WordPress root cannot come from an
 * environment variable; it comes from that file (or from a symbol's parameters).
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/** The settings file, looked for next to symbolic-engine.php (ENGINE_DIR). */
const CONFIG_FILE = 'symbolic-engine.config.php';

/** Keys of the config file and their defaults. */
const SETTINGS_DEFAULTS = [
    'wp_root' => null,
    'url' => null,
    'user' => null,
    'allow_wp_root_parameter' => true,
    'debug' => false,
];

/**
 * symbolic-engine.config.php next to symbolic-engine.php: PHP that returns an array (see
 * symbolic-engine.config.example.php). A PHP file rather than JSON or INI because it can hold
 * comments, and a web server that happens to serve this directory runs it instead of showing
 * its contents.
 *
 * @return array{0: array<string, mixed>, 1: ?string}
 */
function loadSettings(): array
{
    $file = ENGINE_DIR . '/' . CONFIG_FILE;
    if (!is_file($file)) {
        return [SETTINGS_DEFAULTS, null];
    }
    $loaded = (static fn (string $path): mixed => require $path)($file);
    if (!\is_array($loaded)) {
        throw new EngineError("{$file} must return an array, like symbolic-engine.config.example.php");
    }
    $unknown = array_diff(array_keys($loaded), array_keys(SETTINGS_DEFAULTS));
    if ($unknown !== []) {
        throw new EngineError(sprintf(
            '%s: unknown key(s) %s; known keys: %s',
            $file,
            implode(', ', $unknown),
            implode(', ', array_keys(SETTINGS_DEFAULTS)),
        ));
    }
    $settings = array_merge(SETTINGS_DEFAULTS, $loaded);
    foreach (['wp_root', 'url'] as $key) {
        if ($settings[$key] !== null && (!\is_string($settings[$key]) || $settings[$key] === '')) {
            throw new EngineError("{$file}: {$key} must be a non-empty string or null");
        }
    }
    foreach (['allow_wp_root_parameter', 'debug'] as $key) {
        if (!\is_bool($settings[$key])) {
            throw new EngineError("{$file}: {$key} must be true or false");
        }
    }
    if ($settings['user'] !== null && !\is_string($settings['user']) && !\is_int($settings['user'])) {
        throw new EngineError("{$file}: user must be a user ID, a login or null");
    }
    return [$settings, $file];
}
