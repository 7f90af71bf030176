/**
 * The `kind: pypi` spec, typed and checked beyond the schema: each requirement parses (PEP 508),
 * at least one source of projects, something to mirror (wheels or sdists). Pure.
 */
import { FerryError, FerryErrors } from '../../core/ferry-error.js';
import { modelPath } from '../../core/model-path.js';
import { parseRequirementsFile } from './requirements-file.js';
import { parseRequirement, type Requirement } from './requirement.js';

export interface RequirementsSource {
  url?: string;
  /** A file of the model's folder, inlined by the desired stage into PypiSpec.modelFiles. */
  path?: string;
  text?: string;
  sha256?: string;
}

/** A model file's content, as the desired stage inlined it (desired/model-files.ts). */
export interface ModelFile {
  text: string;
  sha256: string;
}

export interface PypiSpec {
  indexUrl: string;
  projects: Requirement[];
  requirements: RequirementsSource[];
  constraints: RequirementsSource[];
  withDeps: boolean;
  pythonVersions?: string[];
  platforms?: string[];
  wheels: boolean;
  sdists: boolean;
  prereleases: boolean;
  allProjects: boolean;
  allow: string[];
  deny: string[];
  /** The model files the requirements name (by path) and those files include, by path. */
  modelFiles: Record<string, ModelFile>;
}

const DEFAULTS = { with_deps: false, wheels: true, sdists: true, prereleases: false, all_projects: false };

/** Booleans left implicit are written out; the index URL ends with `/`. */
export function withPypiDefaults(spec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...DEFAULTS, ...spec };
  if (typeof out.index_url === 'string' && !out.index_url.endsWith('/')) out.index_url = `${out.index_url}/`;
  return out;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const sources = (v: unknown): RequirementsSource[] =>
  Array.isArray(v)
    ? v.map((s: Record<string, unknown>) => ({
        ...(typeof s.url === 'string' ? { url: s.url } : {}),
        // As the desired stage keys model_files (`./reqs/a.txt` is `reqs/a.txt`); a refused path stays as written (validate names it).
        ...(typeof s.path === 'string' ? { path: ((p) => ('path' in p ? p.path : s.path))(modelPath(s.path)) } : {}),
        ...(typeof s.text === 'string' ? { text: s.text } : {}),
        ...(typeof s.sha256 === 'string' ? { sha256: s.sha256 } : {}),
      }))
    : [];

function modelFiles(v: unknown): Record<string, ModelFile> {
  if (typeof v !== 'object' || v === null) return {};
  const out: Record<string, ModelFile> = {};
  for (const [path, f] of Object.entries(v as Record<string, { text?: unknown; sha256?: unknown }>)) {
    if (typeof f?.text === 'string' && typeof f.sha256 === 'string') out[path] = { text: f.text, sha256: f.sha256 };
  }
  return out;
}

/** The paths of the requirements and constraints files a spec names (Kind.modelFiles.named). */
export function namedRequirementsFiles(spec: Record<string, unknown>): Array<{ path: string; field: Array<string | number> }> {
  return (['requirements', 'constraints'] as const).flatMap((key) => sources(spec[key]).flatMap((s, i) => (s.path !== undefined ? [{ path: s.path, field: [key, i, 'path'] }] : [])));
}

export function parsePypiSpec(spec: Record<string, unknown>, ctx: { resource: string }): PypiSpec {
  const { resource } = ctx;
  const errors: FerryError[] = [];
  const projects: Requirement[] = [];
  strings(spec.projects).forEach((text, i) => {
    try {
      const r = parseRequirement(text);
      if (r.url) throw new Error('a URL requirement names no version of the index');
      projects.push(r);
    } catch (e) {
      errors.push(new FerryError('FERRY_INVALID_MODEL', `${resource}: projects[${i}] ${JSON.stringify(text)}: ${(e as Error).message}`, { resource, field: ['projects', i], actual: text }));
    }
  });
  for (const key of ['requirements', 'constraints'] as const) {
    sources(spec[key]).forEach((s, i) => {
      if (s.path !== undefined && s.sha256 !== undefined) {
        const got = modelFiles(spec.model_files)[s.path]?.sha256;
        if (got !== undefined && got !== s.sha256) errors.push(new FerryError('FERRY_DIGEST_MISMATCH', `${resource}: ${key}[${i}]: ${s.path} has sha256 ${got}, the model says ${s.sha256}`, { resource, field: [key, i, 'sha256'], expected: s.sha256, actual: got }));
      }
      if (s.text === undefined) return;
      for (const err of parseRequirementsFile(s.text).errors) {
        errors.push(new FerryError('FERRY_INVALID_MODEL', `${resource}: ${key}[${i}] line ${err.line}: ${err.message}`, { resource, field: [key, i, 'text'] }));
      }
    });
  }
  const allProjects = spec.all_projects === true;
  if (!allProjects && projects.length === 0 && errors.length === 0 && sources(spec.requirements).length === 0) {
    errors.push(new FerryError('FERRY_INVALID_MODEL', `${resource}: name projects, requirements files, or all_projects: true`, { resource, field: ['projects'] }));
  }
  if (spec.wheels === false && spec.sdists === false) errors.push(new FerryError('FERRY_INVALID_MODEL', `${resource}: wheels and sdists are both off: nothing would be mirrored`, { resource, field: ['wheels'] }));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new FerryErrors(errors);
  return {
    indexUrl: String(spec.index_url),
    projects,
    requirements: sources(spec.requirements),
    constraints: sources(spec.constraints),
    withDeps: spec.with_deps === true,
    ...(Array.isArray(spec.python_versions) ? { pythonVersions: strings(spec.python_versions) } : {}),
    ...(Array.isArray(spec.platforms) ? { platforms: strings(spec.platforms) } : {}),
    wheels: spec.wheels !== false,
    sdists: spec.sdists !== false,
    prereleases: spec.prereleases === true,
    allProjects,
    allow: strings(spec.allow),
    deny: strings(spec.deny),
    modelFiles: modelFiles(spec.model_files),
  };
}
