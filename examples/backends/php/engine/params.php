<?php

/**
 * A symbol's parameters, read with checks whose messages name the parameter: a misspelt or
 * mistyped parameter fails the request (exit 2) instead of passing silently.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/** The symbol's parameters, read with checks whose messages name the parameter. */
final class Params
{
    /** @param array<string, mixed> $values */
    public function __construct(private readonly array $values)
    {
    }

    public function has(string $name): bool
    {
        return \array_key_exists($name, $this->values) && $this->values[$name] !== null;
    }

    public function raw(string $name): mixed
    {
        return $this->values[$name] ?? null;
    }

    /** @return array<string, mixed> */
    public function all(): array
    {
        return $this->values;
    }

    /** @param list<string> $allowed */
    public function allowOnly(array $allowed, string $operation): void
    {
        $unknown = array_values(array_diff(array_keys($this->values), $allowed));
        if ($unknown !== []) {
            throw new BadRequest(sprintf(
                'unknown parameter(s) %s for %s; it takes: %s',
                implode(', ', $unknown),
                $operation,
                implode(', ', $allowed),
            ));
        }
    }

    public function string(string $name, ?string $default = null): string
    {
        $value = $this->values[$name] ?? $default;
        if (!\is_string($value) || $value === '') {
            throw new BadRequest($value === null
                ? "parameters.{$name} is required"
                : "parameters.{$name} must be a non-empty string");
        }
        return $value;
    }

    public function bool(string $name, bool $default): bool
    {
        $value = $this->values[$name] ?? $default;
        if (!\is_bool($value)) {
            throw new BadRequest("parameters.{$name} must be true or false");
        }
        return $value;
    }

    public function int(string $name, ?int $default = null, int $min = PHP_INT_MIN, int $max = PHP_INT_MAX): int
    {
        $value = $this->values[$name] ?? $default;
        if (!\is_int($value)) {
            throw new BadRequest($value === null
                ? "parameters.{$name} is required"
                : "parameters.{$name} must be an integer");
        }
        if ($value < $min || $value > $max) {
            throw new BadRequest("parameters.{$name} must be between {$min} and {$max}");
        }
        return $value;
    }

    /** @return array<string, mixed> a JSON object ({} or absent gives []) */
    public function map(string $name): array
    {
        $value = $this->values[$name] ?? [];
        if (!\is_array($value) || ($value !== [] && array_is_list($value))) {
            throw new BadRequest("parameters.{$name} must be an object");
        }
        return $value;
    }

    /** @return list<mixed> */
    public function list(string $name): array
    {
        $value = $this->values[$name] ?? [];
        if (!\is_array($value) || !array_is_list($value)) {
            throw new BadRequest("parameters.{$name} must be a list");
        }
        return $value;
    }
}
