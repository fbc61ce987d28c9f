import { findCycles, formatCycle, type DependencyGraph } from './graph.ts';
import type { IssueDraft } from './issue-builder.ts';
import type { RawSymbolView } from './raw-symbols.ts';
import { SpellingIndex } from './suggest.ts';
import { shownName } from './shown-name.ts';

/**
 * Checks that need more than one symbol: unique names (symbols and rollbacks share one
 * namespace), dependencies that exist, are not repeated and do not point at their own symbol,
 * and no cycles. Works on the forgiving view so it reports alongside schema problems. Written
 * for manifests of a million symbols: one name index serves every check, paths and messages
 * are built only for a problem, and the graph is two typed arrays.
 */
export function checkAcrossSymbols(symbols: readonly RawSymbolView[]): IssueDraft[] {
  const names = new NameIndex(symbols);
  return [...names.duplicates, ...checkDependencies(symbols, names), ...checkCycles(symbols, names)];
}

/**
 * Who uses each name first, in reading order (a symbol, then its rollback): a code per name,
 * 2p for the symbol at view position p, 2p + 1 for its rollback.
 */
class NameIndex {
  readonly duplicates: IssueDraft[] = [];
  readonly rollbackNames = new Set<string>();
  private readonly firstUse = new Map<string, number>();
  /** The first symbol of a name whose first user was a rollback (a duplicate, so rare). */
  private readonly symbolAfterRollback = new Map<string, number>();

  constructor(private readonly symbols: readonly RawSymbolView[]) {
    for (let at = 0; at < symbols.length; at++) {
      const view = symbols[at];
      if (view.name !== undefined) this.claim(view.name, 2 * at);
      const rollbackName = view.rollback?.name;
      if (rollbackName !== undefined) {
        this.rollbackNames.add(rollbackName);
        this.claim(rollbackName, 2 * at + 1);
      }
    }
  }

  /** The view position of the first symbol named `name`, if any. */
  symbolAt(name: string): number | undefined {
    const code = this.firstUse.get(name);
    if (code === undefined) return undefined;
    return code % 2 === 0 ? code / 2 : this.symbolAfterRollback.get(name);
  }

  private claim(name: string, code: number): void {
    const previous = this.firstUse.get(name);
    if (previous === undefined) {
      this.firstUse.set(name, code);
      return;
    }
    if (code % 2 === 0 && previous % 2 === 1 && !this.symbolAfterRollback.has(name)) this.symbolAfterRollback.set(name, code / 2);
    this.duplicates.push({ path: this.namePath(code), message: `duplicate name "${shownName(name)}": ${this.owner(previous)} already has it`, other: this.namePath(previous) });
  }

  /** Counted from 1, as the lines next to it are (symbols[0] read as "the 0th" to users). */
  private owner(code: number): string {
    const position = this.symbols[Math.floor(code / 2)].index + 1;
    return code % 2 === 0 ? `symbol #${position}` : `the rollback of symbol #${position}`;
  }

  private namePath(code: number): (string | number)[] {
    const index = this.symbols[Math.floor(code / 2)].index;
    return code % 2 === 0 ? ['symbols', index, 'name'] : ['symbols', index, 'rollback', 'name'];
  }
}

function checkDependencies(symbols: readonly RawSymbolView[], names: NameIndex): IssueDraft[] {
  let spelling: SpellingIndex | undefined; // built for the first unknown dependency only
  const drafts: IssueDraft[] = [];
  // Indexed loops, here and below: an iterator per symbol is a million objects of garbage.
  for (let at = 0; at < symbols.length; at++) {
    const symbol = symbols[at];
    const dependencies = symbol.dependencies;
    if (dependencies.length === 0) continue;
    // A set only when something could be listed twice.
    const listed = dependencies.length > 1 ? new Set<string>() : null;
    for (let d = 0; d < dependencies.length; d++) {
      const dependency = dependencies[d];
      const problem =
        dependency.name === symbol.name
          ? 'a symbol cannot depend on itself'
          : listed?.has(dependency.name)
            ? `"${shownName(dependency.name)}" is listed more than once`
            : names.symbolAt(dependency.name) !== undefined
              ? undefined
              : names.rollbackNames.has(dependency.name)
                ? `"${shownName(dependency.name)}" is a rollback, which runs only when its parent fails; ` +
                  'depend on a symbol instead'
                : `unknown dependency "${shownName(dependency.name)}"${(spelling ??= new SpellingIndex(symbolNames(symbols))).didYouMean(dependency.name)}`;
      listed?.add(dependency.name);
      if (problem !== undefined) drafts.push({ path: ['symbols', symbol.index, 'dependencies', dependency.index], message: problem });
    }
  }
  return drafts;
}

function symbolNames(symbols: readonly RawSymbolView[]): Set<string> {
  const names = new Set<string>();
  for (const symbol of symbols) if (symbol.name !== undefined) names.add(symbol.name);
  return names;
}

const NONE = new Int32Array(0);

function checkCycles(symbols: readonly RawSymbolView[], names: NameIndex): IssueDraft[] {
  // Nodes are view positions; a dependency edge goes to the first symbol of its name (the
  // others are duplicates, already reported). Unnamed symbols are nodes nothing can point
  // at, so they are in no cycle.
  const start = new Int32Array(symbols.length + 1);
  let count = 0;
  for (let node = 0; node < symbols.length; node++) {
    const dependencies = symbols[node].dependencies;
    for (let d = 0; d < dependencies.length; d++) {
      const target = names.symbolAt(dependencies[d].name);
      if (target !== undefined && target !== node) count++;
    }
  }
  const targets = new Int32Array(count);
  count = 0;
  for (let node = 0; node < symbols.length; node++) {
    start[node] = count;
    const dependencies = symbols[node].dependencies;
    for (let d = 0; d < dependencies.length; d++) {
      const target = names.symbolAt(dependencies[d].name);
      if (target !== undefined && target !== node) targets[count++] = target;
    }
  }
  start[symbols.length] = count;
  const graph: DependencyGraph = {
    count: symbols.length,
    dependenciesOf: (node) => (start[node] === start[node + 1] ? NONE : targets.subarray(start[node], start[node + 1])),
  };
  const cycles = findCycles(graph);
  if (cycles.length === 0) return [];
  const shown = symbols.map((symbol) => symbol.name ?? '');
  return cycles.map((cycle) => {
    const [first, second] = [symbols[cycle[0]], shown[cycle[1]]];
    const entry = first.dependencies.find((dependency) => dependency.name === second)!;
    return {
      path: ['symbols', first.index, 'dependencies', entry.index],
      message: `dependency cycle: ${formatCycle(cycle, shown)} (each symbol depends on the next)`,
    };
  });
}
