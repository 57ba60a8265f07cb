/**
 * File paths inside job parameters, marked in the schemas so that one walker finds every one of them.
 *
 * A job parameter that names a file or folder is declared with `workspacePath()` (or `modelNameOrWorkspacePath()`
 * for a model given by name or by folder); the engine host and the supervisor resolve every marked string through
 * one helper (electron/host/jobs/workspace-paths.ts) that refuses anything outside the workspace. A path field
 * declared as a plain string would escape that check, so tests/server/job-paths.test.ts walks every job schema and
 * fails on a string field whose name looks like a path and that is neither marked nor unable to hold a path.
 *
 * Pure zod (zod 4 internals: `_zod.def`), browser-safe.
 */
import { z } from 'zod';

/** `workspace-path`: must lie inside the workspace. `model-or-workspace-path`: a shipped model's name, or such a path. */
export type JobPathKind = 'workspace-path' | 'model-or-workspace-path';

/** The marks: schema instance → what kind of path it holds. */
export const jobPathRegistry = z.registry<{ pathKind: JobPathKind }>();

/** A path the engine host reads or writes: absolute, or relative to the workspace; it must lie inside the workspace. */
export function workspacePath(): z.ZodString {
  // Registered last: zod's methods return new instances, and the mark belongs to this one.
  return z.string().min(1).max(4096).register(jobPathRegistry, { pathKind: 'workspace-path' });
}

/** A model by name in models/ (e.g. 'default') or a model folder inside the workspace (e.g. runs/rl-1/model). */
export function modelNameOrWorkspacePath(): z.ZodString {
  return z.string().min(1).max(4096).register(jobPathRegistry, { pathKind: 'model-or-workspace-path' });
}

/** Marks an existing string schema (e.g. one declared outside shared/api) as a workspace path. */
export function markWorkspacePath<S extends z.ZodType<string>>(schema: S): S {
  jobPathRegistry.add(schema, { pathKind: 'workspace-path' });
  return schema;
}

/** Where a marked string sits in the params, e.g. `sources[2].path`. */
export type FieldPath = string;

/** zod 4's internal definition, reduced to the members the walkers read. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  getter?: () => z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  items?: readonly z.ZodType[];
  rest?: z.ZodType | null;
  left?: z.ZodType;
  right?: z.ZodType;
}

export function schemaDef(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/**
 * The schema a wrapper stands for (optional, nullable, default, prefault, catch, readonly, nonoptional: the inner
 * type; lazy: its target; pipe: its input side), or undefined when `schema` is not a wrapper.
 */
export function unwrappedSchema(schema: z.ZodType): z.ZodType | undefined {
  const def = schemaDef(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return def.innerType!;
    case 'lazy':
      return def.getter!();
    case 'pipe':
      return def.in!;
    default:
      return undefined;
  }
}

export function pathKindOf(schema: z.ZodType): JobPathKind | undefined {
  return jobPathRegistry.get(schema)?.pathKind;
}

function fieldName(parent: FieldPath, key: string | number): FieldPath {
  return typeof key === 'number' ? `${parent}[${key}]` : parent === '' ? key : `${parent}.${key}`;
}

/**
 * A copy of `value` (already parsed by `schema`) with every marked path string replaced by `visit`'s answer.
 * `visit` may throw to refuse a path; its `field` argument names where the path sits (`sources[0].path`).
 * Unions are followed into the member that accepts the value.
 */
export function mapJobPaths(schema: z.ZodType, value: unknown, visit: (path: string, kind: JobPathKind, field: FieldPath) => string, field: FieldPath = ''): unknown {
  const kind = pathKindOf(schema);
  if (kind !== undefined && typeof value === 'string') return visit(value, kind, field);
  if (value === undefined || value === null) return value;
  const inner = unwrappedSchema(schema);
  if (inner) return mapJobPaths(inner, value, visit, field);
  const def = schemaDef(schema);
  switch (def.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const [key, child] of Object.entries(def.shape ?? {})) {
        if (key in out) out[key] = mapJobPaths(child, out[key], visit, fieldName(field, key));
      }
      return out;
    }
    case 'array':
      return Array.isArray(value) ? value.map((item, i) => mapJobPaths(def.element!, item, visit, fieldName(field, i))) : value;
    case 'tuple':
      return Array.isArray(value)
        ? value.map((item, i) => {
            const child = def.items![i] ?? def.rest;
            return child ? mapJobPaths(child, item, visit, fieldName(field, i)) : item;
          })
        : value;
    case 'record': {
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = mapJobPaths(def.valueType!, item, visit, fieldName(field, key));
      return out;
    }
    case 'union': {
      const member = def.options!.find((option) => option.safeParse(value).success);
      return member ? mapJobPaths(member, value, visit, field) : value;
    }
    case 'intersection':
      return mapJobPaths(def.right!, mapJobPaths(def.left!, value, visit, field), visit, field);
    default:
      return value;
  }
}

/** Every marked path in `value` (parsed by `schema`), with where it sits. */
export function listJobPaths(schema: z.ZodType, value: unknown): { field: FieldPath; path: string; kind: JobPathKind }[] {
  const found: { field: FieldPath; path: string; kind: JobPathKind }[] = [];
  mapJobPaths(schema, value, (path, kind, field) => {
    found.push({ field, path, kind });
    return path;
  });
  return found;
}
