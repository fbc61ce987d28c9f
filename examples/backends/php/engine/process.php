<?php

/**
 * The process: stdout discipline, the exit code, and what happens at shutdown.
 *
 * Stdout is the symbol's output and the exit code says whether it is one, so this is where a
 * result is written, a failure reported, and an exit or die that nobody planned for (wp-load.php
 * does that on a site that is not installed, with exit code 0) turned into a failure.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

use Throwable;

/**
 * The process-wide state. Stdout is the symbol's output, so nothing but the final JSON may reach
 * it: everything PHP, WordPress or a plugin prints goes through an output buffer whose callback
 * writes it to stderr, and the result is written to the STDOUT stream directly (which output
 * buffers do not capture).
 */
final class Process
{
    /**
     * starting → bootstrapping → running → done (a warm engine: → idle → starting … per
     * request). Anything but `done` or `idle` at shutdown is a failure.
     */
    public static string $phase = 'starting';
    public static ?Call $call = null;
    /** The output buffer level that captures what wp-load.php prints. */
    private static int $captureLevel = 0;

    public static function start(): void
    {
        error_reporting(E_ALL & ~E_DEPRECATED & ~E_USER_DEPRECATED);
        ini_set('display_errors', 'stderr');
        ini_set('html_errors', '0');
        ini_set('log_errors', '0');
        // Chunk size 1: forwarded as soon as it is printed, so stderr keeps the order of events.
        ob_start(static function (string $buffer): string {
            if ($buffer !== '') {
                fwrite(STDERR, $buffer);
            }
            return '';
        }, 1);
        register_shutdown_function([self::class, 'atShutdown']);
    }

    /** Starts capturing what loading WordPress prints (an error page, a redirect notice). */
    public static function captureBootstrapOutput(): void
    {
        self::$phase = 'bootstrapping';
        ob_start();
        self::$captureLevel = ob_get_level();
    }

    /** What loading WordPress printed, as plain text; the capture ends. */
    public static function endCapture(): string
    {
        $text = '';
        while (self::$captureLevel > 0 && ob_get_level() >= self::$captureLevel) {
            $text = (string) ob_get_clean() . $text;
        }
        self::$captureLevel = 0;
        return plainText($text);
    }

    /** Writes the output as the one JSON document on stdout and exits 0. */
    public static function succeed(mixed $output): never
    {
        $json = json_encode(
            $output,
            JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION
                | JSON_INVALID_UTF8_SUBSTITUTE | JSON_THROW_ON_ERROR,
        );
        fwrite(STDOUT, $json . "\n");
        fflush(STDOUT);
        self::$phase = 'done';
        exit(0);
    }

    /** Reports a failure as the last line on stderr and exits non-zero. */
    public static function fail(Throwable $error): never
    {
        $code = $error instanceof EngineError ? $error->exitCode : EXIT_FAILURE;
        $message = self::describe($error);
        self::$phase = 'done';
        fwrite(STDERR, self::prefix() . $message . "\n");
        exit($code);
    }

    /** A failure as one line of text (what loading WordPress printed goes to stderr first). */
    public static function describe(Throwable $error): string
    {
        $stray = self::endCapture();
        $message = $error instanceof EngineError
            ? $error->getMessage()
            : sprintf('%s: %s (%s:%d)', $error::class, $error->getMessage(), $error->getFile(), $error->getLine());
        if (self::$phase === 'bootstrapping') {
            $root = self::$call?->wpRoot ?? '?';
            $message = "WordPress at {$root} did not load: {$message}";
        }
        if ($stray !== '') {
            fwrite(STDERR, "output while loading WordPress: {$stray}\n");
        }
        return $message;
    }

    public static function prefix(): string
    {
        $call = self::$call;
        return $call === null ? 'symbolic-engine: ' : "symbolic-engine: {$call->symbol} ({$call->operation}): ";
    }

    /**
     * Runs first among the shutdown functions (it is registered before WordPress registers its
     * own). A process that gets here without having written its result was stopped by someone
     * calling exit or die: wp-load.php does that on a site that is not installed (after a
     * redirect that the CLI never sees, with exit code 0), a db-error.php drop-in does it when
     * the database is down. Exiting here replaces that 0 with a failure.
     */
    public static function atShutdown(): void
    {
        // WordPress flushes every output buffer at its own shutdown, which would send anything
        // printed later to stdout; without that, our stderr buffer stays to the end.
        if (\function_exists('remove_action')) {
            remove_action('shutdown', 'wp_ob_end_flush_all', 1);
        }
        // `idle`: a warm engine between requests (serve.php), ending at the end of its stdin.
        if (self::$phase === 'done' || self::$phase === 'idle') {
            return;
        }
        $phase = self::$phase;
        $stray = self::endCapture();
        if ($stray !== '') {
            fwrite(STDERR, "output before the stop: {$stray}\n");
        }
        $fatal = error_get_last();
        $isFatal = $fatal !== null && ($fatal['type'] & (E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR)) !== 0;
        $root = self::$call?->wpRoot ?? '?';
        if ($isFatal) {
            $why = "PHP fatal error: {$fatal['message']} in {$fatal['file']}:{$fatal['line']}";
        } elseif ($phase === 'bootstrapping' && siteLooksNotInstalled()) {
            $why = "WordPress at {$root} is not installed (wp-load.php exited during bootstrap); "
                . 'install it first (wp-admin/install.php, or wp core install)';
        } elseif ($phase === 'bootstrapping') {
            $why = "wp-load.php of {$root} ended the process before WordPress had loaded "
                . '(exit or die without an error)';
        } else {
            $why = 'the process ended (exit or die) before the operation had finished';
        }
        self::$phase = 'done';
        fwrite(STDERR, self::prefix() . $why . "\n");
        if (Serve::$id !== null) {
            // A warm engine in the middle of a request: that request gets the reason, and the
            // swarm a new engine (this process is ending anyway).
            Serve::write(['id' => Serve::$id, 'ok' => false, 'error' => $why, 'memory' => Serve::memory(), 'recycle' => true]);
        }
        exit(EXIT_FAILURE);
    }
}
