<?php

/**
 * Plugin Name: WP Praxis definitions
 * Description: Registers the custom post types and taxonomies that WP Praxis stored as options
 *              (wp_praxis_cpt_<name>, wp_praxis_taxonomy_<name>), written by the swarm's PHP
 *              engine (post_type.define, taxonomy.define) or by the Rust injector.
 * Version: 1.0.0
 * Requires PHP: 8.1
 *
 * A must-use plugin: copy it to wp-content/mu-plugins/. Without it, the stored definitions are
 * only data; WordPress registers post types in code, on every request.
 *
 * Each option holds JSON: {"name", "label", "public"?, "parameters": {...}}. `parameters.args`
 * are passed to register_post_type()/register_taxonomy() (label and public fill in when absent);
 * `parameters.object_type` names a taxonomy's post types (default: post).
 */

declare(strict_types=1);

namespace WpPraxis\Definitions;

/** Arguments that name PHP callbacks: stored data must not decide which code runs. */
const CALLBACK_ARGS = [
    'register_meta_box_cb', 'meta_box_cb', 'meta_box_sanitize_cb', 'update_count_callback', 'rest_controller_class',
];

/** @return array<string, array> definitions by name, from the autoloaded options with a prefix */
function storedDefinitions(string $prefix): array
{
    $definitions = [];
    // The injector and the engine both store these options autoloaded, so they are already in
    // memory: no query of its own.
    foreach (wp_load_alloptions() as $option => $value) {
        if (!str_starts_with((string) $option, $prefix)) {
            continue;
        }
        $definition = \is_string($value) ? json_decode($value, true) : (\is_array($value) ? $value : null);
        if (!\is_array($definition) || !\is_string($definition['name'] ?? null)) {
            error_log("WP Praxis definitions: option {$option} holds no definition; ignored");
            continue;
        }
        $definitions[$definition['name']] = $definition;
    }
    return $definitions;
}

/** @return array<string, mixed> the register_* arguments of a definition */
function argumentsOf(array $definition): array
{
    $parameters = \is_array($definition['parameters'] ?? null) ? $definition['parameters'] : [];
    $args = \is_array($parameters['args'] ?? null) ? $parameters['args'] : [];
    $args = array_diff_key($args, array_flip(CALLBACK_ARGS));
    $args['label'] ??= (string) ($definition['label'] ?? $definition['name']);
    if (\array_key_exists('public', $definition)) {
        $args['public'] ??= (bool) $definition['public'];
    }
    return $args;
}

add_action('init', static function (): void {
    foreach (storedDefinitions('wp_praxis_cpt_') as $name => $definition) {
        if (!post_type_exists($name)) {
            $result = register_post_type($name, argumentsOf($definition));
            if (is_wp_error($result)) {
                error_log("WP Praxis definitions: post type {$name}: " . $result->get_error_message());
            }
        }
    }
    foreach (storedDefinitions('wp_praxis_taxonomy_') as $name => $definition) {
        if (taxonomy_exists($name)) {
            continue;
        }
        $objectType = $definition['parameters']['object_type'] ?? 'post';
        $objectTypes = \is_array($objectType) ? $objectType : [(string) $objectType];
        $result = register_taxonomy($name, $objectTypes, argumentsOf($definition));
        if (is_wp_error($result)) {
            error_log("WP Praxis definitions: taxonomy {$name}: " . $result->get_error_message());
        }
    }
}, 5); // before the default priority, so other init code sees them
