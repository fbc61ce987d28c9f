/**
 * The reference PHP engine against a real WordPress: a private MariaDB and site made by
 * scripts/wordpress-up.sh, the example workflows run through the real CLI (`swarm run`), and
 * the site's state read back around the engine (SQL through the mariadb client, and a PHP
 * process of our own that loads WordPress), never from the engine's output.
 *
 * Needs php (with mysqli), MariaDB and Debian's wordpress package (`scripts/wordpress-up.sh
 * install`). Without them it is skipped, except when CI is set: CI must run it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { EnginePool } from '../../actors/backends/index.ts';
import type { ExecutionOutcome } from '../../src/execution.ts';

const ROOT = resolve(import.meta.dir, '../..');
const SETUP = join(ROOT, 'scripts/wordpress-up.sh');
const ENGINE_DIR = join(ROOT, 'examples/backends/php');
/** The engine: its entry point and the engine/ folder it loads its files from (beside it). */
const ENGINE_FILES = ['symbolic-engine.php', 'engine'];
const SITE_MANIFEST = join(ROOT, 'examples/wordpress-site.yaml');
const FAILING_MANIFEST = join(ROOT, 'examples/wordpress-site-failing.yaml');

setDefaultTimeout(60_000);

/** What this machine lacks for the test, by name; empty when everything is there. */
function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (Bun.which('php') === null) missing.push('php');
  else if (spawnSync('php', ['-r', 'exit(extension_loaded("mysqli") ? 0 : 1);']).status !== 0) missing.push('php mysqli');
  for (const program of ['mariadbd', 'mariadb-install-db', 'mariadb', 'mariadb-admin']) {
    if (Bun.which(program) === null) missing.push(program);
  }
  if (!existsSync('/usr/share/wordpress/wp-load.php')) missing.push('/usr/share/wordpress');
  return missing;
}

const inCi = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const missing = missingPrerequisites();
const skip = missing.length > 0 && !inCi;
const skipReason = `missing ${missing.join(', ')}; run "scripts/wordpress-up.sh install" as root to install them`;
if (skip) console.warn(`test/wordpress: WordPress end-to-end tests skipped: ${skipReason}`);

/** Both engine modes run the same workflows and are read back the same way. */
const MODES = ['process', 'persistent'] as const;
type Mode = (typeof MODES)[number];

/** The facts scripts/wordpress-up.sh prints (KEY=value lines). */
type Facts = Record<string, string>;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Run {
  const result = spawnSync(file, args, {
    cwd: ROOT,
    input: options.stdin ?? '',
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the real CLI (as `npm run swarm` does) with `config` as SWARM_CONFIG. */
async function swarm(args: string[], config: string): Promise<Run & { json: any }> {
  const env: Record<string, string | undefined> = { ...process.env, SWARM_CONFIG: config };
  delete env.SWARM_AUTH_TOKEN;
  const child = Bun.spawn([process.execPath, 'src/cli/bin.ts', ...args, '--json'], {
    cwd: ROOT,
    env,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  try {
    return { code, stdout, stderr, json: JSON.parse(stdout) };
  } catch {
    throw new Error(`swarm ${args.join(' ')}: stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
  }
}

describe.skipIf(skip)(`WordPress end to end${skip ? ` (skipped: ${skipReason})` : ''}`, () => {
  let wpDir = '';
  let sandbox = '';
  /** The config of each engine mode; `config` is the process-mode one (the CLI's checks). */
  const configs: Record<Mode, string> = { process: '', persistent: '' };
  let config = '';
  let engine = '';
  let facts: Facts = {};

  /** SQL as the server's administrator, over the private socket; stdout as it is. */
  function sql(query: string): string {
    const r = run('mariadb', [
      '--no-defaults', `--socket=${facts.DB_SOCKET}`, `--user=${facts.DB_ADMIN_USER}`,
      '--batch', '--raw', '--skip-column-names', facts.DB_NAME, '-e', query,
    ]);
    if (r.code !== 0) throw new Error(`mariadb failed (${r.code}): ${r.stderr}`);
    return r.stdout.replace(/\n$/, '');
  }

  /** The stored rows of these options: {name: {value, autoload}}; absent options are missing. */
  function options(names: string[]): Record<string, { value: string; autoload: string }> {
    const list = names.map((n) => `'${n}'`).join(', ');
    const json = sql(
      `SELECT JSON_OBJECTAGG(option_name, JSON_OBJECT('value', option_value, 'autoload', autoload)) ` +
        `FROM ${facts.DB_TABLE_PREFIX}options WHERE option_name IN (${list})`,
    );
    return json === 'NULL' || json === '' ? {} : JSON.parse(json);
  }

  function pages(slug: string): { ID: number; title: string; status: string; content: string }[] {
    const json = sql(
      `SELECT JSON_ARRAYAGG(JSON_OBJECT('ID', ID, 'title', post_title, 'status', post_status, 'content', post_content)) ` +
        `FROM ${facts.DB_TABLE_PREFIX}posts WHERE post_type = 'page' AND post_name = '${slug}' AND post_status <> 'trash'`,
    );
    return json === 'NULL' || json === '' ? [] : JSON.parse(json);
  }

  /** A PHP process of our own that loads the site and prints what WordPress itself sees. */
  function askWordPress(code: string): any {
    const script = [
      '$_SERVER["HTTP_HOST"] = "localhost";',
      'require getenv("WP_ROOT") . "/wp-load.php";',
      `echo "\\n@@RESULT@@", json_encode((function () { ${code} })());`,
    ].join('\n');
    const r = run('php', ['-d', 'display_errors=stderr', '-r', script], { env: { WP_ROOT: facts.WP_ROOT } });
    const at = r.stdout.lastIndexOf('@@RESULT@@');
    if (r.code !== 0 || at < 0) throw new Error(`php exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout.slice(at + '@@RESULT@@'.length));
  }

  /** The engine invoked exactly as the swarm invokes it (argv form and a request on stdin). */
  function engineRun(symbol: string, parameters: Record<string, unknown>): Run {
    const request = {
      runId: 'wordpress-test', task: symbol, attempt: 1, kind: 'run',
      symbol: { name: symbol, type: 'query', context: 'wordpress', dispatch: 'php_engine', parameters, timeout: 30000 },
      dependencies: {}, baseDir: null,
    };
    return run('php', [engine, '--symbol', symbol, '--type', 'query', '--context', 'wordpress', '--params', JSON.stringify(parameters)], {
      stdin: JSON.stringify(request),
    });
  }

  /** A warm engine that outlives one test on purpose (the database outage tests). */
  let outagePool: EnginePool | null = null;

  /** Warm engines of this test's engine still running anywhere on the host (by /proc). */
  function warmEngines(): number[] {
    return readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .filter((n) => {
        try {
          const argv = readFileSync(`/proc/${n}/cmdline`, 'latin1').split('\0');
          return argv.includes(engine) && argv.includes('--serve') && isAlive(Number(n));
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  /** A pool of warm engines of the real PHP engine, as a node makes one. */
  function warmPool(size = 1): EnginePool {
    return new EnginePool({
      spec: {
        target: 'php_engine', phpBinary: 'php', scriptPath: engine, timeoutMs: 30_000, maxOutputBytes: 1 << 20,
        persistent: { maxRequests: 1_000, maxMemoryBytes: 1 << 30 },
      },
      size,
    });
  }

  function warmRun(pool: EnginePool, symbol: string, parameters: Record<string, unknown>): Promise<ExecutionOutcome> {
    return pool.run({
      runId: 'wordpress-test', task: symbol, attempt: 1, kind: 'run',
      symbol: { name: symbol, type: 'query', context: 'wordpress', dispatch: 'php_engine', parameters, timeout: 30_000 },
      dependencies: {}, baseDir: null,
    }, new AbortController().signal);
  }

  beforeAll(() => {
    if (missing.length > 0) {
      // Only in CI (otherwise the suite is skipped): the setup below tries to install them.
      console.warn(`test/wordpress: CI is set, so the test runs although it lacks: ${missing.join(', ')}`);
    }
    // Short paths: the server's Unix socket lives under wpDir (at most ~100 bytes).
    wpDir = mkdtempSync(join(tmpdir(), 'swarm-wp-'));
    // --owner: if this process dies before afterAll, the script's watchdog stops the server.
    const up = run(SETUP, ['up', wpDir, '--owner', String(process.pid)], { timeoutMs: 240_000 });
    if (up.code !== 0) throw new Error(`scripts/wordpress-up.sh up failed (${up.code}):\n${up.stderr}`);
    facts = Object.fromEntries(
      up.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(facts.WP_ROOT).toBe(join(realpathSync(wpDir), 'site'));

    // The engine reads its WordPress root from symbolic-engine.config.php next to it (the
    // swarm passes it no environment to say so), so the test runs a copy beside a config: the
    // whole engine, symbolic-engine.php and its engine/ folder, byte-identical.
    // Inside wpDir, so that `down` (also the watchdog's) removes it with the site.
    sandbox = join(wpDir, 'sandbox');
    mkdirSync(sandbox);
    engine = join(sandbox, 'symbolic-engine.php');
    for (const file of ENGINE_FILES) cpSync(join(ENGINE_DIR, file), join(sandbox, file), { recursive: true });
    const phpString = `'${facts.WP_ROOT.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    writeFileSync(join(sandbox, 'symbolic-engine.config.php'), `<?php\nreturn ['wp_root' => ${phpString}];\n`);
    // The plugin that turns the stored definitions into registered post types and taxonomies.
    mkdirSync(join(facts.WP_ROOT, 'wp-content/mu-plugins'), { recursive: true });
    copyFileSync(join(ENGINE_DIR, 'wp-praxis-definitions.php'), join(facts.WP_ROOT, 'wp-content/mu-plugins/wp-praxis-definitions.php'));

    for (const mode of MODES) {
      configs[mode] = join(sandbox, `config-${mode}.toml`);
      writeFileSync(
        configs[mode],
        [
          '[logging]',
          'file = ""',
          '[dispatcher]',
          'local_workers = 2',
          `state_db_path = "${join(sandbox, 'state.db')}"`,
          '[coordinator]',
          'retry_backoff_base = 20',
          'retry_backoff_max = 100',
          '[backends.php_engine]',
          'enabled = true',
          'php_binary = "php"',
          `script_path = "${engine}"`,
          `mode = "${mode}"`,
          ...(mode === 'persistent' ? ['pool_size = 2'] : []),
          '',
        ].join('\n'),
      );
    }
    config = configs.process;
  });

  afterAll(async () => {
    await outagePool?.close();
    if (wpDir) {
      const down = run(SETUP, ['down', wpDir], { timeoutMs: 60_000 });
      if (down.code !== 0) {
        console.warn(`scripts/wordpress-up.sh down failed (${down.code}): ${down.stderr}`);
        // Leave no server behind even so (the script's watchdog would, once this process ends).
        const pid = Number(facts.MARIADB_PID);
        if (pid > 0 && isAlive(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'mariadbd') process.kill(pid, 'SIGKILL');
      }
      // `down` removes the folder; this is for an `up` that failed before it made it its own.
      rmSync(wpDir, { recursive: true, force: true });
    }
    if (sandbox) rmSync(sandbox, { recursive: true, force: true });
  });

  test.each(MODES)('swarm backend check passes against the real engine (mode %s), which reports PHP and WordPress', async (mode) => {
    const { code, json } = await swarm(['backend', 'check', configs[mode]], configs[mode]);
    expect(code).toBe(0);
    const php = json.backends.find((b: { backend: string }) => b.backend === 'php_engine');
    expect(php).toMatchObject({ enabled: true, ok: true, mode });
    expect(php.detail).toContain('"probe":"ok"');
    expect(php.detail).toContain(`"wordpress":"${facts.WP_VERSION}"`);
    if (mode === 'persistent') expect(php.detail).toContain('warm engine (--serve) answered 2 probes');
  });

  test('swarm backend check passes a warm engine told to serve one request (max_requests = 1), as swarm run uses it', async () => {
    // Before, the check sent its two probes to an engine the config retires after one answer,
    // and failed it: 'the warm engine did not stay up between two probes'.
    const once = join(sandbox, 'config-once.toml');
    writeFileSync(once, `${readFileSync(configs.persistent, 'utf8')}max_requests = 1\n`);
    const { code, json, stderr } = await swarm(['backend', 'check', once], once);
    if (code !== 0) console.error(stderr, JSON.stringify(json));
    expect(code).toBe(0);
    const php = json.backends.find((b: { backend: string }) => b.backend === 'php_engine');
    expect(php).toMatchObject({ enabled: true, ok: true, mode: 'persistent' });
    expect(php.detail).toContain('warm engine (--serve) answered 2 probes, each on a fresh engine (max_requests = 1)');
    expect(warmEngines()).toEqual([]);
  });

  describe.each(MODES)('with mode = "%s"', (mode) => {
  test('wordpress-site.yaml configures the site: options, a page and stored definitions, as WordPress and the database see them', async () => {
    const { code, json, stderr } = await swarm(['run', SITE_MANIFEST, configs[mode]], configs[mode]);
    if (code !== 0) console.error(stderr);
    expect(code).toBe(0);
    expect(json.status).toBe('succeeded');
    for (const task of json.tasks) expect([task.name, task.status]).toEqual([task.name, 'succeeded']);
    // No warm engine outlives the swarm that started it.
    expect(warmEngines()).toEqual([]);

    const stored = options(['blogname', 'blogdescription', 'posts_per_page', 'timezone_string', 'date_format', 'wp_praxis_cpt_book', 'wp_praxis_taxonomy_genre']);
    expect(stored.blogname.value).toBe('WP Praxis Demo');
    expect(stored.blogdescription.value).toBe('Workflows for WordPress, run by a swarm');
    expect(stored.posts_per_page.value).toBe('5');
    expect(stored.timezone_string.value).toBe('Europe/Berlin');
    expect(stored.date_format.value).toBe('Y-m-d');
    // Stored like the Rust injector stores them: autoloaded JSON text.
    expect(stored.wp_praxis_cpt_book.autoload).toBe('yes');
    expect(JSON.parse(stored.wp_praxis_cpt_book.value)).toMatchObject({
      name: 'book', label: 'Books', public: true, parameters: { post_type: 'book', args: { has_archive: true } },
    });
    expect(JSON.parse(stored.wp_praxis_taxonomy_genre.value)).toMatchObject({ name: 'genre', label: 'Genres', parameters: { object_type: ['book'] } });

    const [about, ...more] = pages('about');
    expect(more).toHaveLength(0);
    expect(about).toMatchObject({ title: 'About WP Praxis Demo', status: 'publish' });
    expect(sql(`SELECT meta_value FROM ${facts.DB_TABLE_PREFIX}postmeta WHERE post_id = ${about.ID} AND meta_key = 'wp_praxis_managed'`)).toBe('yes');

    // WordPress's own view, through the must-use plugin that registers the stored definitions.
    const seen = askWordPress(`return [
      'blogname' => get_option('blogname'),
      'posts_per_page' => (int) get_option('posts_per_page'),
      'book' => post_type_exists('book') ? get_post_type_object('book')->label : null,
      'genre_on_book' => is_object_in_taxonomy('book', 'genre'),
      'about' => get_page_by_path('about') ? get_page_by_path('about')->post_title : null,
    ];`);
    expect(seen).toEqual({ blogname: 'WP Praxis Demo', posts_per_page: 5, book: 'Books', genre_on_book: true, about: 'About WP Praxis Demo' });
  });

  test('running wordpress-site.yaml again succeeds and creates no second page', async () => {
    const { code, json } = await swarm(['run', SITE_MANIFEST, configs[mode]], configs[mode]);
    expect(code).toBe(0);
    expect(json.tasks.find((t: { name: string }) => t.name === 'about-page').output.created).toBe(false);
    expect(pages('about')).toHaveLength(1);
  });

  test('wordpress-site-failing.yaml fails at its last step, and the saga leaves the changed options and pages as they were', async () => {
    const names = ['blogname', 'blogdescription', 'posts_per_page', 'wp_praxis_release', 'wp_praxis_announcement'];
    const before = options(names);
    expect(before.wp_praxis_release).toBeUndefined();
    expect(pages('landing')).toHaveLength(0);

    const { code, json } = await swarm(['run', FAILING_MANIFEST, configs[mode]], configs[mode]);
    expect(code).toBe(1);
    expect(json.status).toBe('failed');
    const status = Object.fromEntries(json.tasks.map((t: { name: string; status: string }) => [t.name, t.status]));
    expect(status).toEqual({
      'release-title': 'rolled_back',
      'release-settings': 'rolled_back',
      'landing-page': 'rolled_back',
      'publish-pricing': 'failed',
      announce: 'skipped',
    });
    const failed = json.tasks.find((t: { name: string }) => t.name === 'publish-pricing');
    expect(failed.error.message).toContain('there is no page with post_name "pricing"');
    // Each compensation undid its own symbol's change, newest first (the journal's order).
    for (const name of ['release-title', 'release-settings', 'landing-page']) {
      const task = json.tasks.find((t: { name: string }) => t.name === name);
      expect(task.rollbackOutput.undone.map((u: { from: string }) => u.from)).toEqual([name]);
    }
    const history = await swarm(['history', json.runId, config], config);
    const compensated = history.json.transitions.filter((t: { event: string }) => t.event === 'task.compensate').map((t: { actorId: string }) => t.actorId);
    expect(compensated.indexOf('task:landing-page')).toBeLessThan(compensated.indexOf('task:release-title'));

    // The changes were made (the outputs say so) and are gone again (the database says so).
    expect(json.tasks.find((t: { name: string }) => t.name === 'release-settings').output.options[1]).toMatchObject({ option: 'wp_praxis_release', changed: true });
    expect(options(names)).toEqual(before);
    expect(pages('landing')).toHaveLength(0);
    expect(askWordPress(`return get_option('blogname');`)).toBe('WP Praxis Demo');
  });

  test('half a UTF-16 pair never reaches the engine (its JSON decoder refuses it): refused at its line in a manifest; a module output with one fails OUTPUT_NOT_JSON once, its PHP dependent skipped', async () => {
    const php = '{name: p, type: query, dispatch: php_engine, dependencies: [a], parameters: {operation: option.get, option: blogname}}';
    const inManifest = join(sandbox, `surrogate-${mode}.yaml`);
    writeFileSync(inManifest, `name: surrogate\nsymbols:\n  - {name: a, type: action, parameters: {operation: echo, message: "\\uD83D"}}\n  - ${php}\n`);
    const refused = await swarm(['run', inManifest, configs[mode]], configs[mode]);
    expect(refused.code).toBe(2);
    expect(refused.json.error.issues).toMatchObject([{ line: 3, symbol: 'a', field: 'parameters.message', message: expect.stringContaining('lone UTF-16 surrogate') }]);

    writeFileSync(join(sandbox, 'half-character.ts'), "export default () => 'smile \\ud83d';\n");
    const fromModule = join(sandbox, `surrogate-output-${mode}.yaml`);
    writeFileSync(
      fromModule,
      `name: surrogate-output\nsymbols:\n  - {name: a, type: action, retries: 3, parameters: {operation: module, module: ./half-character.ts}}\n  - ${php}\n` +
        '  - {name: q, type: query, dispatch: php_engine, parameters: {operation: option.get, option: blogname}}\n',
    );
    const { code, json } = await swarm(['run', fromModule, configs[mode]], configs[mode]);
    expect(code).toBe(1);
    const task = (name: string) => json.tasks.find((t: { name: string }) => t.name === name);
    expect(task('a')).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'OUTPUT_NOT_JSON', message: expect.stringContaining('a lone UTF-16 surrogate at $') } });
    expect(task('p').status).toBe('skipped');
    // The engine beside it is untouched: it answers, and nothing failed as its protocol.
    expect(task('q')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(JSON.stringify(json)).not.toContain('BACKEND_PROTOCOL_ERROR');
  });
  });

  test('a warm engine: a database error inside one request fails only that request, and the same engine serves the next', async () => {
    const pool = warmPool();
    try {
      const first = await warmRun(pool, 'read-title', { operation: 'option.get', option: 'blogname' });
      expect(first).toMatchObject({ ok: true, output: { value: 'WP Praxis Demo' } });
      sql(`RENAME TABLE ${facts.DB_TABLE_PREFIX}options TO ${facts.DB_TABLE_PREFIX}options_hidden`);
      try {
        const broken = await warmRun(pool, 'read-title', { operation: 'option.get', option: 'blogname' });
        expect(broken).toMatchObject({ ok: false, retryable: true, error: { code: 'BACKEND_FAILED' } });
        expect(!broken.ok && broken.error.message).toContain("options' doesn't exist");
      } finally {
        sql(`RENAME TABLE ${facts.DB_TABLE_PREFIX}options_hidden TO ${facts.DB_TABLE_PREFIX}options`);
      }
      // The server drops the engine's connection between two requests (wait_timeout, a restart):
      // the next request opens a new one.
      const ids = sql(`SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '${facts.DB_USER}'`).split('\n').filter(Boolean);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) sql(`KILL ${id}`);
      // Changed behind the engine's back: a warm engine does not serve what it cached before.
      sql(`UPDATE ${facts.DB_TABLE_PREFIX}options SET option_value = 'Changed elsewhere' WHERE option_name = 'blogdescription'`);
      const after = await warmRun(pool, 'read-tagline', { operation: 'option.get', option: 'blogdescription' });
      expect(after).toMatchObject({ ok: true, output: { value: 'Changed elsewhere' } });
      expect(pool.stats()).toMatchObject({ engines: 1, recycled: 0, crashed: 0 });
    } finally {
      await pool.close();
    }
    expect(warmEngines()).toEqual([]);
  });

  test('symbolic-engine.php copied without its engine/ folder fails with a message that says so', () => {
    const alone = join(wpDir, 'alone');
    mkdirSync(alone);
    copyFileSync(engine, join(alone, 'symbolic-engine.php'));
    const r = run('php', [join(alone, 'symbolic-engine.php'), '--symbol', 'swarm.probe']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${join(realpathSync(alone), 'engine')}/ is missing`);
  });

  // The failures that look like success to a naive engine (wp-load.php exits 0 for all of them).
  // They break the site, so they run last.
  test('a failure inside WordPress (wp_die: tables unavailable) fails the symbol, with the reason on stderr and nothing on stdout', () => {
    sql(`RENAME TABLE ${facts.DB_TABLE_PREFIX}options TO ${facts.DB_TABLE_PREFIX}options_hidden`);
    try {
      const r = engineRun('read-title', { operation: 'option.get', option: 'blogname' });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('did not load: WordPress stopped with wp_die()');
      expect(r.stderr).toContain('One or more database tables are unavailable');
    } finally {
      sql(`RENAME TABLE ${facts.DB_TABLE_PREFIX}options_hidden TO ${facts.DB_TABLE_PREFIX}options`);
    }
    expect(engineRun('read-title', { operation: 'option.get', option: 'blogname' }).code).toBe(0);
  });

  test('a site that is not installed fails the symbol (a warm engine that had loaded it fails too)', async () => {
    // Loaded while the site is whole; the next test stops the server under it.
    outagePool = warmPool();
    expect((await warmRun(outagePool, 'read-title', { operation: 'option.get', option: 'blogname' })).ok).toBe(true);
    sql(`DROP DATABASE \`${facts.DB_NAME}\`; CREATE DATABASE \`${facts.DB_NAME}\``);
    const r = engineRun('read-title', { operation: 'option.get', option: 'blogname' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('is not installed');
    const warm = await warmRun(outagePool, 'read-title', { operation: 'option.get', option: 'blogname' });
    expect(warm).toMatchObject({ ok: false, retryable: true });
    expect(!warm.ok && warm.error.message).toContain("doesn't exist");
  });

  test('a database that is down fails the symbol; the probe still answers, without WordPress', async () => {
    // The warm engine of the test before has WordPress loaded; the server goes away under it.
    const pool = outagePool ?? warmPool();
    const pid = Number(facts.MARIADB_PID);
    expect(pid).toBeGreaterThan(0);
    try {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 200 && isAlive(pid); i++) await Bun.sleep(50);
      expect(isAlive(pid)).toBe(false);
      // Its first request after the outage fails clearly, and the engine is replaced; the fresh
      // one fails to load WordPress, as a process would.
      const lost = await warmRun(pool, 'read-title', { operation: 'option.get', option: 'blogname' });
      expect(lost).toMatchObject({ ok: false, retryable: true });
      expect(!lost.ok && lost.error.message).toMatch(/Error establishing a database connection|database connection is gone/);
      expect(pool.stats().recycled).toBe(1);
      const again = await warmRun(pool, 'read-title', { operation: 'option.get', option: 'blogname' });
      expect(!again.ok && again.error.message).toContain('Error establishing a database connection');
      expect((await warmRun(pool, 'probe', { operation: 'swarm.probe' })).ok).toBe(true);
    } finally {
      await pool.close();
    }
    expect(warmEngines()).toEqual([]);

    const r = engineRun('read-title', { operation: 'option.get', option: 'blogname' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Error establishing a database connection');

    const probe = engineRun('swarm.probe', { probe: true });
    expect(probe.code).toBe(0);
    expect(JSON.parse(probe.stdout)).toMatchObject({ probe: 'ok', wordpress: facts.WP_VERSION });
  });
});

/** Running, and not a zombie waiting to be reaped (kill(pid, 0) succeeds on one). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}
