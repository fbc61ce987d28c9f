<?php

/**
 * The option operations: option.get, option.set, option.delete and their inverse,
 * option.restore. Options are read from the table as stored (not through get_option()'s
 * filters), since that is what a restore must put back.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/**
 * An option as stored: whether it exists, its raw value and autoload flag. Read from the
 * table, not through get_option(), whose filters may change what is returned; this is what a
 * restore must put back.
 *
 * @return array{option: string, exists: bool, raw?: string, raw_base64?: string, autoload?: string}
 */
function optionSnapshot(string $name): array
{
    global $wpdb;
    $row = $wpdb->get_row($wpdb->prepare(
        "SELECT option_value, autoload FROM {$wpdb->options} WHERE option_name = %s LIMIT 1",
        $name,
    ), ARRAY_A);
    failOnDatabaseError("reading option {$name}");
    if (!\is_array($row)) {
        return ['option' => $name, 'exists' => false];
    }
    return ['option' => $name, 'exists' => true]
        + encodeRaw((string) $row['option_value'])
        + ['autoload' => (string) $row['autoload']];
}

/** A snapshot as the value a reader of the output wants to see. */
function snapshotValue(array $snapshot): array
{
    if (!$snapshot['exists']) {
        return ['exists' => false, 'value' => null];
    }
    return ['exists' => true, 'value' => forOutput(valueOfRaw((string) decodeRaw($snapshot, 'snapshot')))];
}

function optionName(mixed $name, string $what): string
{
    if (!\is_string($name) || $name === '' || \strlen($name) > 191) {
        throw new BadRequest("{$what} must be an option name (a string of 1 to 191 bytes)");
    }
    return $name;
}

/** autoload as update_option() takes it; null leaves it as it is (new options: yes). */
function autoloadParam(Params $params): ?string
{
    if (!$params->has('autoload')) {
        return null;
    }
    return $params->bool('autoload', true) ? 'yes' : 'no';
}

/** The options named by `option` (one) or `options` (several): [name => value or null]. */
function optionTargets(Params $params, bool $withValues): array
{
    if ($params->has('option') === $params->has('options')) {
        throw new BadRequest($withValues
            ? 'give either parameters.option (with parameters.value) or parameters.options ({name: value, ...})'
            : 'give either parameters.option or parameters.options (a list of names)');
    }
    if ($params->has('option')) {
        $name = optionName($params->raw('option'), 'parameters.option');
        if ($withValues && !\array_key_exists('value', $params->all())) {
            throw new BadRequest('parameters.value is required with parameters.option (null is a value)');
        }
        return [$name => $withValues ? $params->raw('value') : null];
    }
    if ($withValues) {
        $targets = $params->map('options');
        foreach (array_keys($targets) as $name) {
            optionName((string) $name, "option name \"{$name}\"");
        }
    } else {
        $targets = [];
        foreach ($params->list('options') as $name) {
            $targets[optionName($name, 'each of parameters.options')] = null;
        }
    }
    if ($targets === []) {
        throw new BadRequest('parameters.options is empty');
    }
    return $targets;
}

function opOptionGet(Call $call): array
{
    $targets = optionTargets($call->params, false);
    $read = [];
    foreach (array_keys($targets) as $name) {
        $name = (string) $name;
        $snapshot = optionSnapshot($name);
        // The value as WordPress serves it (filters included); exists/autoload as stored.
        $read[$name] = [
            'option' => $name,
            'exists' => $snapshot['exists'],
            'value' => $snapshot['exists'] ? forOutput(get_option($name)) : null,
            'autoload' => $snapshot['autoload'] ?? null,
        ];
    }
    return $call->params->has('option') ? reset($read) : ['options' => $read];
}

function opOptionSet(Call $call): array
{
    $targets = optionTargets($call->params, true);
    $autoload = autoloadParam($call->params);
    [$changes, $previous] = inTransaction(static function () use ($targets, $autoload): array {
        $changes = [];
        $previous = [];
        foreach ($targets as $name => $value) {
            $name = (string) $name;
            $before = optionSnapshot($name);
            // update_option() adds a missing option, and returns false both for "unchanged" and
            // for a failed write; the database error tells the two apart.
            update_option($name, $value, $autoload);
            failOnDatabaseError("setting option {$name}");
            $after = optionSnapshot($name);
            $previous[] = $before;
            $changes[] = [
                'option' => $name,
                'value' => forOutput(get_option($name)),
                'previous' => snapshotValue($before),
                'changed' => $after !== $before,
            ];
        }
        return [$changes, $previous];
    });
    $undo = undoRecord('option.restore', ['options' => $previous]);
    return $call->params->has('option') ? $changes[0] + ['undo' => $undo] : ['options' => $changes, 'undo' => $undo];
}

function opOptionDelete(Call $call): array
{
    $targets = optionTargets($call->params, false);
    [$changes, $previous] = inTransaction(static function () use ($targets): array {
        $changes = [];
        $previous = [];
        foreach (array_keys($targets) as $name) {
            $name = (string) $name;
            $before = optionSnapshot($name);
            if ($before['exists']) {
                delete_option($name);
                failOnDatabaseError("deleting option {$name}");
            }
            $previous[] = $before;
            $changes[] = ['option' => $name, 'deleted' => $before['exists'], 'previous' => snapshotValue($before)];
        }
        return [$changes, $previous];
    });
    $undo = undoRecord('option.restore', ['options' => $previous]);
    return $call->params->has('option') ? $changes[0] + ['undo' => $undo] : ['options' => $changes, 'undo' => $undo];
}

/**
 * Puts options back as a snapshot says: the exact stored string and autoload flag, or no
 * option at all. Idempotent, so restoring twice (a symbol's own rollback and a later
 * compensation) is harmless. Accepts `options` (snapshots) or one snapshot's fields directly
 * (`option`, `exists`, and `raw` or `value`, `autoload`) for manual use.
 */
function opOptionRestore(Call $call): array
{
    $params = $call->params;
    if ($params->has('options')) {
        $snapshots = $params->list('options');
    } else {
        $snapshot = ['option' => $params->raw('option'), 'exists' => $params->raw('exists')];
        if (\array_key_exists('value', $params->all())) {
            $snapshot['value'] = $params->raw('value');
        }
        if ($params->has('autoload')) {
            $snapshot['autoload'] = $params->bool('autoload', true) ? 'yes' : 'no';
        }
        $snapshots = [$snapshot];
    }
    return inTransaction(static function () use ($snapshots): array {
        $restored = [];
        foreach (array_reverse($snapshots) as $i => $snapshot) {
            if (!\is_array($snapshot)) {
                throw new BadRequest("options[{$i}] must be an object");
            }
            $restored[] = restoreOption($snapshot);
        }
        return ['restored' => array_reverse($restored)];
    });
}

/** @param array<string, mixed> $snapshot */
function restoreOption(array $snapshot): array
{
    global $wpdb;
    $name = optionName($snapshot['option'] ?? null, 'option');
    if (!\is_bool($snapshot['exists'] ?? null)) {
        throw new BadRequest("option {$name}: exists must be true or false");
    }
    $current = optionSnapshot($name);
    if (!$snapshot['exists']) {
        if ($current['exists']) {
            delete_option($name);
            failOnDatabaseError("deleting option {$name}");
        }
        return ['option' => $name, 'exists' => false, 'changed' => $current['exists']];
    }
    $raw = decodeRaw($snapshot, "option {$name}");
    if ($raw === null && !\array_key_exists('value', $snapshot)) {
        throw new BadRequest("option {$name}: give raw (the stored string) or value");
    }
    $unchanged = $raw !== null && $current['exists'] && decodeRaw($current, 'current') === $raw;
    if (!$unchanged) {
        // Through update_option(), so caches and hooks see the change. The raw string becomes
        // the value WordPress read from it, which update_option() serializes back to the same.
        update_option($name, $raw !== null ? valueOfRaw($raw) : $snapshot['value']);
        failOnDatabaseError("restoring option {$name}");
    }
    // update_option() keeps the autoload flag of an existing option and gives a new one 'yes':
    // set the old flag directly when it differs.
    $autoload = $snapshot['autoload'] ?? null;
    $after = optionSnapshot($name);
    if (\is_string($autoload) && $autoload !== '' && ($after['autoload'] ?? null) !== $autoload) {
        $wpdb->update($wpdb->options, ['autoload' => $autoload], ['option_name' => $name]);
        failOnDatabaseError("restoring the autoload flag of option {$name}");
        wp_cache_delete('alloptions', 'options');
        wp_cache_delete('notoptions', 'options');
        wp_cache_delete($name, 'options');
        $after = optionSnapshot($name);
    }
    return ['option' => $name, 'exists' => true, 'changed' => $after !== $current];
}
