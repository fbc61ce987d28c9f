<?php

/**
 * Stored values as JSON can carry them: the strings WordPress stores (options, meta) travel
 * through the swarm in outputs and undo records, byte for byte, and are read back without
 * letting stored data create PHP objects.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/**
 * A stored string as JSON can carry it. Serialized PHP may hold bytes that are not UTF-8, which
 * JSON would mangle; those travel base64-encoded.
 *
 * @return array{raw?: string, raw_base64?: string}
 */
function encodeRaw(string $raw): array
{
    return preg_match('//u', $raw) === 1 ? ['raw' => $raw] : ['raw_base64' => base64_encode($raw)];
}

/** @param array<string, mixed> $record */
function decodeRaw(array $record, string $what): ?string
{
    if (isset($record['raw_base64'])) {
        $raw = \is_string($record['raw_base64']) ? base64_decode($record['raw_base64'], true) : false;
        if ($raw === false) {
            throw new BadRequest("{$what}: raw_base64 is not base64");
        }
        return $raw;
    }
    if (\array_key_exists('raw', $record)) {
        if (!\is_string($record['raw'])) {
            throw new BadRequest("{$what}: raw must be a string");
        }
        return $record['raw'];
    }
    return null;
}

/**
 * The PHP value a stored string stands for, as WordPress reads it (maybe_unserialize), but
 * without creating objects: a class named in the data becomes __PHP_Incomplete_Class, which
 * serializes back to the same string. Stored strings come back through the swarm, and
 * unserialize() with classes allowed would let whoever can alter them run code.
 */
function valueOfRaw(string $raw): mixed
{
    if (!is_serialized($raw)) {
        return $raw;
    }
    $value = @unserialize(trim($raw), ['allowed_classes' => false]);
    return ($value === false && $raw !== 'b:0;') ? $raw : $value;
}

/** A value for JSON output: objects that PHP cannot show (incomplete classes) as a marker. */
function forOutput(mixed $value): mixed
{
    if ($value instanceof \__PHP_Incomplete_Class) {
        return ['__php_object' => true];
    }
    if (\is_object($value)) {
        $json = (string) json_encode($value, JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE);
        return json_decode($json, true);
    }
    if (\is_array($value)) {
        return array_map(__NAMESPACE__ . '\forOutput', $value);
    }
    return $value;
}
