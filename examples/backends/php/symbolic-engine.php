<?php

/**
 * symbolic-engine.php: the reference PHP engine of WP Praxis Swarm.
 *
 * The swarm starts it once per attempt of a symbol with `dispatch: php_engine`:
 *
 *     php symbolic-engine.php --symbol NAME --type TYPE --context CTX --params JSON
 *
 * with the whole execution request (runId, task, attempt, kind, symbol, dependencies, baseDir)
 * as JSON on stdin. Exit 0 means success, and stdout, which holds exactly one JSON document, is
 * the symbol's output. Any other exit is a failure whose reason is the last line on stderr
 * (exit 2: the request itself is wrong, e.g. a misspelt parameter; exit 1: everything else).
 *
 * The operation is `parameters.operation`, else the symbol's name. `swarm.probe` (what
 * `swarm backend check` sends) answers without loading WordPress; every other operation loads
 * the WordPress found at `parameters.wp_root` or at the `wp_root` of
 * symbolic-engine.config.php next to this file. Operations that change the site report what
 * they changed in an `undo` record that the `undo` operation (a rollback) applies.
 *
 * docs/php-engine.md describes every operation, its parameters, output and rollback.
 *
 * Requires PHP 8.1 or later and the mysqli extension; tested with WordPress 6.1.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

use Throwable;

const ENGINE_VERSION = '1.0.0';
const CONFIG_FILE = 'symbolic-engine.config.php';
const EXIT_FAILURE = 1;
const EXIT_BAD_REQUEST = 2;

/** Parameters every operation accepts: they choose the operation and the site, not what it does. */
const ENGINE_PARAMETERS = ['operation', 'wp_root', 'user'];

/** The operations an `undo` record may name. Nothing else is ever run from a dependency's output. */
const INVERSE_OPERATIONS = ['option.restore', 'post.delete', 'post.revert', 'post.untrash', 'post.restore'];

/** Columns of wp_posts that post.create and post.update accept in `fields`. */
const POST_FIELDS = [
    'post_title', 'post_content', 'post_excerpt', 'post_status', 'post_type', 'post_name',
    'post_parent', 'menu_order', 'post_author', 'post_date', 'post_date_gmt', 'comment_status',
    'ping_status', 'post_password',
];

/** Keys of the config file and their defaults. */
const SETTINGS_DEFAULTS = [
    'wp_root' => null,
    'url' => null,
    'user' => null,
    'allow_wp_root_parameter' => true,
    'debug' => false,
];

// ---- errors ------------------------------------------------------------------------------------

/** A failure with a message for stderr and the exit code that goes with it. */
class EngineError extends \RuntimeException
{
    public function __construct(string $message, public readonly int $exitCode = EXIT_FAILURE)
    {
        parent::__construct($message);
    }
}

/** The request is wrong (arguments, parameters): trying again cannot help. */
final class BadRequest extends EngineError
{
    public function __construct(string $message)
    {
        parent::__construct($message, EXIT_BAD_REQUEST);
    }
}

/** WordPress called wp_die(). Thrown, not exited, so an open transaction is rolled back. */
final class WordPressDied extends EngineError
{
}

// ---- process: stdout discipline, the exit code, and what happens at shutdown --------------------

/**
 * The process-wide state. Stdout is the symbol's output, so nothing but the final JSON may reach
 * it: everything PHP, WordPress or a plugin prints goes through an output buffer whose callback
 * writes it to stderr, and the result is written to the STDOUT stream directly (which output
 * buffers do not capture).
 */
final class Process
{
    /** starting → bootstrapping → running → done. Anything but `done` at shutdown is a failure. */
    public static string $phase = 'starting';
    public static ?Call $call = null;
    /** The output buffer level that captures what wp-load.php prints. */
    private static int $captureLevel = 0;

    public static function start(): void
    {
        error_reporting(E_ALL & ~E_DEPRECATED & ~E_USER_DEPRECATED);
        ini_set('display_errors', 'stderr');
        ini_set('html_errors', '0');
        ini_set('log_errors', '0');
        // Chunk size 1: forwarded as soon as it is printed, so stderr keeps the order of events.
        ob_start(static function (string $buffer): string {
            if ($buffer !== '') {
                fwrite(STDERR, $buffer);
            }
            return '';
        }, 1);
        register_shutdown_function([self::class, 'atShutdown']);
    }

    /** Starts capturing what loading WordPress prints (an error page, a redirect notice). */
    public static function captureBootstrapOutput(): void
    {
        self::$phase = 'bootstrapping';
        ob_start();
        self::$captureLevel = ob_get_level();
    }

    /** What loading WordPress printed, as plain text; the capture ends. */
    public static function endCapture(): string
    {
        $text = '';
        while (self::$captureLevel > 0 && ob_get_level() >= self::$captureLevel) {
            $text = (string) ob_get_clean() . $text;
        }
        self::$captureLevel = 0;
        return plainText($text);
    }

    /** Writes the output as the one JSON document on stdout and exits 0. */
    public static function succeed(mixed $output): never
    {
        $json = json_encode(
            $output,
            JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION
                | JSON_INVALID_UTF8_SUBSTITUTE | JSON_THROW_ON_ERROR,
        );
        fwrite(STDOUT, $json . "\n");
        fflush(STDOUT);
        self::$phase = 'done';
        exit(0);
    }

    /** Reports a failure as the last line on stderr and exits non-zero. */
    public static function fail(Throwable $error): never
    {
        $stray = self::endCapture();
        $code = $error instanceof EngineError ? $error->exitCode : EXIT_FAILURE;
        $message = $error instanceof EngineError
            ? $error->getMessage()
            : sprintf('%s: %s (%s:%d)', $error::class, $error->getMessage(), $error->getFile(), $error->getLine());
        if (self::$phase === 'bootstrapping') {
            $root = self::$call?->wpRoot ?? '?';
            $message = "WordPress at {$root} did not load: {$message}";
        }
        if ($stray !== '') {
            fwrite(STDERR, "output while loading WordPress: {$stray}\n");
        }
        self::$phase = 'done';
        fwrite(STDERR, self::prefix() . $message . "\n");
        exit($code);
    }

    public static function prefix(): string
    {
        $call = self::$call;
        return $call === null ? 'symbolic-engine: ' : "symbolic-engine: {$call->symbol} ({$call->operation}): ";
    }

    /**
     * Runs first among the shutdown functions (it is registered before WordPress registers its
     * own). A process that gets here without having written its result was stopped by someone
     * calling exit or die: wp-load.php does that on a site that is not installed (after a
     * redirect that the CLI never sees, with exit code 0), a db-error.php drop-in does it when
     * the database is down. Exiting here replaces that 0 with a failure.
     */
    public static function atShutdown(): void
    {
        // WordPress flushes every output buffer at its own shutdown, which would send anything
        // printed later to stdout; without that, our stderr buffer stays to the end.
        if (\function_exists('remove_action')) {
            remove_action('shutdown', 'wp_ob_end_flush_all', 1);
        }
        if (self::$phase === 'done') {
            return;
        }
        $phase = self::$phase;
        $stray = self::endCapture();
        if ($stray !== '') {
            fwrite(STDERR, "output before the stop: {$stray}\n");
        }
        $fatal = error_get_last();
        $isFatal = $fatal !== null && ($fatal['type'] & (E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR)) !== 0;
        $root = self::$call?->wpRoot ?? '?';
        if ($isFatal) {
            $why = "PHP fatal error: {$fatal['message']} in {$fatal['file']}:{$fatal['line']}";
        } elseif ($phase === 'bootstrapping' && siteLooksNotInstalled()) {
            $why = "WordPress at {$root} is not installed (wp-load.php exited during bootstrap); "
                . 'install it first (wp-admin/install.php, or wp core install)';
        } elseif ($phase === 'bootstrapping') {
            $why = "wp-load.php of {$root} ended the process before WordPress had loaded "
                . '(exit or die without an error)';
        } else {
            $why = 'the process ended (exit or die) before the operation had finished';
        }
        self::$phase = 'done';
        fwrite(STDERR, self::prefix() . $why . "\n");
        exit(EXIT_FAILURE);
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

// ---- the request -------------------------------------------------------------------------------

/** One invocation: arguments, the request on stdin, the settings, the chosen operation. */
final class Call
{
    /** The WordPress root this call loads (realpath), once known. */
    public ?string $wpRoot = null;

    /**
     * @param array<string, mixed> $request  the ExecutionRequest from stdin ([] when run by hand)
     * @param array<string, mixed> $settings the config file merged over SETTINGS_DEFAULTS
     */
    public function __construct(
        public readonly string $symbol,
        public readonly string $type,
        public readonly string $context,
        public readonly Params $params,
        public readonly array $request,
        public readonly array $settings,
        public readonly ?string $settingsFile,
        public readonly string $operation,
        public readonly Operation $handler,
    ) {
    }

    /** @param list<string> $argv */
    public static function fromProcess(array $argv): self
    {
        $args = parseArguments($argv);
        $request = readRequest();
        [$settings, $settingsFile] = loadSettings();
        if ($settings['debug'] === true) {
            error_reporting(E_ALL);
        }
        $params = isset($args['params'])
            ? decodeObject($args['params'], '--params')
            : (\is_array($request['symbol']['parameters'] ?? null) ? $request['symbol']['parameters'] : []);
        $params = new Params($params);
        $operation = $params->has('operation') ? $params->string('operation') : $args['symbol'];
        $handler = operations()[$operation] ?? null;
        if ($handler === null) {
            throw new BadRequest(sprintf(
                'unknown operation "%s" (from %s); known operations: %s',
                $operation,
                $params->has('operation') ? 'parameters.operation' : 'the symbol name',
                implode(', ', array_keys(operations())),
            ));
        }
        $params->allowOnly(array_merge(ENGINE_PARAMETERS, $handler->parameters), $operation);
        return new self(
            $args['symbol'],
            $args['type'] ?? (string) ($request['symbol']['type'] ?? 'action'),
            $args['context'] ?? (string) ($request['symbol']['context'] ?? 'generic'),
            $params,
            $request,
            $settings,
            $settingsFile,
            $operation,
            $handler,
        );
    }

    public function needsWordPress(): bool
    {
        return ($this->handler->needsWordPress)($this->params);
    }

    /** `kind` of the request: `run`, or `rollback` when this symbol compensates a failed one. */
    public function kind(): string
    {
        return (string) ($this->request['kind'] ?? 'run');
    }

    /** The task this request belongs to: for a rollback, the symbol it compensates. */
    public function task(): string
    {
        return (string) ($this->request['task'] ?? $this->symbol);
    }

    /** @return array<string, mixed> outputs of the task's dependencies (and, for a rollback, its own) */
    public function dependencies(): array
    {
        $deps = $this->request['dependencies'] ?? [];
        return \is_array($deps) ? $deps : [];
    }

    public function run(): mixed
    {
        return ($this->handler->run)($this);
    }
}

/** An operation: what it does, which parameters it takes, whether it needs WordPress. */
final class Operation
{
    public readonly \Closure $needsWordPress;

    /** @param list<string> $parameters */
    public function __construct(
        public readonly \Closure $run,
        public readonly array $parameters,
        ?\Closure $needsWordPress = null,
    ) {
        $this->needsWordPress = $needsWordPress ?? static fn (): bool => true;
    }
}

/** @return array<string, string> symbol, type, context, params (as given) */
function parseArguments(array $argv): array
{
    $flags = ['--symbol' => 'symbol', '--type' => 'type', '--context' => 'context', '--params' => 'params'];
    $usage = 'usage: php symbolic-engine.php --symbol NAME [--type TYPE] [--context CTX] [--params JSON] '
        . '(the execution request as JSON on stdin)';
    $out = [];
    $count = \count($argv);
    for ($i = 1; $i < $count; $i++) {
        $arg = (string) $argv[$i];
        if ($arg === '--help' || $arg === '-h') {
            throw new BadRequest($usage);
        }
        $value = null;
        if (str_starts_with($arg, '--') && str_contains($arg, '=')) {
            [$arg, $value] = explode('=', $arg, 2);
        }
        if (!isset($flags[$arg])) {
            throw new BadRequest("unknown argument \"{$arg}\"; {$usage}");
        }
        if ($value === null) {
            if ($i + 1 >= $count) {
                throw new BadRequest("{$arg} needs a value; {$usage}");
            }
            $value = (string) $argv[++$i];
        }
        $out[$flags[$arg]] = $value;
    }
    if (($out['symbol'] ?? '') === '') {
        throw new BadRequest("--symbol is required; {$usage}");
    }
    return $out;
}

/**
 * The ExecutionRequest the swarm writes on stdin. Run by hand from a terminal there is none
 * (stdin is a TTY and is not read); from a script, give it `</dev/null` or a request.
 *
 * @return array<string, mixed>
 */
function readRequest(): array
{
    if (!\defined('STDIN') || stream_isatty(STDIN)) {
        return [];
    }
    $text = stream_get_contents(STDIN);
    if ($text === false || trim($text) === '') {
        return [];
    }
    return decodeObject($text, 'the request on stdin');
}

/** @return array<string, mixed> a JSON object (not a list, not a scalar) */
function decodeObject(string $json, string $what): array
{
    $trimmed = ltrim($json);
    try {
        $value = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    } catch (\JsonException $e) {
        throw new BadRequest("{$what} is not valid JSON: {$e->getMessage()}");
    }
    if (!\is_array($value) || !str_starts_with($trimmed, '{')) {
        throw new BadRequest("{$what} must be a JSON object");
    }
    return $value;
}

/**
 * symbolic-engine.config.php next to this script: PHP that returns an array (see
 * symbolic-engine.config.example.php). A PHP file rather than JSON or INI because it can hold
 * comments, and a web server that happens to serve this directory runs it instead of showing
 * its contents.
 *
 * @return array{0: array<string, mixed>, 1: ?string}
 */
function loadSettings(): array
{
    $file = __DIR__ . '/' . CONFIG_FILE;
    if (!is_file($file)) {
        return [SETTINGS_DEFAULTS, null];
    }
    $loaded = (static fn (string $path): mixed => require $path)($file);
    if (!\is_array($loaded)) {
        throw new EngineError("{$file} must return an array, like symbolic-engine.config.example.php");
    }
    $unknown = array_diff(array_keys($loaded), array_keys(SETTINGS_DEFAULTS));
    if ($unknown !== []) {
        throw new EngineError(sprintf(
            '%s: unknown key(s) %s; known keys: %s',
            $file,
            implode(', ', $unknown),
            implode(', ', array_keys(SETTINGS_DEFAULTS)),
        ));
    }
    $settings = array_merge(SETTINGS_DEFAULTS, $loaded);
    foreach (['wp_root', 'url'] as $key) {
        if ($settings[$key] !== null && (!\is_string($settings[$key]) || $settings[$key] === '')) {
            throw new EngineError("{$file}: {$key} must be a non-empty string or null");
        }
    }
    foreach (['allow_wp_root_parameter', 'debug'] as $key) {
        if (!\is_bool($settings[$key])) {
            throw new EngineError("{$file}: {$key} must be true or false");
        }
    }
    if ($settings['user'] !== null && !\is_string($settings['user']) && !\is_int($settings['user'])) {
        throw new EngineError("{$file}: user must be a user ID, a login or null");
    }
    return [$settings, $file];
}

/** The symbol's parameters, read with checks whose messages name the parameter. */
final class Params
{
    /** @param array<string, mixed> $values */
    public function __construct(private readonly array $values)
    {
    }

    public function has(string $name): bool
    {
        return \array_key_exists($name, $this->values) && $this->values[$name] !== null;
    }

    public function raw(string $name): mixed
    {
        return $this->values[$name] ?? null;
    }

    /** @return array<string, mixed> */
    public function all(): array
    {
        return $this->values;
    }

    /** @param list<string> $allowed */
    public function allowOnly(array $allowed, string $operation): void
    {
        $unknown = array_values(array_diff(array_keys($this->values), $allowed));
        if ($unknown !== []) {
            throw new BadRequest(sprintf(
                'unknown parameter(s) %s for %s; it takes: %s',
                implode(', ', $unknown),
                $operation,
                implode(', ', $allowed),
            ));
        }
    }

    public function string(string $name, ?string $default = null): string
    {
        $value = $this->values[$name] ?? $default;
        if (!\is_string($value) || $value === '') {
            throw new BadRequest($value === null
                ? "parameters.{$name} is required"
                : "parameters.{$name} must be a non-empty string");
        }
        return $value;
    }

    public function bool(string $name, bool $default): bool
    {
        $value = $this->values[$name] ?? $default;
        if (!\is_bool($value)) {
            throw new BadRequest("parameters.{$name} must be true or false");
        }
        return $value;
    }

    public function int(string $name, ?int $default = null, int $min = PHP_INT_MIN, int $max = PHP_INT_MAX): int
    {
        $value = $this->values[$name] ?? $default;
        if (!\is_int($value)) {
            throw new BadRequest($value === null
                ? "parameters.{$name} is required"
                : "parameters.{$name} must be an integer");
        }
        if ($value < $min || $value > $max) {
            throw new BadRequest("parameters.{$name} must be between {$min} and {$max}");
        }
        return $value;
    }

    /** @return array<string, mixed> a JSON object ({} or absent gives []) */
    public function map(string $name): array
    {
        $value = $this->values[$name] ?? [];
        if (!\is_array($value) || ($value !== [] && array_is_list($value))) {
            throw new BadRequest("parameters.{$name} must be an object");
        }
        return $value;
    }

    /** @return list<mixed> */
    public function list(string $name): array
    {
        $value = $this->values[$name] ?? [];
        if (!\is_array($value) || !array_is_list($value)) {
            throw new BadRequest("parameters.{$name} must be a list");
        }
        return $value;
    }
}

// ---- loading WordPress -------------------------------------------------------------------------

/**
 * Where WordPress is: `parameters.wp_root` (relative to the manifest's directory), else the
 * config file's `wp_root` (relative to the config file), else null.
 *
 * @return array{0: ?string, 1: string} the root as given (null: none) and where it came from
 */
function configuredRoot(Call $call): array
{
    if ($call->params->has('wp_root')) {
        if ($call->settings['allow_wp_root_parameter'] !== true) {
            throw new BadRequest('parameters.wp_root is not allowed: ' . $call->settingsFile
                . ' sets allow_wp_root_parameter = false (its wp_root is used for every symbol)');
        }
        $root = $call->params->string('wp_root');
        $base = \is_string($call->request['baseDir'] ?? null) ? $call->request['baseDir'] : getcwd();
        return [isAbsolutePath($root) ? $root : $base . '/' . $root, 'parameters.wp_root'];
    }
    $root = $call->settings['wp_root'];
    if ($root === null) {
        return [null, 'none'];
    }
    $base = \dirname((string) $call->settingsFile);
    return [isAbsolutePath($root) ? $root : $base . '/' . $root, "wp_root in {$call->settingsFile}"];
}

function isAbsolutePath(string $path): bool
{
    return str_starts_with($path, '/') || preg_match('#^[A-Za-z]:[\\\\/]#', $path) === 1;
}

/** The realpath of a directory holding wp-load.php, or a failure that says where it looked. */
function checkedRoot(string $root, string $source): string
{
    $real = realpath($root);
    if ($real === false || !is_dir($real)) {
        throw new EngineError("the WordPress root {$root} (from {$source}) does not exist");
    }
    if (!is_file($real . '/wp-load.php')) {
        throw new EngineError("{$real} (from {$source}) holds no wp-load.php: it is not a WordPress root");
    }
    return $real;
}

/**
 * Everything that must be in place before wp-load.php runs; returns its path. The caller
 * requires it at the top level of this file: WordPress declares its globals ($wpdb,
 * $table_prefix, $wp_version, ...) by assignment at file scope, and inside a function they
 * would be that function's locals.
 */
function prepareWordPress(Call $call): string
{
    [$root, $source] = configuredRoot($call);
    if ($root === null) {
        throw new EngineError(sprintf(
            'no WordPress root: set parameters.wp_root on the symbol, or wp_root in %s (copy %s)',
            __DIR__ . '/' . CONFIG_FILE,
            __DIR__ . '/symbolic-engine.config.example.php',
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

/** wp_die() handler: a failure with WordPress's message as text (and the database's, if any). */
final class WordPressDie
{
    public static function handle(mixed $message = '', mixed $title = '', mixed $args = []): void
    {
        global $wpdb;
        if (\is_array($args) && ($args['exit'] ?? true) === false) {
            // A caller that asked wp_die() not to end the request only wants the message shown.
            fwrite(STDERR, 'wp_die (exit => false): ' . self::text($message) . "\n");
            return;
        }
        $text = self::text($message);
        if ($text === '') {
            $text = self::text($title);
        }
        if ($text === '' || $text === '0') {
            $text = 'wp_die() was called without a message';
        }
        if (\is_object($wpdb) && !empty($wpdb->error)) {
            // WordPress's explanation is a paragraph of advice; its first 300 characters name the cause.
            $detail = truncateText(self::text($wpdb->error), 300);
            if ($detail !== '' && !str_contains($text, $detail)) {
                $text .= " ({$detail})";
            }
        }
        if (\function_exists('mysqli_connect_error') && \is_object($wpdb) && empty($wpdb->dbh)) {
            $mysql = mysqli_connect_error();
            if (\is_string($mysql) && $mysql !== '') {
                $text .= " (MySQL: {$mysql})";
            }
        }
        $status = \is_array($args) && isset($args['response']) ? " [HTTP {$args['response']}]" : '';
        throw new WordPressDied("WordPress stopped with wp_die(): {$text}{$status}");
    }

    private static function text(mixed $message): string
    {
        if ($message instanceof \WP_Error) {
            return plainText(implode(' ', $message->get_error_messages()));
        }
        return \is_scalar($message) ? plainText((string) $message) : '';
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

// ---- database helpers --------------------------------------------------------------------------

/**
 * Runs a change in one database transaction: an operation either makes all of its changes or,
 * when it fails, none, so a failed symbol leaves nothing for its rollback to undo (which is
 * what the swarm gives that rollback: the failed symbol has no output). On failure the object
 * cache is flushed as well, since it may hold values the rollback just took back. (Tables that
 * are not InnoDB ignore transactions.)
 *
 * @template T
 * @param callable(): T $change
 * @return T
 */
function inTransaction(callable $change): mixed
{
    global $wpdb;
    static $depth = 0;
    if ($depth > 0) {
        // Inside another operation's transaction (undo runs inverse operations): a second
        // START TRANSACTION would commit the outer one, so the outer one decides.
        return $change();
    }
    sqlOrFail('START TRANSACTION');
    $depth++;
    try {
        $result = $change();
        $depth--;
        sqlOrFail('COMMIT');
        return $result;
    } catch (Throwable $error) {
        $depth = 0;
        $wpdb->query('ROLLBACK');
        wp_cache_flush();
        throw $error;
    }
}

function sqlOrFail(string $sql): void
{
    global $wpdb;
    if ($wpdb->query($sql) === false) {
        $why = $wpdb->last_error !== '' ? $wpdb->last_error : 'unknown database error';
        throw new EngineError("{$sql} failed: {$why}");
    }
}

/** Fails with the database's error if the last query had one (many WordPress APIs only return false). */
function failOnDatabaseError(string $doing): void
{
    global $wpdb;
    if ($wpdb->last_error !== '') {
        throw new EngineError("{$doing}: database error: {$wpdb->last_error}");
    }
}

/**
 * A stored string as JSON can carry it. Serialized PHP may hold bytes that are not UTF-8, which
 * JSON would mangle; those travel base64-encoded.
 *
 * @return array{raw?: string, raw_base64?: string}
 */
function encodeRaw(string $raw): array
{
    return preg_match('//u', $raw) === 1 ? ['raw' => $raw] : ['raw_base64' => base64_encode($raw)];
}

/** @param array<string, mixed> $record */
function decodeRaw(array $record, string $what): ?string
{
    if (isset($record['raw_base64'])) {
        $raw = \is_string($record['raw_base64']) ? base64_decode($record['raw_base64'], true) : false;
        if ($raw === false) {
            throw new BadRequest("{$what}: raw_base64 is not base64");
        }
        return $raw;
    }
    if (\array_key_exists('raw', $record)) {
        if (!\is_string($record['raw'])) {
            throw new BadRequest("{$what}: raw must be a string");
        }
        return $record['raw'];
    }
    return null;
}

/**
 * The PHP value a stored string stands for, as WordPress reads it (maybe_unserialize), but
 * without creating objects: a class named in the data becomes __PHP_Incomplete_Class, which
 * serializes back to the same string. Stored strings come back through the swarm, and
 * unserialize() with classes allowed would let whoever can alter them run code.
 */
function valueOfRaw(string $raw): mixed
{
    if (!is_serialized($raw)) {
        return $raw;
    }
    $value = @unserialize(trim($raw), ['allowed_classes' => false]);
    return ($value === false && $raw !== 'b:0;') ? $raw : $value;
}

/** A value for JSON output: objects that PHP cannot show (incomplete classes) as a marker. */
function forOutput(mixed $value): mixed
{
    if ($value instanceof \__PHP_Incomplete_Class) {
        return ['__php_object' => true];
    }
    if (\is_object($value)) {
        $json = (string) json_encode($value, JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE);
        return json_decode($json, true);
    }
    if (\is_array($value)) {
        return array_map(__NAMESPACE__ . '\forOutput', $value);
    }
    return $value;
}

/** An undo record: the inverse operation, its parameters, and when the change was made. */
function undoRecord(string $operation, array $parameters): array
{
    return ['operation' => $operation, 'parameters' => $parameters, 'at' => microtime(true)];
}

// ---- options -----------------------------------------------------------------------------------

/**
 * An option as stored: whether it exists, its raw value and autoload flag. Read from the
 * table, not through get_option(), whose filters may change what is returned; this is what a
 * restore must put back.
 *
 * @return array{option: string, exists: bool, raw?: string, raw_base64?: string, autoload?: string}
 */
function optionSnapshot(string $name): array
{
    global $wpdb;
    $row = $wpdb->get_row($wpdb->prepare(
        "SELECT option_value, autoload FROM {$wpdb->options} WHERE option_name = %s LIMIT 1",
        $name,
    ), ARRAY_A);
    failOnDatabaseError("reading option {$name}");
    if (!\is_array($row)) {
        return ['option' => $name, 'exists' => false];
    }
    return ['option' => $name, 'exists' => true]
        + encodeRaw((string) $row['option_value'])
        + ['autoload' => (string) $row['autoload']];
}

/** A snapshot as the value a reader of the output wants to see. */
function snapshotValue(array $snapshot): array
{
    if (!$snapshot['exists']) {
        return ['exists' => false, 'value' => null];
    }
    return ['exists' => true, 'value' => forOutput(valueOfRaw((string) decodeRaw($snapshot, 'snapshot')))];
}

function optionName(mixed $name, string $what): string
{
    if (!\is_string($name) || $name === '' || \strlen($name) > 191) {
        throw new BadRequest("{$what} must be an option name (a string of 1 to 191 bytes)");
    }
    return $name;
}

/** autoload as update_option() takes it; null leaves it as it is (new options: yes). */
function autoloadParam(Params $params): ?string
{
    if (!$params->has('autoload')) {
        return null;
    }
    return $params->bool('autoload', true) ? 'yes' : 'no';
}

/** The options named by `option` (one) or `options` (several): [name => value or null]. */
function optionTargets(Params $params, bool $withValues): array
{
    if ($params->has('option') === $params->has('options')) {
        throw new BadRequest($withValues
            ? 'give either parameters.option (with parameters.value) or parameters.options ({name: value, ...})'
            : 'give either parameters.option or parameters.options (a list of names)');
    }
    if ($params->has('option')) {
        $name = optionName($params->raw('option'), 'parameters.option');
        if ($withValues && !\array_key_exists('value', $params->all())) {
            throw new BadRequest('parameters.value is required with parameters.option (null is a value)');
        }
        return [$name => $withValues ? $params->raw('value') : null];
    }
    if ($withValues) {
        $targets = $params->map('options');
        foreach (array_keys($targets) as $name) {
            optionName((string) $name, "option name \"{$name}\"");
        }
    } else {
        $targets = [];
        foreach ($params->list('options') as $name) {
            $targets[optionName($name, 'each of parameters.options')] = null;
        }
    }
    if ($targets === []) {
        throw new BadRequest('parameters.options is empty');
    }
    return $targets;
}

function opOptionGet(Call $call): array
{
    $targets = optionTargets($call->params, false);
    $read = [];
    foreach (array_keys($targets) as $name) {
        $name = (string) $name;
        $snapshot = optionSnapshot($name);
        // The value as WordPress serves it (filters included); exists/autoload as stored.
        $read[$name] = [
            'option' => $name,
            'exists' => $snapshot['exists'],
            'value' => $snapshot['exists'] ? forOutput(get_option($name)) : null,
            'autoload' => $snapshot['autoload'] ?? null,
        ];
    }
    return $call->params->has('option') ? reset($read) : ['options' => $read];
}

function opOptionSet(Call $call): array
{
    $targets = optionTargets($call->params, true);
    $autoload = autoloadParam($call->params);
    [$changes, $previous] = inTransaction(static function () use ($targets, $autoload): array {
        $changes = [];
        $previous = [];
        foreach ($targets as $name => $value) {
            $name = (string) $name;
            $before = optionSnapshot($name);
            // update_option() adds a missing option, and returns false both for "unchanged" and
            // for a failed write; the database error tells the two apart.
            update_option($name, $value, $autoload);
            failOnDatabaseError("setting option {$name}");
            $after = optionSnapshot($name);
            $previous[] = $before;
            $changes[] = [
                'option' => $name,
                'value' => forOutput(get_option($name)),
                'previous' => snapshotValue($before),
                'changed' => $after !== $before,
            ];
        }
        return [$changes, $previous];
    });
    $undo = undoRecord('option.restore', ['options' => $previous]);
    return $call->params->has('option') ? $changes[0] + ['undo' => $undo] : ['options' => $changes, 'undo' => $undo];
}

function opOptionDelete(Call $call): array
{
    $targets = optionTargets($call->params, false);
    [$changes, $previous] = inTransaction(static function () use ($targets): array {
        $changes = [];
        $previous = [];
        foreach (array_keys($targets) as $name) {
            $name = (string) $name;
            $before = optionSnapshot($name);
            if ($before['exists']) {
                delete_option($name);
                failOnDatabaseError("deleting option {$name}");
            }
            $previous[] = $before;
            $changes[] = ['option' => $name, 'deleted' => $before['exists'], 'previous' => snapshotValue($before)];
        }
        return [$changes, $previous];
    });
    $undo = undoRecord('option.restore', ['options' => $previous]);
    return $call->params->has('option') ? $changes[0] + ['undo' => $undo] : ['options' => $changes, 'undo' => $undo];
}

/**
 * Puts options back as a snapshot says: the exact stored string and autoload flag, or no
 * option at all. Idempotent, so restoring twice (a symbol's own rollback and a later
 * compensation) is harmless. Accepts `options` (snapshots) or one snapshot's fields directly
 * (`option`, `exists`, and `raw` or `value`, `autoload`) for manual use.
 */
function opOptionRestore(Call $call): array
{
    $params = $call->params;
    if ($params->has('options')) {
        $snapshots = $params->list('options');
    } else {
        $snapshot = ['option' => $params->raw('option'), 'exists' => $params->raw('exists')];
        if (\array_key_exists('value', $params->all())) {
            $snapshot['value'] = $params->raw('value');
        }
        if ($params->has('autoload')) {
            $snapshot['autoload'] = $params->bool('autoload', true) ? 'yes' : 'no';
        }
        $snapshots = [$snapshot];
    }
    return inTransaction(static function () use ($snapshots): array {
        $restored = [];
        foreach (array_reverse($snapshots) as $i => $snapshot) {
            if (!\is_array($snapshot)) {
                throw new BadRequest("options[{$i}] must be an object");
            }
            $restored[] = restoreOption($snapshot);
        }
        return ['restored' => array_reverse($restored)];
    });
}

/** @param array<string, mixed> $snapshot */
function restoreOption(array $snapshot): array
{
    global $wpdb;
    $name = optionName($snapshot['option'] ?? null, 'option');
    if (!\is_bool($snapshot['exists'] ?? null)) {
        throw new BadRequest("option {$name}: exists must be true or false");
    }
    $current = optionSnapshot($name);
    if (!$snapshot['exists']) {
        if ($current['exists']) {
            delete_option($name);
            failOnDatabaseError("deleting option {$name}");
        }
        return ['option' => $name, 'exists' => false, 'changed' => $current['exists']];
    }
    $raw = decodeRaw($snapshot, "option {$name}");
    if ($raw === null && !\array_key_exists('value', $snapshot)) {
        throw new BadRequest("option {$name}: give raw (the stored string) or value");
    }
    $unchanged = $raw !== null && $current['exists'] && decodeRaw($current, 'current') === $raw;
    if (!$unchanged) {
        // Through update_option(), so caches and hooks see the change. The raw string becomes
        // the value WordPress read from it, which update_option() serializes back to the same.
        update_option($name, $raw !== null ? valueOfRaw($raw) : $snapshot['value']);
        failOnDatabaseError("restoring option {$name}");
    }
    // update_option() keeps the autoload flag of an existing option and gives a new one 'yes':
    // set the old flag directly when it differs.
    $autoload = $snapshot['autoload'] ?? null;
    $after = optionSnapshot($name);
    if (\is_string($autoload) && $autoload !== '' && ($after['autoload'] ?? null) !== $autoload) {
        $wpdb->update($wpdb->options, ['autoload' => $autoload], ['option_name' => $name]);
        failOnDatabaseError("restoring the autoload flag of option {$name}");
        wp_cache_delete('alloptions', 'options');
        wp_cache_delete('notoptions', 'options');
        wp_cache_delete($name, 'options');
        $after = optionSnapshot($name);
    }
    return ['option' => $name, 'exists' => true, 'changed' => $after !== $current];
}

// ---- post type and taxonomy definitions ---------------------------------------------------------

/**
 * Definitions are stored the way the Rust injector (wp_injector) stores them, so either backend
 * can write them and one plugin can register them: option `wp_praxis_cpt_<name>` or
 * `wp_praxis_taxonomy_<name>`, autoloaded, holding a JSON text {name, label, public?,
 * parameters} where `parameters` are the symbol's own (minus the engine's: operation, wp_root,
 * user). WordPress itself registers nothing from them; wp-praxis-definitions.php (a
 * must-use plugin next to this file) does, on every request.
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

// ---- posts -------------------------------------------------------------------------------------

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

// ---- read-only query ---------------------------------------------------------------------------

/**
 * A SELECT with placeholders, through $wpdb->prepare(): `sql` may say {prefix} for the table
 * prefix, `args` fill its %s / %d / %f placeholders (a literal % is %%). Refused unless it is one
 * SELECT; and it runs inside a READ ONLY transaction, so even a statement that got past the
 * check cannot write.
 */
function opQuery(Call $call): array
{
    global $wpdb;
    $params = $call->params;
    $sql = str_replace('{prefix}', $wpdb->prefix, $params->string('sql'));
    $args = $params->list('args');
    $limit = $params->int('limit', 1000, 1, 100000);
    checkSelectOnly($sql);
    foreach ($args as $i => $arg) {
        if (!\is_scalar($arg)) {
            throw new BadRequest("args[{$i}] must be a string or a number");
        }
    }
    if ($args !== []) {
        $sql = $wpdb->prepare($sql, ...$args);
        if (!\is_string($sql) || $sql === '') {
            throw new BadRequest('$wpdb->prepare() refused the query: the placeholders do not match args');
        }
    }
    sqlOrFail('START TRANSACTION READ ONLY');
    try {
        $rows = $wpdb->get_results($sql, ARRAY_A);
        failOnDatabaseError('the query failed');
    } finally {
        $wpdb->query('ROLLBACK');
    }
    $rows = \is_array($rows) ? $rows : [];
    $count = \count($rows);
    return ['rows' => \array_slice($rows, 0, $limit), 'count' => $count, 'truncated' => $count > $limit];
}

/** Refuses anything but a single SELECT; looks only at the SQL outside strings and comments. */
function checkSelectOnly(string $sql): void
{
    if (preg_match('#/\*[!M]#', $sql) === 1) {
        // MariaDB/MySQL run the inside of /*! ... */ comments as SQL.
        throw new BadRequest('the query may not contain executable comments (/*! ... */)');
    }
    $code = '';
    $length = \strlen($sql);
    for ($i = 0; $i < $length; $i++) {
        $c = $sql[$i];
        if ($c === "'" || $c === '"' || $c === '`') {
            $end = $i + 1;
            while ($end < $length && $sql[$end] !== $c) {
                $end += $sql[$end] === '\\' && $c !== '`' ? 2 : 1;
            }
            $code .= ' ? ';
            $i = $end;
        } elseif ($c === '/' && ($sql[$i + 1] ?? '') === '*') {
            $end = strpos($sql, '*/', $i + 2);
            $i = $end === false ? $length : $end + 1;
            $code .= ' ';
        } elseif ($c === '#' || ($c === '-' && ($sql[$i + 1] ?? '') === '-' && ctype_space($sql[$i + 2] ?? ' '))) {
            $end = strpos($sql, "\n", $i);
            $i = $end === false ? $length : $end;
            $code .= ' ';
        } else {
            $code .= $c;
        }
    }
    $code = rtrim(trim($code), "; \t\n\r");
    if (preg_match('/^\(*\s*select\b/i', $code) !== 1) {
        throw new BadRequest('only SELECT queries are allowed');
    }
    if (str_contains($code, ';')) {
        throw new BadRequest('only one statement is allowed');
    }
    if (preg_match('/\binto\b|\bfor\s+update\b|\block\s+in\s+share\s+mode\b/i', $code) === 1) {
        throw new BadRequest('SELECT ... INTO and locking reads are not allowed');
    }
}

// ---- caches ------------------------------------------------------------------------------------

/**
 * Flushes the object cache; with `transients: true` also deletes every transient, with
 * `rewrite: true` the stored rewrite rules (WordPress rebuilds them on the next request).
 * There is nothing to undo: caches refill themselves.
 */
function opCacheFlush(Call $call): array
{
    global $wpdb;
    $transients = $call->params->bool('transients', false);
    $rewrite = $call->params->bool('rewrite', false);
    $deleted = 0;
    if ($transients) {
        $deleted = (int) $wpdb->query(
            "DELETE FROM {$wpdb->options}
             WHERE option_name LIKE '\\_transient\\_%' OR option_name LIKE '\\_site\\_transient\\_%'"
        );
        failOnDatabaseError('deleting transients');
    }
    if ($rewrite) {
        delete_option('rewrite_rules');
        failOnDatabaseError('deleting the rewrite rules');
    }
    $flushed = wp_cache_flush();
    return [
        'object_cache_flushed' => (bool) $flushed,
        'external_object_cache' => (bool) wp_using_ext_object_cache(),
        'transients_deleted' => $transients ? $deleted : null,
        'rewrite_rules_deleted' => $rewrite,
    ];
}

// ---- rollback ----------------------------------------------------------------------------------

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

// ---- the probe ---------------------------------------------------------------------------------

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

// ---- the operations ----------------------------------------------------------------------------

/** @return array<string, Operation> */
function operations(): array
{
    static $operations = null;
    $op = static fn (string $fn, array $parameters, ?\Closure $needsWordPress = null): Operation => new Operation(
        \Closure::fromCallable(__NAMESPACE__ . '\\' . $fn),
        $parameters,
        $needsWordPress,
    );
    $probe = $op('opProbe', ['probe', 'bootstrap'], static fn (Params $p): bool => $p->bool('bootstrap', false));
    return $operations ??= [
        'swarm.probe' => $probe,
        'probe' => $probe,
        'option.get' => $op('opOptionGet', ['option', 'options']),
        'option.set' => $op('opOptionSet', ['option', 'value', 'options', 'autoload']),
        'option.delete' => $op('opOptionDelete', ['option', 'options']),
        'option.restore' => $op('opOptionRestore', ['option', 'exists', 'value', 'autoload', 'options']),
        'post_type.define' => $op(
            'opPostTypeDefine',
            ['post_type', 'label', 'public', 'args'],
        ),
        'taxonomy.define' => $op(
            'opTaxonomyDefine',
            ['taxonomy', 'label', 'object_type', 'args'],
        ),
        'post.create' => $op('opPostCreate', ['fields', 'meta', 'if_exists']),
        'post.update' => $op('opPostUpdate', ['post_id', 'post_name', 'post_type', 'fields', 'meta']),
        'post.revert' => $op('opPostRevert', ['post_id', 'post_name', 'post_type', 'fields', 'meta']),
        'post.delete' => $op('opPostDelete', ['post_id', 'post_name', 'post_type', 'force', 'missing_ok']),
        'post.untrash' => $op('opPostUntrash', ['post_id', 'post_name', 'post_type', 'status']),
        'post.restore' => $op('opPostRestore', ['snapshot']),
        'query' => $op('opQuery', ['sql', 'args', 'limit']),
        'cache.flush' => $op('opCacheFlush', ['transients', 'rewrite']),
        'undo' => $op('opUndo', ['from']),
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

// ---- main --------------------------------------------------------------------------------------
//
// Top-level code on purpose (see prepareWordPress): wp-load.php must be required at file scope.
// No variables are used here, so none can collide with the globals WordPress declares.

if (PHP_VERSION_ID < 80100) {
    fwrite(STDERR, 'symbolic-engine: PHP 8.1 or later is required; this is PHP ' . PHP_VERSION . "\n");
    exit(EXIT_FAILURE);
}

Process::start();
try {
    Process::$call = Call::fromProcess($_SERVER['argv'] ?? []);
    if (Process::$call->needsWordPress()) {
        require_once prepareWordPress(Process::$call);
        finishBootstrap(Process::$call);
    } else {
        Process::$phase = 'running';
    }
    Process::succeed(Process::$call->run());
} catch (Throwable $__wpPraxisError) {
    Process::fail($__wpPraxisError);
}
