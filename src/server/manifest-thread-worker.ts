/**
 * The thread body of ManifestThread (manifest-thread.ts): parses and validates one posted
 * manifest at a time, so a large one never holds up the dispatcher's event loop.
 */
import { ManifestError } from '../errors.ts';
import { parseManifest } from '../manifest/index.ts';
import type { ManifestJob, ManifestJobResult } from './manifest-thread.ts';

declare const self: Worker;

self.onmessage = (event: MessageEvent<ManifestJob>) => {
  const { id, source, options } = event.data;
  let result: ManifestJobResult;
  try {
    const { manifest, format } = parseManifest(source, options);
    // As JSON, the form a run stores: a TOML date keeps the text it was written as.
    result = { id, ok: true, manifestJson: JSON.stringify(manifest), format };
  } catch (error) {
    result =
      error instanceof ManifestError
        ? { id, ok: false, issues: error.issues, problems: error.problems }
        : { id, ok: false, failure: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  self.postMessage(result);
};
