import { isMap, isScalar, isSeq } from 'yaml';
import { describeValue } from './schema-issues.ts';

/** What a YAML node is, in words for a message: "a list", "the number 5", "binary data (!!binary)". */
export function describeNode(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return describeValue(node.value);
  return 'nothing (an empty value)';
}
