<?php

/**
 * symbolic-engine.php: the reference PHP engine of WP Praxis Swarm.
 *
 * The swarm starts it once per attempt of a symbol with `dispatch: php_engine`:
 *
 *     php symbolic-engine.php --symbol NAME --type TYPE --context CTX --params JSON
 *
 * or, with `mode = "persistent"`, once per warm engine: `php symbolic-engine.php --serve`, which
 * loads WordPress once and answers request after request (engine/serve.php).
 *
 * with the whole execution request (runId, task, attempt, kind, symbol, dependencies, baseDir)
 * as JSON on stdin. Exit 0 means success, and stdout, which holds exactly one JSON document, is
 * the symbol's output. Any other exit is a failure whose reason is the last line on stderr
 * (exit 2: the request itself is wrong, e.g. a misspelt parameter; exit 1: everything else).
 *
 * The operation is `parameters.operation`, else the symbol's name. `swarm.probe` (what
 * `swarm backend check` sends) answers without loading WordPress; every other operation loads
 * the WordPress found at `parameters.wp_root` or at the `wp_root` of
 * symbolic-engine.config.php next to this file. Operations that change the site report what
 * they changed in an `undo` record that the `undo` operation (a rollback) applies.
 *
 * docs/php-engine.md describes every operation, its parameters, output and rollback.
 *
 * Requires PHP 8.1 or later and the mysqli extension; tested with WordPress 6.1.
 *
 * This file is the entry point: the exit codes, the files of the engine, and the top-level
 * flow. The rest lives in engine/ beside it, one concept a file, loaded by path relative to
 * this file (so the engine runs from any working directory). Install or copy the two together:
 * symbolic-engine.php without its engine/ folder does not run.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

use Throwable;

const ENGINE_VERSION = '1.0.0';
const EXIT_FAILURE = 1;
const EXIT_BAD_REQUEST = 2;

/** Where this script is: the config file (symbolic-engine.config.php) is looked for here. */
const ENGINE_DIR = __DIR__;

// Checked before the engine's files are loaded: they use PHP 8.1 syntax, and on an older PHP
// would fail with a parse error instead of this message.
if (PHP_VERSION_ID < 80100) {
    fwrite(STDERR, 'symbolic-engine: PHP 8.1 or later is required; this is PHP ' . PHP_VERSION . "\n");
    exit(EXIT_FAILURE);
}

// The engine's files must sit beside this one: a copy of this file alone would otherwise end in
// PHP's own "Failed opening required" fatal error (exit 255) instead of saying what is missing.
if (!is_dir(__DIR__ . '/engine')) {
    fwrite(STDERR, 'symbolic-engine: ' . __DIR__ . '/engine/ is missing: symbolic-engine.php needs its '
        . "engine/ folder beside it (copy or install the two together)\n");
    exit(EXIT_FAILURE);
}

// Definitions only (no code runs, no variables are set), so the order does not matter.
require_once __DIR__ . '/engine/errors.php';
require_once __DIR__ . '/engine/text.php';
require_once __DIR__ . '/engine/process.php';
require_once __DIR__ . '/engine/settings.php';
require_once __DIR__ . '/engine/params.php';
require_once __DIR__ . '/engine/request.php';
require_once __DIR__ . '/engine/operations.php';
require_once __DIR__ . '/engine/wp-root.php';
require_once __DIR__ . '/engine/wp-die.php';
require_once __DIR__ . '/engine/bootstrap.php';
require_once __DIR__ . '/engine/database.php';
require_once __DIR__ . '/engine/stored-values.php';
require_once __DIR__ . '/engine/undo.php';
require_once __DIR__ . '/engine/probe.php';
require_once __DIR__ . '/engine/posts.php';
require_once __DIR__ . '/engine/operations/options.php';
require_once __DIR__ . '/engine/operations/definitions.php';
require_once __DIR__ . '/engine/operations/posts.php';
require_once __DIR__ . '/engine/operations/post-deletion.php';
require_once __DIR__ . '/engine/operations/query.php';
require_once __DIR__ . '/engine/operations/cache.php';
require_once __DIR__ . '/engine/serve.php';

// ---- main --------------------------------------------------------------------------------------
//
// Top-level code on purpose (see prepareWordPress in engine/bootstrap.php): wp-load.php must be
// required at file scope. No variables are used here, so none can collide with the globals
// WordPress declares.

Process::start();

// The warm mode (engine/serve.php): WordPress loaded once, then request after request. The loop
// is at file scope for the same reason as the require below.
if (\in_array('--serve', $_SERVER['argv'] ?? [], true)) {
    Process::$phase = 'idle';
    while (($__wpPraxisFrame = Serve::next()) !== null) {
        try {
            Process::$call = Serve::begin($__wpPraxisFrame);
            if (Process::$call->needsWordPress() && Serve::$root === null) {
                Serve::$broken = 'an earlier request failed to load WordPress in this engine';
                require_once prepareWordPress(Process::$call);
                finishBootstrap(Process::$call);
                Serve::$root = Process::$call->wpRoot;
                Serve::$broken = null;
            } elseif (Process::$call->needsWordPress()) {
                Serve::reuseWordPress(Process::$call);
            } else {
                Process::$phase = 'running';
            }
            Serve::answer(Process::$call->run());
        } catch (Throwable $__wpPraxisError) {
            Serve::fail($__wpPraxisError, Serve::needsRecycle($__wpPraxisError));
        }
    }
    Process::$phase = 'done';
    exit(0);
}

try {
    Process::$call = Call::fromProcess($_SERVER['argv'] ?? []);
    if (Process::$call->needsWordPress()) {
        require_once prepareWordPress(Process::$call);
        finishBootstrap(Process::$call);
    } else {
        Process::$phase = 'running';
    }
    Process::succeed(Process::$call->run());
} catch (Throwable $__wpPraxisError) {
    Process::fail($__wpPraxisError);
}
