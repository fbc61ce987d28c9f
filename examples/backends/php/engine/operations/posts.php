<?php

/**
 * Writing posts: post.create, post.update, and post.revert (the inverse of post.update).
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

function opPostCreate(Call $call): array
{
    $params = $call->params;
    $fields = postFields($params, true);
    $meta = $params->map('meta');
    $ifExists = $params->string('if_exists', 'create');
    if (!\in_array($ifExists, ['create', 'skip', 'error'], true)) {
        throw new BadRequest('parameters.if_exists must be create, skip or error');
    }
    if ($ifExists !== 'create' && !isset($fields['post_name'])) {
        throw new BadRequest("if_exists: {$ifExists} needs fields.post_name (the slug to look for)");
    }
    return inTransaction(static function () use ($fields, $meta, $ifExists): array {
        if ($ifExists !== 'create') {
            $type = (string) ($fields['post_type'] ?? 'post');
            $existing = findPostId($type, (string) $fields['post_name']);
            if ($existing !== null && $ifExists === 'error') {
                $slug = $fields['post_name'];
                throw new EngineError("a {$type} with post_name \"{$slug}\" already exists (ID {$existing})");
            }
            if ($existing !== null) {
                // Nothing was created, so there is nothing to undo.
                return [
                    'post_id' => $existing,
                    'created' => false,
                    'post' => postSummary(get_post($existing)),
                    'undo' => null,
                ];
            }
        }
        // wp_insert_post() unslashes its input (it expects request data): slash it first, or
        // every backslash in a title or content is lost.
        $id = postIdOrFail(wp_insert_post(wp_slash($fields), true), 'creating the post');
        setMeta($id, $meta);
        return [
            'post_id' => $id,
            'created' => true,
            'post' => postSummary(get_post($id)),
            'undo' => undoRecord('post.delete', ['post_id' => $id, 'force' => true, 'missing_ok' => true]),
        ];
    });
}

function opPostUpdate(Call $call): array
{
    $params = $call->params;
    $fields = postFields($params, false);
    $meta = $params->map('meta');
    if ($fields === [] && $meta === []) {
        throw new BadRequest('nothing to update: give parameters.fields and/or parameters.meta');
    }
    return inTransaction(static function () use ($params, $fields, $meta): array {
        $post = targetPost($params);
        $id = $post->ID;
        $previousFields = [];
        foreach (array_keys($fields) as $key) {
            $previousFields[$key] = $post->{$key};
        }
        $previousMeta = postMetaRows($id, array_map('strval', array_keys($meta)));
        if ($fields !== []) {
            postIdOrFail(wp_update_post(wp_slash(['ID' => $id] + $fields), true), "updating post {$id}");
        }
        setMeta($id, $meta);
        $shownMeta = [];
        foreach ($previousMeta as $key => $rows) {
            $shownMeta[$key] = array_map(
                static fn (array $r): mixed => forOutput(valueOfRaw((string) decodeRaw($r, 'meta'))),
                $rows,
            );
        }
        return [
            'post_id' => $id,
            'post' => postSummary(get_post($id)),
            'previous' => ['fields' => (object) $previousFields, 'meta' => (object) $shownMeta],
            'undo' => undoRecord('post.revert', [
                'post_id' => $id,
                'fields' => (object) $previousFields,
                'meta' => (object) $previousMeta,
            ]),
        ];
    });
}

/** Inverse of post.update: the previous field values and meta rows. */
function opPostRevert(Call $call): array
{
    $params = $call->params;
    $fields = postFields($params, false);
    $meta = $params->map('meta');
    return inTransaction(static function () use ($params, $fields, $meta): array {
        $post = targetPost($params);
        if ($fields !== []) {
            postIdOrFail(wp_update_post(wp_slash(['ID' => $post->ID] + $fields), true), "reverting post {$post->ID}");
        }
        restoreMetaRows($post->ID, $meta);
        return ['post_id' => $post->ID, 'post' => postSummary(get_post($post->ID))];
    });
}
