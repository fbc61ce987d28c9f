<?php

/**
 * The wp_die() handler. WordPress's own prints an HTML page and exits 0, which the swarm would
 * count as success; this one throws, so the failure is reported (and an open transaction is
 * rolled back) with WordPress's message, and the database's, as text.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/** wp_die() handler: a failure with WordPress's message as text (and the database's, if any). */
final class WordPressDie
{
    public static function handle(mixed $message = '', mixed $title = '', mixed $args = []): void
    {
        global $wpdb;
        if (\is_array($args) && ($args['exit'] ?? true) === false) {
            // A caller that asked wp_die() not to end the request only wants the message shown.
            fwrite(STDERR, 'wp_die (exit => false): ' . self::text($message) . "\n");
            return;
        }
        $text = self::text($message);
        if ($text === '') {
            $text = self::text($title);
        }
        if ($text === '' || $text === '0') {
            $text = 'wp_die() was called without a message';
        }
        if (\is_object($wpdb) && !empty($wpdb->error)) {
            // WordPress's explanation is a paragraph of advice; its first 300 characters name the cause.
            $detail = truncateText(self::text($wpdb->error), 300);
            if ($detail !== '' && !str_contains($text, $detail)) {
                $text .= " ({$detail})";
            }
        }
        if (\function_exists('mysqli_connect_error') && \is_object($wpdb) && empty($wpdb->dbh)) {
            $mysql = mysqli_connect_error();
            if (\is_string($mysql) && $mysql !== '') {
                $text .= " (MySQL: {$mysql})";
            }
        }
        $status = \is_array($args) && isset($args['response']) ? " [HTTP {$args['response']}]" : '';
        throw new WordPressDied("WordPress stopped with wp_die(): {$text}{$status}");
    }

    private static function text(mixed $message): string
    {
        if ($message instanceof \WP_Error) {
            return plainText(implode(' ', $message->get_error_messages()));
        }
        return \is_scalar($message) ? plainText((string) $message) : '';
    }
}
