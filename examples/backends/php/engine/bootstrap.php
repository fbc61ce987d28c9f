<?php

/**
 * Loading WordPress, and the failures that look like success.
 *
 * Plain wp-load.php exits 0 when the database is down, when tables are missing and when the
 * site is not installed; the swarm would count each as a successful symbol. What is here makes
 * them failures: hooks in place before WordPress loads (wp_die() throws, no debug mode, no
 * fatal-error page on stdout, no WP-Cron), and checks after it has loaded.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

use Throwable;

/**
 * Everything that must be in place before wp-load.php runs; returns its path. The caller
 * requires it at the top level of symbolic-engine.php: WordPress declares its globals ($wpdb,
 * $table_prefix, $wp_version, ...) by assignment at file scope, and inside a function they
 * would be that function's locals.
 */
function prepareWordPress(Call $call): string
{
    [$root, $source] = configuredRoot($call);
    if ($root === null) {
        throw new EngineError(sprintf(
            'no WordPress root: set parameters.wp_root on the symbol, or wp_root in %s (copy %s)',
            ENGINE_DIR . '/' . CONFIG_FILE,
            ENGINE_DIR . '/symbolic-engine.config.example.php',
        ));
    }
    $call->wpRoot = checkedRoot($root, $source);
    if (!\extension_loaded('mysqli')) {
        throw new EngineError('the PHP mysqli extension is missing (Debian: apt-get install php-mysql)');
    }
    setServerVariables($call->settings['url']);
    preinitialiseHooks();
    Process::captureBootstrapOutput();
    return $call->wpRoot . '/wp-load.php';
}

/**
 * The CLI has no request; WordPress and plugins read $_SERVER as if there were one. The site URL
 * (config `url`) sets the host, which multisite and Debian's wp-config.php (it picks
 * /etc/wordpress/config-HOST.php) need.
 */
function setServerVariables(?string $url): void
{
    $_SERVER['REQUEST_URI'] ??= '/';
    $_SERVER['SERVER_PROTOCOL'] ??= 'HTTP/1.1';
    $_SERVER['REMOTE_ADDR'] ??= '127.0.0.1';
    if ($url === null) {
        return;
    }
    $parts = parse_url($url);
    if ($parts === false || !isset($parts['host'])) {
        throw new EngineError("url \"{$url}\" in the config file is not a URL with a host");
    }
    $https = ($parts['scheme'] ?? 'http') === 'https';
    $_SERVER['HTTP_HOST'] = $parts['host'] . (isset($parts['port']) ? ':' . $parts['port'] : '');
    $_SERVER['SERVER_NAME'] = $parts['host'];
    $_SERVER['SERVER_PORT'] = (string) ($parts['port'] ?? ($https ? 443 : 80));
    $_SERVER['REQUEST_URI'] = $parts['path'] ?? '/';
    if ($https) {
        $_SERVER['HTTPS'] = 'on';
    }
}

/**
 * Hooks WordPress needs before any plugin can add one: a $wp_filter array that exists before
 * wp-settings.php loads plugin.php becomes real hooks (WP_Hook::build_preinitialized_hooks).
 */
function preinitialiseHooks(): void
{
    $hooks = [
        // wp_die() prints an HTML page and exits 0: the swarm would count that as success.
        // All variants (plain, ajax, json, ...) get the handler that throws instead.
        'wp_die_handler' => static fn (): callable => [WordPressDie::class, 'handle'],
        'wp_die_ajax_handler' => static fn (): callable => [WordPressDie::class, 'handle'],
        'wp_die_json_handler' => static fn (): callable => [WordPressDie::class, 'handle'],
        'wp_die_jsonp_handler' => static fn (): callable => [WordPressDie::class, 'handle'],
        'wp_die_xml_handler' => static fn (): callable => [WordPressDie::class, 'handle'],
        'wp_die_xmlrpc_handler' => static fn (): callable => [WordPressDie::class, 'handle'],
        // wp_debug_mode() would reset error_reporting and display_errors (to stdout, with
        // WP_DEBUG). This filter exists for non-web runtimes like this one.
        'enable_wp_debug_mode_checks' => static fn (): bool => false,
        // Its fatal-error handler prints "There has been a critical error" as HTML on stdout.
        'wp_fatal_error_handler_enabled' => static fn (): bool => false,
        // Every process would otherwise spawn WP-Cron with an HTTP request to the site: running
        // the site's scheduled jobs is not what a symbol asked for.
        'pre_http_request' => static function (mixed $preempt, mixed $args = null, mixed $url = null): mixed {
            if (\is_string($url) && str_contains($url, 'wp-cron.php')) {
                return new \WP_Error('symbolic_engine_no_cron', 'the PHP engine does not spawn WP-Cron');
            }
            return $preempt;
        },
    ];
    $accepted = ['pre_http_request' => 3];
    foreach ($hooks as $name => $callback) {
        $GLOBALS['wp_filter'][$name][10]['wp_praxis_symbolic_engine'] = [
            'function' => $callback,
            'accepted_args' => $accepted[$name] ?? 1,
        ];
    }
}

/** After wp-load.php: did WordPress really load, against an installed site? Then act as `user`. */
function finishBootstrap(Call $call): void
{
    global $wpdb;
    $stray = Process::endCapture();
    if ($stray !== '') {
        fwrite(STDERR, "output while loading WordPress (not part of the result): {$stray}\n");
    }
    // Still inside the bootstrapping phase: a failure here is reported as "did not load".
    if (!\function_exists('did_action') || did_action('wp_loaded') === 0) {
        throw new EngineError('wp-load.php returned, but WordPress never fired wp_loaded');
    }
    if (!\is_object($wpdb) || !$wpdb->check_connection(false)) {
        throw new EngineError('WordPress loaded, but its database connection is gone');
    }
    if (!is_blog_installed()) {
        throw new EngineError('the site is not installed (install it first: wp-admin/install.php, or wp core install)');
    }
    Process::$phase = 'running';
    if ($call->settings['debug'] === true) {
        // wp-load.php sets WordPress's own error level (no notices) before it loads anything.
        error_reporting(E_ALL);
    }
    actAsUser($call);
}

/** Acts as the symbol's `user`, else the config's (none: no user). */
function actAsUser(Call $call): void
{
    $user = $call->params->has('user') ? $call->params->raw('user') : $call->settings['user'];
    if ($user !== null) {
        if (!\is_int($user) && !\is_string($user)) {
            throw new BadRequest('parameters.user must be a user ID or a login');
        }
        $found = \is_int($user) || ctype_digit($user) ? get_user_by('id', (int) $user) : get_user_by('login', $user);
        if ($found === false) {
            throw new EngineError("no WordPress user \"{$user}\" to act as");
        }
        wp_set_current_user($found->ID);
    }
}

/** During a failed bootstrap: does the database answer but hold no installed site? */
function siteLooksNotInstalled(): bool
{
    global $wpdb;
    if (!\function_exists('is_blog_installed') || !\is_object($wpdb) || empty($wpdb->dbh)) {
        return false;
    }
    try {
        return !is_blog_installed();
    } catch (Throwable) {
        return false;
    }
}
