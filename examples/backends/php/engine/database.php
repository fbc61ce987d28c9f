<?php

/**
 * Database helpers: one transaction per operation, and failures for database errors that
 * WordPress's APIs only report by returning false.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

use Throwable;

/**
 * Runs a change in one database transaction: an operation either makes all of its changes or,
 * when it fails, none, so a failed symbol leaves nothing for its rollback to undo (which is
 * what the swarm gives that rollback: the failed symbol has no output). On failure the object
 * cache is flushed as well, since it may hold values the rollback just took back. (Tables that
 * are not InnoDB ignore transactions.)
 *
 * @template T
 * @param callable(): T $change
 * @return T
 */
function inTransaction(callable $change): mixed
{
    global $wpdb;
    static $depth = 0;
    if ($depth > 0) {
        // Inside another operation's transaction (undo runs inverse operations): a second
        // START TRANSACTION would commit the outer one, so the outer one decides.
        return $change();
    }
    sqlOrFail('START TRANSACTION');
    $depth++;
    try {
        $result = $change();
        $depth--;
        sqlOrFail('COMMIT');
        return $result;
    } catch (Throwable $error) {
        $depth = 0;
        $wpdb->query('ROLLBACK');
        wp_cache_flush();
        throw $error;
    }
}

function sqlOrFail(string $sql): void
{
    global $wpdb;
    if ($wpdb->query($sql) === false) {
        $why = $wpdb->last_error !== '' ? $wpdb->last_error : 'unknown database error';
        throw new EngineError("{$sql} failed: {$why}");
    }
}

/** Fails with the database's error if the last query had one (many WordPress APIs only return false). */
function failOnDatabaseError(string $doing): void
{
    global $wpdb;
    if ($wpdb->last_error !== '') {
        throw new EngineError("{$doing}: database error: {$wpdb->last_error}");
    }
}
