<?php

/**
 * The warm mode (`symbolic-engine.php --serve`, what the swarm starts for `mode = "persistent"`):
 * WordPress is loaded once, on the first request that needs it, and the process then serves
 * request after request, one JSON document a line on stdin and one answer a line on stdout
 * (README "Warm engines"; actors/backends/engine-protocol.ts):
 *
 *     in:  {"id": "…", "request": {…the ExecutionRequest…}}
 *     out: {"id": "…", "ok": true, "output": …, "memory": RSS}  |  {"id": "…", "ok": false, "error": "…", "memory": RSS, "recycle": bool}
 *
 * What one request changes must not reach the next, so before each request the state a fresh
 * process would not have is reset (object cache, $wpdb's last results and errors, the current
 * user, a transaction left open), and a request after which the process may not be clean
 * (wp_die, an error PHP threw, a lost database connection, a failed load) is answered with
 * `recycle: true`: the swarm replaces the engine. An exit, die or fatal error during a request
 * is answered from the shutdown function, with `recycle`, before the process ends.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

use Throwable;

/** The serve loop's state: the request being served and the WordPress this process has loaded. */
final class Serve
{
    /** The id of the request being served (null between requests). */
    public static ?string $id = null;
    /** The WordPress root loaded in this process (realpath), once loaded. */
    public static ?string $root = null;
    /** Set when a load failed: WordPress is half-loaded and require_once will not run it again. */
    public static ?string $broken = null;

    /** The next request frame, or null at the end of stdin (the swarm's way to say stop). */
    public static function next(): ?array
    {
        for (;;) {
            $line = fgets(STDIN);
            if ($line === false) {
                // The swarm's end of stdin is a socket: fgets gives up after default_socket_timeout
                // (60 s) without a line, which is a quiet engine, not the end of stdin.
                if (!feof(STDIN)) {
                    continue;
                }
                return null;
            }
            if (trim($line) === '') {
                continue;
            }
            $frame = json_decode($line, true);
            if (!\is_array($frame) || !\is_string($frame['id'] ?? null) || !\is_array($frame['request'] ?? null)) {
                // Without an id nothing can be answered; an answer without one tells the swarm
                // that this engine is out of step, and it replaces it.
                self::write(['id' => null, 'ok' => false, 'error' => 'a line on stdin is not a request frame', 'recycle' => true]);
                continue;
            }
            return $frame;
        }
    }

    /** Starts serving one request: its Call, checked, with the state of the last request reset. */
    public static function begin(array $frame): Call
    {
        self::$id = $frame['id'];
        Process::$call = null;
        Process::$phase = 'starting';
        error_clear_last();
        if (self::$broken !== null) {
            throw new EngineError(self::$broken);
        }
        return Call::fromRequest($frame['request']);
    }

    /**
     * For a request that needs WordPress once it is loaded: the same site, a live database
     * connection, and nothing left from the request before.
     */
    public static function reuseWordPress(Call $call): void
    {
        global $wpdb;
        [$root, $source] = configuredRoot($call);
        $call->wpRoot = $root === null ? null : checkedRoot($root, $source);
        if ($call->wpRoot !== self::$root) {
            throw new RecycleNeeded(sprintf(
                'this warm engine has WordPress at %s loaded, and the symbol asks for %s; a PHP process loads one '
                . 'WordPress: use one site per swarm, or mode = "process" for symbols that pick their own wp_root',
                self::$root,
                $call->wpRoot ?? '(none)',
            ));
        }
        // A connection that dropped since the last request (a server restart, wait_timeout) is
        // opened again here; one that cannot be is this request's failure, and the engine's end.
        $wpdb->last_error = '';
        if (!self::connected()) {
            throw new RecycleNeeded('the database connection is gone and could not be opened again: '
                . (mysqli_connect_error() ?? 'no reason given'));
        }
        // Nothing a request did is left open: an unfinished transaction is rolled back.
        $wpdb->query('ROLLBACK');
        $wpdb->flush();
        $wpdb->last_error = '';
        if (isset($wpdb->queries) && \is_array($wpdb->queries)) {
            $wpdb->queries = [];
        }
        // Another engine or process may have changed the site since: the values this process
        // cached are not trusted. A persistent object cache (a drop-in) is shared and kept.
        if (\function_exists('wp_cache_flush_runtime') && wp_using_ext_object_cache()) {
            wp_cache_flush_runtime();
        } elseif (!wp_using_ext_object_cache()) {
            wp_cache_flush();
        }
        unset($GLOBALS['post']);
        wp_set_current_user(0);
        Process::$phase = 'running';
        actAsUser($call);
    }

    /**
     * A ping, and one reconnect when it fails. Not $wpdb->check_connection(): it retries five
     * times a second apart, which would hold every request of a swarm for 5 s while the
     * database is down; the swarm's retries (with backoff) are the better place to wait.
     */
    private static function connected(): bool
    {
        global $wpdb;
        if ($wpdb->dbh instanceof \mysqli && @mysqli_ping($wpdb->dbh)) {
            return true;
        }
        return $wpdb->db_connect(false) === true;
    }

    public static function answer(mixed $output): void
    {
        self::write(['id' => self::$id, 'ok' => true, 'output' => $output, 'memory' => self::memory()]);
        self::$id = null;
        Process::$phase = 'idle';
    }

    /** A failed request: one answer, and the same failure line on stderr as a process-mode run. */
    public static function fail(Throwable $error, bool $recycle): void
    {
        $message = Process::describe($error);
        if (Process::$phase === 'bootstrapping') {
            self::$broken = "WordPress failed to load in this engine earlier: {$message}";
        }
        fwrite(STDERR, Process::prefix() . $message . "\n");
        self::write(['id' => self::$id, 'ok' => false, 'error' => $message, 'memory' => self::memory(), 'recycle' => $recycle]);
        self::$id = null;
        Process::$phase = 'idle';
    }

    /**
     * Whether the process may not be clean after `$error`: our own checks (a wrong request, a
     * missing page) leave it as it was; wp_die(), anything PHP or WordPress threw, and a failed
     * load may not.
     */
    public static function needsRecycle(Throwable $error): bool
    {
        return $error instanceof WordPressDied || $error instanceof RecycleNeeded || !$error instanceof EngineError
            || Process::$phase === 'bootstrapping';
    }

    /** The process's resident size in bytes (what max_memory bounds), else PHP's own heap. */
    public static function memory(): int
    {
        $status = @file_get_contents('/proc/self/status');
        if (\is_string($status) && preg_match('/^VmRSS:\s+(\d+) kB/m', $status, $m) === 1) {
            return (int) $m[1] * 1024;
        }
        return memory_get_usage(true);
    }

    /** @param array<string, mixed> $frame */
    public static function write(array $frame): void
    {
        $json = json_encode(
            $frame,
            JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION | JSON_INVALID_UTF8_SUBSTITUTE,
        );
        if ($json === false) {
            $json = json_encode(['id' => $frame['id'], 'ok' => false, 'error' => 'the output cannot be written as JSON: '
                . json_last_error_msg(), 'recycle' => false]);
        }
        fwrite(STDOUT, $json . "\n");
        fflush(STDOUT);
    }
}
