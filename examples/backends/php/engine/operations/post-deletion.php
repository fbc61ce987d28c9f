<?php

/**
 * Removing posts and bringing them back: post.delete (to the trash, or for good), and its
 * inverses post.untrash and post.restore.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/**
 * Trashes a post (undo: post.untrash), or with `force: true` deletes it for good (undo:
 * post.restore from a snapshot of its row, meta and terms; comments and revisions are not
 * kept). Sites with EMPTY_TRASH_DAYS = 0 have no trash, so there it is always the latter.
 */
function opPostDelete(Call $call): array
{
    $params = $call->params;
    $force = $params->bool('force', false);
    $missingOk = $params->bool('missing_ok', false);
    return inTransaction(static function () use ($params, $force, $missingOk): array {
        $post = targetPost($params, $missingOk);
        if ($post === null) {
            return ['post_id' => $params->raw('post_id'), 'deleted' => false, 'undo' => null];
        }
        if ($post->post_type === 'attachment') {
            throw new BadRequest('post.delete does not delete attachments: their files could not be restored');
        }
        $id = $post->ID;
        $useTrash = !$force && EMPTY_TRASH_DAYS && $post->post_status !== 'trash';
        if ($useTrash) {
            $previousStatus = $post->post_status;
            if (!wp_trash_post($id)) {
                failOnDatabaseError("trashing post {$id}");
                throw new EngineError("WordPress did not trash post {$id} (a plugin may have refused it)");
            }
            return [
                'post_id' => $id,
                'deleted' => 'trash',
                'post' => postSummary(get_post($id)),
                'undo' => undoRecord('post.untrash', ['post_id' => $id, 'status' => $previousStatus]),
            ];
        }
        $snapshot = postSnapshot($post);
        if (!wp_delete_post($id, true)) {
            failOnDatabaseError("deleting post {$id}");
            throw new EngineError("WordPress did not delete post {$id} (a plugin may have refused it)");
        }
        return [
            'post_id' => $id,
            'deleted' => 'permanently',
            'post' => $snapshot['summary'],
            'undo' => undoRecord('post.restore', ['snapshot' => $snapshot['restore']]),
        ];
    });
}

/** @return array{summary: array, restore: array} */
function postSnapshot(\WP_Post $post): array
{
    $terms = [];
    foreach (get_object_taxonomies($post->post_type) as $taxonomy) {
        $ids = wp_get_object_terms($post->ID, $taxonomy, ['fields' => 'ids']);
        if (\is_array($ids) && $ids !== []) {
            $terms[$taxonomy] = array_map('intval', $ids);
        }
    }
    $row = $post->to_array();
    // Derived or request-only keys of WP_Post::to_array(), not columns.
    unset($row['ancestors'], $row['page_template'], $row['post_category'], $row['tags_input'], $row['filter']);
    return [
        'summary' => postSummary($post),
        'restore' => ['post' => $row, 'meta' => (object) postMetaRows($post->ID), 'terms' => (object) $terms],
    ];
}

function opPostUntrash(Call $call): array
{
    $params = $call->params;
    $status = $params->has('status') ? $params->string('status') : null;
    return inTransaction(static function () use ($params, $status): array {
        $post = targetPost($params);
        if ($post->post_status === 'trash' && !wp_untrash_post($post->ID)) {
            failOnDatabaseError("untrashing post {$post->ID}");
            throw new EngineError("WordPress did not take post {$post->ID} out of the trash");
        }
        // Since WordPress 5.6 an untrashed post comes back as a draft; put the old status back.
        $post = get_post($post->ID);
        if ($status !== null && $post->post_status !== $status) {
            postIdOrFail(
                wp_update_post(['ID' => $post->ID, 'post_status' => $status], true),
                "restoring the status of post {$post->ID}",
            );
        }
        return ['post_id' => $post->ID, 'post' => postSummary(get_post($post->ID))];
    });
}

/** Inverse of a permanent post.delete: the row under its old ID (if free), its meta and terms. */
function opPostRestore(Call $call): array
{
    $snapshot = $call->params->map('snapshot');
    $row = $snapshot['post'] ?? null;
    if (!\is_array($row) || !isset($row['ID']) || !\is_int($row['ID'])) {
        throw new BadRequest('parameters.snapshot.post must be a post row with its ID');
    }
    return inTransaction(static function () use ($snapshot, $row): array {
        $oldId = $row['ID'];
        $existing = get_post($oldId);
        if ($existing instanceof \WP_Post) {
            // Already back (a second rollback), or the ID was taken since: leave it alone.
            return ['post_id' => $oldId, 'restored' => false, 'post' => postSummary($existing)];
        }
        $columns = array_merge(POST_FIELDS, [
            'post_modified', 'post_modified_gmt', 'guid', 'to_ping', 'pinged',
            'post_content_filtered', 'post_mime_type',
        ]);
        $fields = array_intersect_key($row, array_flip($columns));
        $fields['import_id'] = $oldId; // wp_insert_post() uses it as the ID when it is free
        $id = postIdOrFail(wp_insert_post(wp_slash($fields), true), "restoring post {$oldId}");
        $meta = \is_array($snapshot['meta'] ?? null) ? $snapshot['meta'] : [];
        restoreMetaRows($id, $meta);
        foreach (\is_array($snapshot['terms'] ?? null) ? $snapshot['terms'] : [] as $taxonomy => $ids) {
            if (taxonomy_exists((string) $taxonomy) && \is_array($ids)) {
                $set = wp_set_object_terms($id, array_map('intval', $ids), (string) $taxonomy);
                if ($set instanceof \WP_Error) {
                    $why = $set->get_error_message();
                    throw new EngineError("restoring the {$taxonomy} terms of post {$id}: {$why}");
                }
            }
        }
        return [
            'post_id' => $id,
            'restored' => true,
            'same_id' => $id === $oldId,
            'post' => postSummary(get_post($id)),
        ];
    });
}
