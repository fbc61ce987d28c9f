<?php

/**
 * The read-only `query` operation: one SELECT, checked, and run where it cannot write.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/**
 * A SELECT with placeholders, through $wpdb->prepare(): `sql` may say {prefix} for the table
 * prefix, `args` fill its %s / %d / %f placeholders (a literal % is %%). Refused unless it is one
 * SELECT; and it runs inside a READ ONLY transaction, so even a statement that got past the
 * check cannot write.
 */
function opQuery(Call $call): array
{
    global $wpdb;
    $params = $call->params;
    $sql = str_replace('{prefix}', $wpdb->prefix, $params->string('sql'));
    $args = $params->list('args');
    $limit = $params->int('limit', 1000, 1, 100000);
    checkSelectOnly($sql);
    foreach ($args as $i => $arg) {
        if (!\is_scalar($arg)) {
            throw new BadRequest("args[{$i}] must be a string or a number");
        }
    }
    if ($args !== []) {
        $sql = $wpdb->prepare($sql, ...$args);
        if (!\is_string($sql) || $sql === '') {
            throw new BadRequest('$wpdb->prepare() refused the query: the placeholders do not match args');
        }
    }
    sqlOrFail('START TRANSACTION READ ONLY');
    try {
        $rows = $wpdb->get_results($sql, ARRAY_A);
        failOnDatabaseError('the query failed');
    } finally {
        $wpdb->query('ROLLBACK');
    }
    $rows = \is_array($rows) ? $rows : [];
    $count = \count($rows);
    return ['rows' => \array_slice($rows, 0, $limit), 'count' => $count, 'truncated' => $count > $limit];
}

/** Refuses anything but a single SELECT; looks only at the SQL outside strings and comments. */
function checkSelectOnly(string $sql): void
{
    if (preg_match('#/\*[!M]#', $sql) === 1) {
        // MariaDB/MySQL run the inside of /*! ... */ comments as SQL.
        throw new BadRequest('the query may not contain executable comments (/*! ... */)');
    }
    $code = '';
    $length = \strlen($sql);
    for ($i = 0; $i < $length; $i++) {
        $c = $sql[$i];
        if ($c === "'" || $c === '"' || $c === '`') {
            $end = $i + 1;
            while ($end < $length && $sql[$end] !== $c) {
                $end += $sql[$end] === '\\' && $c !== '`' ? 2 : 1;
            }
            $code .= ' ? ';
            $i = $end;
        } elseif ($c === '/' && ($sql[$i + 1] ?? '') === '*') {
            $end = strpos($sql, '*/', $i + 2);
            $i = $end === false ? $length : $end + 1;
            $code .= ' ';
        } elseif ($c === '#' || ($c === '-' && ($sql[$i + 1] ?? '') === '-' && ctype_space($sql[$i + 2] ?? ' '))) {
            $end = strpos($sql, "\n", $i);
            $i = $end === false ? $length : $end;
            $code .= ' ';
        } else {
            $code .= $c;
        }
    }
    $code = rtrim(trim($code), "; \t\n\r");
    if (preg_match('/^\(*\s*select\b/i', $code) !== 1) {
        throw new BadRequest('only SELECT queries are allowed');
    }
    if (str_contains($code, ';')) {
        throw new BadRequest('only one statement is allowed');
    }
    if (preg_match('/\binto\b|\bfor\s+update\b|\block\s+in\s+share\s+mode\b/i', $code) === 1) {
        throw new BadRequest('SELECT ... INTO and locking reads are not allowed');
    }
}
