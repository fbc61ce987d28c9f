<?php

/**
 * The probe (`swarm.probe`, what `swarm backend check` sends): answers without loading
 * WordPress, so a broken or missing site does not hide whether PHP and the engine work.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

/**
 * What `swarm backend check` runs. Answers without loading WordPress (so it works before a site
 * exists): the PHP version, and the WordPress version read from wp-includes/version.php of the
 * configured root (null with none configured). A configured root that holds no WordPress is a
 * failure: that is a broken setup worth reporting. With `bootstrap: true` it also loads
 * WordPress and reports the site, which checks the database as well.
 */
function opProbe(Call $call): array
{
    [$root, $source] = configuredRoot($call);
    // The short facts first: `swarm backend check` shows the first 80 characters of the answer.
    $answer = [
        'probe' => 'ok',
        'php' => PHP_VERSION,
        'wordpress' => null,
        'engine' => ENGINE_VERSION,
        'mysqli' => \extension_loaded('mysqli'),
        'wp_root' => null,
        'config' => $call->settingsFile,
    ];
    if ($root !== null) {
        $real = checkedRoot($root, $source);
        $versionFile = $real . '/wp-includes/version.php';
        // version.php only assigns variables; included in a closure they stay local to it.
        $version = is_file($versionFile) ? (static function (string $file): ?string {
            include $file;
            return isset($wp_version) && \is_string($wp_version) ? $wp_version : null;
        })($versionFile) : null;
        if ($version === null) {
            throw new EngineError("{$versionFile} does not say which WordPress this is");
        }
        $answer['wp_root'] = $real;
        $answer['wordpress'] = $version;
    }
    if ($call->params->bool('bootstrap', false)) {
        $answer['site'] = ['url' => home_url('/'), 'name' => get_option('blogname'), 'installed' => true];
    }
    return $answer;
}
