import { createInterface } from 'node:readline/promises';

/** Asks a yes/no question on the terminal; only "y" or "yes" is yes (Ctrl-D or Enter is no). */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(question).then(resolve, () => resolve(''));
      rl.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
