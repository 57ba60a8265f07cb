/**
 * Reads the import graph of the repository's source (static imports, re-exports and dynamic `import('…')` with a
 * literal specifier), with the TypeScript parser so that `import type` is told apart from imports that run. The
 * architecture test checks its layering rules and cycles against this graph.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Repository-relative path of the importing file. */
  from: string;
  /** Repository-relative path of the imported file, or `package:<name>` / `node:<name>` for libraries. */
  to: string;
  /** Erased at compile time (`import type`, or every named import is a type). */
  typeOnly: boolean;
  /** `import('…')` inside a function: loaded on demand, not when the module loads. */
  dynamic: boolean;
  line: number;
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.mjs', '.js'];
const BUILTINS = new Set(builtinModules);

/** The module a specifier names: a file of the repository, a package (scope included) or a Node builtin. */
function resolveSpecifier(root: string, fromFile: string, specifier: string): string {
  if (specifier.startsWith('.')) {
    const base = resolve(dirname(join(root, fromFile)), specifier.split('?')[0]!);
    const candidates = [base, ...SOURCE_EXTENSIONS.map((e) => base + e), ...SOURCE_EXTENSIONS.map((e) => join(base, `index${e}`))];
    const found = candidates.find((c) => existsSync(c) && !c.endsWith('/'));
    return relative(root, found ?? base);
  }
  if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0]!)) return `node:${specifier.replace(/^node:/, '')}`;
  const parts = specifier.split('/');
  return `package:${specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]}`;
}

function importIsTypeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // a bare `import './x'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** The import edges of one source text. */
export function importsOf(root: string, file: string, text: string): ImportEdge[] {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, node: ts.Node, typeOnly: boolean, dynamic: boolean) => {
    edges.push({ from: file, to: resolveSpecifier(root, file, specifier), typeOnly, dynamic, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node, importIsTypeOnly(node), false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(node.moduleSpecifier.text, node, node.isTypeOnly || (named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly)), false);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) add(argument.text, node, false, true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, node, true, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** Every import edge of the given repository-relative files. */
export function importGraph(root: string, files: readonly string[]): ImportEdge[] {
  return files.flatMap((file) => importsOf(root, file, readFileSync(join(root, file), 'utf8')));
}

/** Cycles among repository files through imports that run when a module loads (type-only and dynamic ones excluded). */
export function runtimeCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (e.typeOnly || e.dynamic || e.to.startsWith('package:') || e.to.startsWith('node:')) continue;
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  // Tarjan's strongly connected components; every component of two or more files is a cycle.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) connect(v);
  return components;
}
