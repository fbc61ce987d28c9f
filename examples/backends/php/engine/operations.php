<?php

/**
 * The table of operations: every name a symbol may use, the function that runs it, the
 * parameters it takes, and whether it needs WordPress. One table, so that the request, `undo`
 * and the list in an "unknown operation" message all agree on what exists.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/** Parameters every operation accepts: they choose the operation and the site, not what it does. */
const ENGINE_PARAMETERS = ['operation', 'wp_root', 'user'];

/** An operation: what it does, which parameters it takes, whether it needs WordPress. */
final class Operation
{
    public readonly \Closure $needsWordPress;

    /** @param list<string> $parameters */
    public function __construct(
        public readonly \Closure $run,
        public readonly array $parameters,
        ?\Closure $needsWordPress = null,
    ) {
        $this->needsWordPress = $needsWordPress ?? static fn (): bool => true;
    }
}

/** @return array<string, Operation> */
function operations(): array
{
    static $operations = null;
    $op = static fn (string $fn, array $parameters, ?\Closure $needsWordPress = null): Operation => new Operation(
        \Closure::fromCallable(__NAMESPACE__ . '\\' . $fn),
        $parameters,
        $needsWordPress,
    );
    $probe = $op('opProbe', ['probe', 'bootstrap'], static fn (Params $p): bool => $p->bool('bootstrap', false));
    return $operations ??= [
        'swarm.probe' => $probe,
        'probe' => $probe,
        'option.get' => $op('opOptionGet', ['option', 'options']),
        'option.set' => $op('opOptionSet', ['option', 'value', 'options', 'autoload']),
        'option.delete' => $op('opOptionDelete', ['option', 'options']),
        'option.restore' => $op('opOptionRestore', ['option', 'exists', 'value', 'autoload', 'options']),
        'post_type.define' => $op(
            'opPostTypeDefine',
            ['post_type', 'label', 'public', 'args'],
        ),
        'taxonomy.define' => $op(
            'opTaxonomyDefine',
            ['taxonomy', 'label', 'object_type', 'args'],
        ),
        'post.create' => $op('opPostCreate', ['fields', 'meta', 'if_exists']),
        'post.update' => $op('opPostUpdate', ['post_id', 'post_name', 'post_type', 'fields', 'meta']),
        'post.revert' => $op('opPostRevert', ['post_id', 'post_name', 'post_type', 'fields', 'meta']),
        'post.delete' => $op('opPostDelete', ['post_id', 'post_name', 'post_type', 'force', 'missing_ok']),
        'post.untrash' => $op('opPostUntrash', ['post_id', 'post_name', 'post_type', 'status']),
        'post.restore' => $op('opPostRestore', ['snapshot']),
        'query' => $op('opQuery', ['sql', 'args', 'limit']),
        'cache.flush' => $op('opCacheFlush', ['transients', 'rewrite']),
        'undo' => $op('opUndo', ['from']),
    ];
}
