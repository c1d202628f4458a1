import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Files of src/ over `maxLines`, and functions (declarations, methods, arrows, function expressions) over `maxFunctionLines`. */
export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 80;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

export interface Oversize {
  /** "src/…/file.ts" or "src/…/file.ts:name". */
  where: string;
  lines: number;
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  return `(anonymous at line ${line})`;
}

function isFunctionLike(node: ts.Node): boolean {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** Lines a node spans (first to last line, inclusive). */
function spanLines(node: ts.Node, source: ts.SourceFile): number {
  const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
  const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
  return end - start + 1;
}

export function oversizeFiles(root: string): Oversize[] {
  return tsFiles(path.join(root, 'src'))
    .map((file) => ({
      where: path.relative(root, file).split(path.sep).join('/'),
      lines: readFileSync(file, 'utf8').split('\n').length - 1,
    }))
    .filter((f) => f.lines > MAX_FILE_LINES);
}

export function oversizeFunctions(root: string): Oversize[] {
  const out: Oversize[] = [];
  for (const file of tsFiles(path.join(root, 'src'))) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (isFunctionLike(node)) {
        const lines = spanLines(node, source);
        if (lines > MAX_FUNCTION_LINES) out.push({ where: `${rel}:${functionName(node, source)}`, lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}
