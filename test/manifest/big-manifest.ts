/**
 * Generated manifests of any size with every kind of problem, seven per block of ten symbols
 * (symbol i, by i % 10):
 *   0 an unknown dependency (no near name)      5 an unknown internal operation
 *   1,2 a dependency cycle of two symbols       6 a misspelt dependency ("did you mean")
 *   3 a misspelt field                          7 a duplicate name (one more symbol)
 *   4 a timeout of the wrong type               8,9 nothing wrong
 */
export const PROBLEMS_PER_BLOCK = 7;

export function bigManifest(count: number, format: 'yaml' | 'toml'): string {
  const lines: string[] = format === 'yaml' ? ['name: big', 'symbols:'] : ['name = "big"'];
  const symbol = (name: string, extra: Record<string, string>) => {
    const fields: Record<string, string> = { name: `"${name}"`, type: '"action"', ...extra };
    if (format === 'yaml') {
      const [first, ...rest] = Object.entries(fields);
      lines.push(`  - ${first[0]}: ${first[1]}`, ...rest.map(([key, value]) => `    ${key}: ${value}`));
    } else {
      lines.push('[[symbols]]', ...Object.entries(fields).map(([key, value]) => `${key} = ${value.replace(/: /g, ' = ')}`));
    }
  };
  const noop = '{ operation: "noop" }';
  for (let i = 0; i < count; i++) {
    const extra: Record<string, string> = { parameters: noop };
    switch (i % 10) {
      case 0: extra.dependencies = `["nope-${i}"]`; break;
      case 1: extra.dependencies = `["s${i + 1}"]`; break;
      case 2: extra.dependencies = `["s${i - 1}"]`; break;
      case 3: extra.dependancies = '["s0"]'; break;
      case 4: extra.timeout = '"soon"'; break;
      case 5: extra.parameters = '{ operation: "nop" }'; break;
      case 6: extra.dependencies = `["s${i - 1}x"]`; break;
    }
    symbol(`s${i}`, extra);
    if (i % 10 === 7) symbol(`s${i}`, { parameters: noop });
  }
  return lines.join('\n') + '\n';
}
