<?php

/**
 * Text for messages: WordPress's error pages are HTML, and a failure is reported as one line on
 * stderr, so what WordPress printed or passed to wp_die() is turned into short plain text here.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/** At most $max characters of $text, with … when cut. */
function truncateText(string $text, int $max): string
{
    if (preg_match('/^.{0,' . $max . '}/su', $text, $match) !== 1) {
        $match = [substr($text, 0, $max)]; // not UTF-8: bytes will do
    }
    return $match[0] === $text ? $text : $match[0] . '…';
}

/** HTML (an error page) as one line of text; style and script blocks are dropped. */
function plainText(string $html): string
{
    $html = (string) preg_replace('#<(style|script)\b[^>]*>.*?</\1>#si', ' ', $html);
    $text = html_entity_decode(strip_tags($html), ENT_QUOTES | ENT_HTML5, 'UTF-8');
    return trim((string) preg_replace('/\s+/u', ' ', $text));
}
