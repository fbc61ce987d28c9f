<?php

/**
 * Where WordPress is: which root a call loads, from the symbol's parameters or the config
 * file, and the check that it really holds a WordPress. Shared by the bootstrap and by the
 * probe, which reports the root without loading WordPress.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/**
 * Where WordPress is: `parameters.wp_root` (relative to the manifest's directory), else the
 * config file's `wp_root` (relative to the config file), else null.
 *
 * @return array{0: ?string, 1: string} the root as given (null: none) and where it came from
 */
function configuredRoot(Call $call): array
{
    if ($call->params->has('wp_root')) {
        if ($call->settings['allow_wp_root_parameter'] !== true) {
            throw new BadRequest('parameters.wp_root is not allowed: ' . $call->settingsFile
                . ' sets allow_wp_root_parameter = false (its wp_root is used for every symbol)');
        }
        $root = $call->params->string('wp_root');
        $base = \is_string($call->request['baseDir'] ?? null) ? $call->request['baseDir'] : getcwd();
        return [isAbsolutePath($root) ? $root : $base . '/' . $root, 'parameters.wp_root'];
    }
    $root = $call->settings['wp_root'];
    if ($root === null) {
        return [null, 'none'];
    }
    $base = \dirname((string) $call->settingsFile);
    return [isAbsolutePath($root) ? $root : $base . '/' . $root, "wp_root in {$call->settingsFile}"];
}

function isAbsolutePath(string $path): bool
{
    return str_starts_with($path, '/') || preg_match('#^[A-Za-z]:[\\\\/]#', $path) === 1;
}

/** The realpath of a directory holding wp-load.php, or a failure that says where it looked. */
function checkedRoot(string $root, string $source): string
{
    $real = realpath($root);
    if ($real === false || !is_dir($real)) {
        throw new EngineError("the WordPress root {$root} (from {$source}) does not exist");
    }
    if (!is_file($real . '/wp-load.php')) {
        throw new EngineError("{$real} (from {$source}) holds no wp-load.php: it is not a WordPress root");
    }
    return $real;
}
