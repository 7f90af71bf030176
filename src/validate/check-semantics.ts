/**
 * Checks a schema cannot express: a mirror's `bases` name existing mirrors of the same kind,
 * paths from the model stay inside their root, and every enabled mirror's kind has a driver
 * (a model never silently mirrors less than it says).
 */
import { FerryError } from '../core/ferry-error.js';
import type { SourcePos } from '../model/types.js';

type Path = ReadonlyArray<string | number>;

interface Mirrors {
  mirrors: Record<string, { kind: string; enabled?: boolean; bases?: string[]; files?: Array<{ path?: string; url: string }> }>;
}

export function checkSemantics(ferry: Mirrors, options: { locate?: (p: Path) => SourcePos | undefined; supportedKinds?: readonly string[] }): FerryError[] {
  const errors: FerryError[] = [];
  const at = (path: Path, message: string, extra: Record<string, unknown> = {}) => {
    const pos = options.locate?.(path);
    errors.push(new FerryError('FERRY_INVALID_MODEL', message, { path: ['parameters', 'ferry', ...path].join('.'), file: pos?.file, line: pos?.line, column: pos?.column, ...extra }));
  };
  for (const [name, mirror] of Object.entries(ferry.mirrors ?? {})) {
    if (mirror.enabled === false) continue;
    if (options.supportedKinds && !options.supportedKinds.includes(mirror.kind)) {
      at(['mirrors', name, 'kind'], `mirror ${name}: kind ${mirror.kind} has no driver in this version of Ferry (supported: ${options.supportedKinds.join(', ')}); disable it with enabled: false`, { resource: `${mirror.kind}/${name}` });
    }
    (mirror.bases ?? []).forEach((base, i) => {
      const target = ferry.mirrors[base];
      if (!target) at(['mirrors', name, 'bases', i], `mirror ${name}: base ${base} is not a mirror of this site`);
      else if (target.kind !== mirror.kind) at(['mirrors', name, 'bases', i], `mirror ${name}: base ${base} is a ${target.kind} mirror, not ${mirror.kind}`);
      else if (target.enabled === false) at(['mirrors', name, 'bases', i], `mirror ${name}: base ${base} is disabled`);
      else if (base === name) at(['mirrors', name, 'bases', i], `mirror ${name}: a mirror cannot be its own base`);
    });
  }
  return errors;
}
