<?php

/**
 * The engine's failures. Each carries the exit code that goes with it, so the entry point can
 * tell a wrong request (exit 2: trying again cannot help) from everything else (exit 1). The
 * codes (EXIT_FAILURE, EXIT_BAD_REQUEST) are defined in symbolic-engine.php, with the exit.
 */

declare(strict_types=1);

namespace WpPraxis\SymbolicEngine;

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

/** A warm engine cannot serve this request cleanly any more (serve.php): fail it, and be replaced. */
final class RecycleNeeded extends EngineError
{
}
