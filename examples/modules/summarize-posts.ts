/**
 * A processor module for the `module` internal operation: it runs inside a worker thread and
 * gets the symbol's parameters, its dependencies' outputs, the attempt number, an abort
 * signal, the shared state table and a logger.
 */
interface ProcessorContext {
  parameters: { titles?: string[]; maxLength?: number };
  dependencies: Record<string, unknown>;
  attempt: number;
  signal: AbortSignal;
  state: { get(key: string): Promise<unknown>; set(key: string, value: unknown): Promise<void> };
  log(message: string, level?: 'error' | 'warn' | 'info' | 'debug' | 'verbose'): Promise<void>;
}

export default async function summarizePosts({ parameters, dependencies, state, log }: ProcessorContext) {
  const titles = parameters.titles ?? [];
  const maxLength = parameters.maxLength ?? 24;
  const slugs = titles.map((title) =>
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, maxLength),
  );
  await state.set('posts.slugs', slugs);
  await log(`summarized ${titles.length} titles`);
  return { count: titles.length, slugs, site: dependencies['site-name'] ?? null };
}
