/**
 * Every visible string comes from the catalogs: both catalogs have the same keys, every key the
 * code uses exists, and no JSX carries a literal text or a literal user-facing attribute.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import en from "../i18n/en.json";
import zhTW from "../i18n/zh-TW.json";

const SRC = join(process.cwd(), "src");
const VISIBLE_ATTRIBUTES = new Set(["aria-label", "title", "placeholder", "alt", "label", "aria-description"]);

function flatten(value: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof value === "string") out.set(prefix, value);
  else if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      for (const [k, v] of flatten(child, prefix ? `${prefix}.${key}` : key)) out.set(k, v);
    }
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name: string) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "test" ? [] : sources(path);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

const enKeys = flatten(en);
const zhKeys = flatten(zhTW);
/** A plural key (`count_one`) satisfies `count`. */
const has = (keys: Map<string, string>, key: string) => keys.has(key) || keys.has(`${key}_one`) || keys.has(`${key}_other`);
const hasPrefix = (keys: Map<string, string>, prefix: string) => [...keys.keys()].some((k) => k.startsWith(prefix));

type Usage = { file: string; key: string; dynamic: boolean };
type Literal = { file: string; line: number; text: string };

function scan(): { usages: Usage[]; literals: Literal[] } {
  const usages: Usage[] = [];
  const literals: Literal[] = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const where = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    const rel = relative(SRC, file);
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "t" && node.arguments[0]) {
        const arg = node.arguments[0];
        if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) usages.push({ file: rel, key: arg.text, dynamic: false });
        else if (ts.isTemplateExpression(arg)) usages.push({ file: rel, key: arg.head.text, dynamic: true });
      }
      if (ts.isJsxText(node) && node.text.trim() && /[\p{L}\p{N}]/u.test(node.text)) {
        literals.push({ file: rel, line: where(node), text: node.text.trim() });
      }
      if (ts.isJsxAttribute(node) && VISIBLE_ATTRIBUTES.has(node.name.getText()) && node.initializer) {
        const init = node.initializer;
        const literal = ts.isStringLiteral(init) ? init : ts.isJsxExpression(init) && init.expression && ts.isStringLiteral(init.expression) ? init.expression : null;
        if (literal && literal.text.trim()) literals.push({ file: rel, line: where(node), text: `${node.name.getText()}="${literal.text}"` });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { usages, literals };
}

const { usages, literals } = scan();

describe("i18n catalogs", () => {
  it("have the same keys in en and zh-TW", () => {
    const onlyEn = [...enKeys.keys()].filter((k) => !zhKeys.has(k));
    const onlyZh = [...zhKeys.keys()].filter((k) => !enKeys.has(k));
    expect({ onlyEn, onlyZh }).toEqual({ onlyEn: [], onlyZh: [] });
  });

  it("have no empty translation", () => {
    const empty = [...enKeys, ...zhKeys].filter(([, v]) => !v.trim()).map(([k]) => k);
    expect(empty).toEqual([]);
  });

  it("contain every key the code uses, in both languages", () => {
    expect(usages.length).toBeGreaterThan(100);
    const missing = usages
      .filter((u) => (u.dynamic ? !(hasPrefix(enKeys, u.key) && hasPrefix(zhKeys, u.key)) : !(has(enKeys, u.key) && has(zhKeys, u.key))))
      .map((u) => `${u.file}: ${u.key}${u.dynamic ? "…" : ""}`);
    expect(missing).toEqual([]);
  });
});

describe("JSX", () => {
  it("has no literal visible text or labels (everything goes through t())", () => {
    // Symbols that are not words (arrows, the drag-handle glyph) are allowed; words are not.
    expect(literals.map((l) => `${l.file}:${l.line} ${l.text}`)).toEqual([]);
  });
});
