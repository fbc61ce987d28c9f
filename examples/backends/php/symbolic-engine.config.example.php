<?php

/**
 * Settings of symbolic-engine.php. Copy this file to symbolic-engine.config.php in the same
 * directory as symbolic-engine.php and edit it; the engine reads it on every run.
 *
 * The swarm starts the engine with an allowlisted environment (PATH, HOME, LANG, LC_*, TZ,
 * TMPDIR and SWARM_*), so environment variables cannot carry these settings; this file, or a
 * symbol's own parameters (`wp_root`, `user`), can. Unknown keys are an error, so a misspelt key
 * does not go unnoticed.
 */

return [
    // The WordPress root: the directory that holds wp-load.php. An absolute path, or a path
    // relative to this file. null: every symbol must say `wp_root` in its parameters.
    'wp_root' => '/var/www/html',

    // The site's URL, e.g. 'https://example.org'. Sets $_SERVER['HTTP_HOST'] and friends, which
    // the CLI lacks: needed for multisite and for Debian's /usr/share/wordpress, whose
    // wp-config.php picks /etc/wordpress/config-HOST.php by host name. null: not set.
    'url' => null,

    // The WordPress user (ID or login) to act as. null: no user, like WP-CLI without --user;
    // then WordPress filters post content through kses as for a user without unfiltered_html.
    'user' => null,

    // Whether a symbol's `parameters.wp_root` may choose another site than `wp_root` above
    // (relative to the manifest's directory). false pins every symbol to this file's wp_root.
    'allow_wp_root_parameter' => true,

    // true: report every PHP notice and deprecation on stderr (stdout stays the result). false:
    // WordPress's own error level, without deprecations (WordPress 6.1 on PHP 8.2 has many).
    'debug' => false,
];
