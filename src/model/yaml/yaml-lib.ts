/**
 * The `yaml` package, loaded on first use: only the slow path (files js-yaml refuses) and
 * source positions (errors, locate) need it, and loading it costs a CLI run ~80 ms.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let lib: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  return (lib ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}
