import type { DataPath } from './document.ts';
import { findCycles, formatCycle, type DependencyGraph } from './graph.ts';
import type { IssueDraft } from './issue-builder.ts';
import type { RawSymbolView } from './raw-symbols.ts';
import { SpellingIndex } from './suggest.ts';

/**
 * Checks that need more than one symbol: unique names (symbols and rollbacks share one
 * namespace), dependencies that exist, are not repeated and do not point at their own symbol,
 * and no cycles. Works on the forgiving view so it reports alongside schema problems.
 */
export function checkAcrossSymbols(symbols: readonly RawSymbolView[]): IssueDraft[] {
  return [...checkUniqueNames(symbols), ...checkDependencies(symbols), ...checkCycles(symbols)];
}

function checkUniqueNames(symbols: readonly RawSymbolView[]): IssueDraft[] {
  const firstUse = new Map<string, string>();
  const drafts: IssueDraft[] = [];
  const claim = (name: string | undefined, path: DataPath, owner: string) => {
    if (name === undefined) return;
    const previous = firstUse.get(name);
    if (previous === undefined) firstUse.set(name, owner);
    else drafts.push({ path, message: `duplicate name "${name}": ${previous} already has it` });
  };
  for (const symbol of symbols) {
    claim(symbol.name, ['symbols', symbol.index, 'name'], `symbols[${symbol.index}]`);
    const rollbackPath = ['symbols', symbol.index, 'rollback', 'name'];
    claim(symbol.rollback?.name, rollbackPath, `the rollback of symbols[${symbol.index}]`);
  }
  return drafts;
}

function checkDependencies(symbols: readonly RawSymbolView[]): IssueDraft[] {
  const symbolNames = new Set(symbols.map((symbol) => symbol.name).filter((name) => name !== undefined));
  const rollbackNames = new Set(symbols.map((symbol) => symbol.rollback?.name).filter((name) => name !== undefined));
  let spelling: SpellingIndex | undefined; // built for the first unknown dependency only
  const drafts: IssueDraft[] = [];
  for (const symbol of symbols) {
    const listed = new Set<string>();
    for (const dependency of symbol.dependencies) {
      const path = ['symbols', symbol.index, 'dependencies', dependency.index];
      const problem =
        dependency.name === symbol.name
          ? 'a symbol cannot depend on itself'
          : listed.has(dependency.name)
            ? `"${dependency.name}" is listed more than once`
            : symbolNames.has(dependency.name)
              ? undefined
              : rollbackNames.has(dependency.name)
                ? `"${dependency.name}" is a rollback, which runs only when its parent fails; ` +
                  'depend on a symbol instead'
                : `unknown dependency "${dependency.name}"${(spelling ??= new SpellingIndex(symbolNames)).didYouMean(dependency.name)}`;
      listed.add(dependency.name);
      if (problem !== undefined) drafts.push({ path, message: problem });
    }
  }
  return drafts;
}

function checkCycles(symbols: readonly RawSymbolView[]): IssueDraft[] {
  // Graph over the named symbols; with duplicate names the first one wins (already reported).
  const named = symbols.filter((symbol) => symbol.name !== undefined);
  const nodeOf = new Map<string, number>();
  named.forEach((symbol, node) => nodeOf.has(symbol.name!) || nodeOf.set(symbol.name!, node));
  const edges = named.map((symbol, node) =>
    symbol.dependencies.flatMap(({ name }) => {
      const target = nodeOf.get(name);
      return target === undefined || target === node ? [] : [target];
    }),
  );
  const graph: DependencyGraph = { count: named.length, dependenciesOf: (node) => edges[node] };
  const names = named.map((symbol) => symbol.name!);
  return findCycles(graph).map((cycle) => {
    const [first, second] = [named[cycle[0]], names[cycle[1]]];
    const entry = first.dependencies.find((dependency) => dependency.name === second)!;
    return {
      path: ['symbols', first.index, 'dependencies', entry.index],
      message: `dependency cycle: ${formatCycle(cycle, names)} (each symbol depends on the next)`,
    };
  });
}
