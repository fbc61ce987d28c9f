<?php

/**
 * post_type.define and taxonomy.define: store a post type or taxonomy definition as an
 * option, the way the Rust injector does, for wp-praxis-definitions.php to register.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/**
 * Definitions are stored the way the Rust injector (wp_injector) stores them, so either backend
 * can write them and one plugin can register them: option `wp_praxis_cpt_<name>` or
 * `wp_praxis_taxonomy_<name>`, autoloaded, holding a JSON text {name, label, public?,
 * parameters} where `parameters` are the symbol's own (minus the engine's: operation, wp_root,
 * user). WordPress itself registers nothing from them; wp-praxis-definitions.php (a
 * must-use plugin next to symbolic-engine.php) does, on every request.
 */
function defineObject(Call $call, string $kind): array
{
    $isType = $kind === 'post_type';
    $name = $call->params->string($kind);
    // register_post_type() allows 20 characters, register_taxonomy() 32; both want sanitize_key().
    $max = $isType ? 20 : 32;
    if (sanitize_key($name) !== $name || \strlen($name) > $max) {
        throw new BadRequest("parameters.{$kind} must be at most {$max} characters of a-z, 0-9, _ and -");
    }
    $label = $call->params->has('label') ? $call->params->string('label') : $name;
    $call->params->map('args'); // checked: an object of register_* arguments
    if (!$isType && $call->params->has('object_type')) {
        $objectType = $call->params->raw('object_type');
        if (!\is_string($objectType) && !(\is_array($objectType) && array_is_list($objectType))) {
            throw new BadRequest('parameters.object_type must be a post type or a list of them');
        }
    }
    $parameters = array_diff_key($call->params->all(), array_flip(ENGINE_PARAMETERS));
    $definition = ['name' => $name, 'label' => $label];
    if ($isType) {
        $definition['public'] = $call->params->bool('public', true);
    }
    $definition['parameters'] = (object) $parameters;
    $option = ($isType ? 'wp_praxis_cpt_' : 'wp_praxis_taxonomy_') . $name;
    $json = (string) wp_json_encode($definition, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    [$before, $changed] = inTransaction(static function () use ($option, $json): array {
        $before = optionSnapshot($option);
        update_option($option, $json, 'yes');
        failOnDatabaseError("storing {$option}");
        return [$before, optionSnapshot($option) !== $before];
    });
    return [
        $kind => $name,
        'option' => $option,
        'definition' => $definition,
        'changed' => $changed,
        'previous' => snapshotValue($before),
        'undo' => undoRecord('option.restore', ['options' => [$before]]),
    ];
}

function opPostTypeDefine(Call $call): array
{
    return defineObject($call, 'post_type');
}

function opTaxonomyDefine(Call $call): array
{
    return defineObject($call, 'taxonomy');
}
