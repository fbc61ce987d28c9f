<?php

/**
 * The `cache.flush` operation: the object cache, and optionally transients and rewrite rules.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/**
 * Flushes the object cache; with `transients: true` also deletes every transient, with
 * `rewrite: true` the stored rewrite rules (WordPress rebuilds them on the next request).
 * There is nothing to undo: caches refill themselves.
 */
function opCacheFlush(Call $call): array
{
    global $wpdb;
    $transients = $call->params->bool('transients', false);
    $rewrite = $call->params->bool('rewrite', false);
    $deleted = 0;
    if ($transients) {
        $deleted = (int) $wpdb->query(
            "DELETE FROM {$wpdb->options}
             WHERE option_name LIKE '\\_transient\\_%' OR option_name LIKE '\\_site\\_transient\\_%'"
        );
        failOnDatabaseError('deleting transients');
    }
    if ($rewrite) {
        delete_option('rewrite_rules');
        failOnDatabaseError('deleting the rewrite rules');
    }
    $flushed = wp_cache_flush();
    return [
        'object_cache_flushed' => (bool) $flushed,
        'external_object_cache' => (bool) wp_using_ext_object_cache(),
        'transients_deleted' => $transients ? $deleted : null,
        'rewrite_rules_deleted' => $rewrite,
    ];
}
