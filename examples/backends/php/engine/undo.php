<?php

/**
 * Undo records and the `undo` operation (a rollback). Every operation that changes the site
 * reports in its output how to take the change back; `undo` applies those records, and runs
 * nothing but this engine's inverse operations, whatever a dependency's output says.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/** The operations an `undo` record may name. Nothing else is ever run from a dependency's output. */
const INVERSE_OPERATIONS = ['option.restore', 'post.delete', 'post.revert', 'post.untrash', 'post.restore'];

/** An undo record: the inverse operation, its parameters, and when the change was made. */
function undoRecord(string $operation, array $parameters): array
{
    return ['operation' => $operation, 'parameters' => $parameters, 'at' => microtime(true)];
}

/**
 * The rollback operation: applies the `undo` records found in the request's dependency
 * outputs, newest change first, in one transaction.
 *
 * `from` chooses the outputs: by default the compensated symbol's own output (the swarm puts
 * it under that symbol's name in a rollback's dependencies; it is null when the symbol never
 * succeeded: nothing to undo, since a failed operation changed nothing). `"dependencies"`
 * takes every output in the request, which is how the rollback of a failed last step restores
 * what its dependencies changed. A list of symbol names takes those.
 */
function opUndo(Call $call): array
{
    $params = $call->params;
    $deps = $call->dependencies();
    $from = $params->raw('from') ?? [$call->task()];
    if ($from === 'dependencies') {
        $names = array_map('strval', array_keys($deps));
    } elseif (\is_array($from) && array_is_list($from) && array_filter($from, 'is_string') === $from) {
        $names = $from;
    } else {
        throw new BadRequest('parameters.from must be "dependencies" or a list of symbol names');
    }
    $records = [];
    $skipped = [];
    foreach ($names as $order => $name) {
        $output = $deps[$name] ?? null;
        if ($output === null) {
            $skipped[] = ['from' => $name, 'reason' => \array_key_exists($name, $deps)
                ? 'no output (it did not succeed, so it changed nothing)'
                : 'not in this request\'s dependencies'];
            continue;
        }
        $undo = \is_array($output) ? ($output['undo'] ?? null) : null;
        if ($undo === null) {
            $skipped[] = ['from' => $name, 'reason' => 'its output has no undo record (nothing to undo)'];
            continue;
        }
        if (!\is_array($undo) || !\in_array($undo['operation'] ?? null, INVERSE_OPERATIONS, true)) {
            // Another backend's output that happens to have an `undo` key: not ours to run.
            $skipped[] = ['from' => $name, 'reason' => 'its undo record names no inverse operation of this engine ('
                . implode(', ', INVERSE_OPERATIONS) . ')'];
            continue;
        }
        if (!\is_array($undo['parameters'] ?? null)) {
            throw new BadRequest("the undo record of {$name} ({$undo['operation']}) has no parameters object");
        }
        $records[] = ['from' => $name, 'order' => $order, 'at' => (float) ($undo['at'] ?? 0), 'undo' => $undo];
    }
    // Newest change first, so two changes of the same thing unwind to the oldest state. Ties
    // (no timestamps): the reverse of the order given.
    usort($records, static fn (array $a, array $b): int => [$b['at'], $b['order']] <=> [$a['at'], $a['order']]);
    $undone = inTransaction(static function () use ($records, $call): array {
        $undone = [];
        foreach ($records as $record) {
            $operation = $record['undo']['operation'];
            $inverse = operations()[$operation];
            $inner = new Params($record['undo']['parameters']);
            $inner->allowOnly(array_merge(ENGINE_PARAMETERS, $inverse->parameters), $operation);
            $sub = new Call(
                $call->symbol,
                $call->type,
                $call->context,
                $inner,
                $call->request,
                $call->settings,
                $call->settingsFile,
                $operation,
                $inverse,
            );
            $undone[] = ['from' => $record['from'], 'operation' => $operation, 'result' => $sub->run()];
        }
        return $undone;
    });
    return ['undone' => $undone, 'skipped' => $skipped];
}
