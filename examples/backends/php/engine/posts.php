<?php

/**
 * Posts as the post operations need them: the fields a manifest may set, finding the post a
 * symbol means, and its meta rows as stored (what an undo record must hold to put them back).
 * Shared by operations/posts.php and operations/post-deletion.php.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/** Columns of wp_posts that post.create and post.update accept in `fields`. */
const POST_FIELDS = [
    'post_title', 'post_content', 'post_excerpt', 'post_status', 'post_type', 'post_name',
    'post_parent', 'menu_order', 'post_author', 'post_date', 'post_date_gmt', 'comment_status',
    'ping_status', 'post_password',
];

/** `fields`, checked against the wp_posts columns this engine lets a manifest set. */
function postFields(Params $params, bool $required): array
{
    $fields = $params->map('fields');
    $unknown = array_diff(array_keys($fields), POST_FIELDS);
    if ($unknown !== []) {
        throw new BadRequest(sprintf(
            'unknown post field(s) %s; fields may be: %s',
            implode(', ', $unknown),
            implode(', ', POST_FIELDS),
        ));
    }
    if ($required && $fields === []) {
        throw new BadRequest('parameters.fields is required (post_title, post_type, post_status, ...)');
    }
    foreach ($fields as $key => $value) {
        if (!\is_scalar($value)) {
            throw new BadRequest("fields.{$key} must be a string or a number");
        }
    }
    return $fields;
}

/** The post a symbol means: `post_id`, or `post_name` (slug) with `post_type` (default post). */
function targetPost(Params $params, bool $missingOk = false): ?\WP_Post
{
    if ($params->has('post_id')) {
        $id = $params->int('post_id', null, 1);
        $post = get_post($id);
        if (!$post instanceof \WP_Post) {
            if ($missingOk) {
                return null;
            }
            throw new EngineError("there is no post with ID {$id}");
        }
        return $post;
    }
    if (!$params->has('post_name')) {
        throw new BadRequest('name the post with parameters.post_id, '
            . 'or parameters.post_name (its slug) and parameters.post_type');
    }
    $slug = $params->string('post_name');
    $type = $params->string('post_type', 'post');
    $id = findPostId($type, $slug);
    failOnDatabaseError('looking up the post');
    if ($id === null) {
        if ($missingOk) {
            return null;
        }
        throw new EngineError("there is no {$type} with post_name \"{$slug}\"");
    }
    return get_post($id);
}

/** The oldest live post of a type with a slug (trash, auto-drafts and revisions do not count). */
function findPostId(string $type, string $slug): ?int
{
    global $wpdb;
    $id = $wpdb->get_var($wpdb->prepare(
        "SELECT ID FROM {$wpdb->posts} WHERE post_type = %s AND post_name = %s
         AND post_status NOT IN ('trash', 'auto-draft', 'inherit') ORDER BY ID LIMIT 1",
        $type,
        $slug,
    ));
    return $id === null ? null : (int) $id;
}

function postSummary(\WP_Post $post): array
{
    return [
        'ID' => $post->ID,
        'post_type' => $post->post_type,
        'post_name' => $post->post_name,
        'post_status' => $post->post_status,
        'post_title' => $post->post_title,
        'post_parent' => $post->post_parent,
        'link' => get_permalink($post),
    ];
}

/** All meta rows of a post as stored: [key => [raw, ...]] in row order. */
function postMetaRows(int $postId, ?array $keys = null): array
{
    global $wpdb;
    $rows = $wpdb->get_results($wpdb->prepare(
        "SELECT meta_key, meta_value FROM {$wpdb->postmeta} WHERE post_id = %d ORDER BY meta_id",
        $postId,
    ), ARRAY_A);
    failOnDatabaseError("reading the meta of post {$postId}");
    $meta = [];
    foreach ($keys ?? [] as $key) {
        $meta[$key] = [];
    }
    foreach ($rows as $row) {
        if ($keys === null || \in_array($row['meta_key'], $keys, true)) {
            $meta[$row['meta_key']][] = encodeRaw((string) $row['meta_value']);
        }
    }
    return $meta;
}

/** Replaces every value of each key with the given raw values ([] deletes the key). */
function restoreMetaRows(int $postId, array $meta): void
{
    foreach ($meta as $key => $values) {
        if (!\is_array($values)) {
            throw new BadRequest("meta.{$key} must be a list of stored values");
        }
        delete_post_meta($postId, (string) $key);
        foreach ($values as $value) {
            $raw = \is_array($value) ? decodeRaw($value, "meta.{$key}") : null;
            // The meta API unslashes what it is given (it expects request data): slash first.
            add_post_meta($postId, (string) $key, wp_slash($raw !== null ? valueOfRaw($raw) : $value));
        }
        failOnDatabaseError("restoring meta {$key} of post {$postId}");
    }
}

/** Sets meta values (one value per key, replacing all earlier ones). */
function setMeta(int $postId, array $meta): void
{
    foreach ($meta as $key => $value) {
        if ($key === '' || \strlen((string) $key) > 255) {
            throw new BadRequest('meta keys must be strings of 1 to 255 bytes');
        }
        update_post_meta($postId, (string) $key, wp_slash($value));
        failOnDatabaseError("setting meta {$key}");
    }
}

/** wp_insert_post()/wp_update_post() result, or a failure with WordPress's reason. */
function postIdOrFail(mixed $result, string $doing): int
{
    if ($result instanceof \WP_Error) {
        throw new EngineError("{$doing}: " . implode('; ', $result->get_error_messages()));
    }
    if (!\is_int($result) || $result <= 0) {
        throw new EngineError("{$doing}: WordPress returned no post ID");
    }
    failOnDatabaseError($doing);
    return $result;
}
