<?php

/**
 * The request: one invocation's arguments (argv), the ExecutionRequest on stdin, and the
 * operation they choose, parsed and checked before anything else happens. A request that is
 * wrong fails here with exit 2 (BadRequest), before WordPress is loaded.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

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
        return self::build(parseArguments($argv), readRequest());
    }

    /**
     * One request of the warm mode (serve.php): the ExecutionRequest alone says what the
     * arguments say in process mode (the symbol's name, type, context and parameters).
     *
     * @param array<string, mixed> $request
     */
    public static function fromRequest(array $request): self
    {
        $symbol = \is_array($request['symbol'] ?? null) ? $request['symbol'] : [];
        if (!\is_string($symbol['name'] ?? null) || $symbol['name'] === '') {
            throw new BadRequest('the request has no symbol.name');
        }
        return self::build(['symbol' => $symbol['name']], $request);
    }

    /**
     * @param array<string, string> $args
     * @param array<string, mixed> $request
     */
    private static function build(array $args, array $request): self
    {
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
