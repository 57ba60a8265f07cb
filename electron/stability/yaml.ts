/**
 * A reader for the small YAML subset that pymatgen's correction files use: nested block mappings ("key:" opens a
 * deeper level, "key: value" sets a scalar), comments, and scalars that are numbers, booleans, null or plain
 * strings. Anything else (lists, flow collections, anchors, multi-line strings, tabs) is refused with the line named,
 * so a file in a richer dialect fails loudly instead of being half-read. No YAML library is among our dependencies,
 * and this subset is all MP2020Compatibility.yaml needs.
 */

export type YamlScalar = number | string | boolean | null;
export interface YamlMapping {
  [key: string]: YamlScalar | YamlMapping;
}

export class YamlSubsetError extends Error {
  override name = 'YamlSubsetError';
}

function parseScalar(text: string, fail: (message: string) => never): YamlScalar {
  if (text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (/^(['"]).*\1$/.test(text)) return text.slice(1, -1);
  if (/^[[{&*!|>@`%]/.test(text)) fail(`unsupported YAML value '${text}' (only plain scalars are read)`);
  return text;
}

/** Parses `text` into nested mappings; `source` names the file in errors ("file:line: message"). */
export function parseYamlMapping(text: string, source: string): YamlMapping {
  const root: YamlMapping = {};
  // Open mappings with the indentation of their keys; a deeper indentation is only allowed right after "key:".
  const stack: { indent: number; mapping: YamlMapping }[] = [{ indent: 0, mapping: root }];
  let pendingChild: YamlMapping | null = null;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const fail = (message: string): never => {
      throw new YamlSubsetError(`${source}:${index + 1}: ${message}`);
    };
    const raw = lines[index]!;
    if (/^\s*(#.*)?$/.test(raw)) continue;
    if (raw.includes('\t')) fail('tab characters are not supported; indent with spaces');
    if (/^(---|\.\.\.)\s*$/.test(raw)) fail('multiple YAML documents are not supported');
    const indent = raw.length - raw.trimStart().length;
    // A comment starts at " #" (a '#' inside a plain value would need quoting in YAML anyway).
    const content = raw.trim().replace(/\s+#.*$/, '');
    const match = /^([^:#'"[\]{},&*!|>-][^:]*?|'[^']*'|"[^"]*"):(?:\s+(.*))?$/.exec(content);
    if (match === null) fail(`expected 'key: value' or 'key:' (lists and flow collections are not supported), got '${content}'`);
    const key = match![1]!.replace(/^(['"])(.*)\1$/, '$2');
    const valueText = match![2]?.trim() ?? '';

    if (pendingChild !== null) {
      if (indent > stack.at(-1)!.indent) stack.push({ indent, mapping: pendingChild });
      pendingChild = null;
    }
    while (indent < stack.at(-1)!.indent) stack.pop();
    const level = stack.at(-1)!;
    if (indent !== level.indent) fail(`indentation ${indent} does not match any open mapping`);
    if (Object.hasOwn(level.mapping, key)) fail(`duplicate key '${key}'`);
    if (valueText === '') {
      const child: YamlMapping = {};
      level.mapping[key] = child;
      pendingChild = child;
    } else {
      level.mapping[key] = parseScalar(valueText, fail);
    }
  }
  return root;
}
