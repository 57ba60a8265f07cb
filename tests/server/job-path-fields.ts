// Walks the job parameter schemas (shared/api/jobs.ts) without values: every string field, where it sits, and
// whether it is marked as a workspace path. Shared by the schema test and the browser-mode security test.
import type { z } from 'zod';
import { pathKindOf, schemaDef, unwrappedSchema, type JobPathKind } from '../../shared/api/job-paths.ts';

export interface StringField {
  /** e.g. `sources[].path`, `reward.reward.oracle.path` */
  field: string;
  /** The last property name. */
  name: string;
  schema: z.ZodType;
  kind: JobPathKind | undefined;
}

/** Every string schema reachable from `schema`, with the property path leading to it (recursion followed once). */
export function stringFields(schema: z.ZodType, field = '', name = '', seen = new Set<z.ZodType>()): StringField[] {
  const kind = pathKindOf(schema);
  const def = schemaDef(schema);
  if (kind !== undefined || def.type === 'string') return [{ field, name, schema, kind }];
  if (seen.has(schema)) return [];
  seen.add(schema);
  const join = (key: string) => (field === '' ? key : `${field}.${key}`);
  const inner = unwrappedSchema(schema);
  if (inner) return stringFields(inner, field, name, seen);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([key, child]) => stringFields(child, join(key), key, seen));
    case 'array':
      return stringFields(def.element!, `${field}[]`, name, seen);
    case 'tuple':
      return [...(def.items ?? []), ...(def.rest ? [def.rest] : [])].flatMap((item) => stringFields(item, `${field}[]`, name, seen));
    case 'record':
      return stringFields(def.valueType!, `${field}{}`, name, seen);
    case 'union':
      return (def.options ?? []).flatMap((option) => stringFields(option, field, name, seen));
    case 'intersection':
      return [...stringFields(def.left!, field, name, seen), ...stringFields(def.right!, field, name, seen)];
    default:
      return [];
  }
}

/** Property names that name files or folders. */
export const PATH_LIKE_NAME = /(^|[a-z_])(path|paths|dir|dirs|directory|file|files|filename|folder|out|output|destination|dest|reference|data|val|cwd|model|root|location|source)$/i;

/** Values a field that claims not to be a path must refuse. */
export const PATH_PROBES = ['/etc/passwd', '../../etc/passwd', '..', 'C:\\Windows\\win.ini', '~/.ssh/id_rsa'];

/** String fields whose name looks like a path, that are not marked, and that accept some path probe. */
export function unconfinedPathFields(schema: z.ZodType): StringField[] {
  return stringFields(schema).filter(
    (f) => f.kind === undefined && PATH_LIKE_NAME.test(f.name) && PATH_PROBES.some((probe) => f.schema.safeParse(probe).success),
  );
}

/** The marked path fields of a schema. */
export function markedPathFields(schema: z.ZodType): StringField[] {
  return stringFields(schema).filter((f) => f.kind !== undefined);
}
