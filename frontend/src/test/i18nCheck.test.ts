/** The guards of i18n.test.ts catch what they claim to (so a passing run means something). */
import ts from "typescript";
import { describe, expect, it } from "vitest";

function jsxTexts(code: string): string[] {
  const source = ts.createSourceFile("x.tsx", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && node.text.trim() && /[\p{L}\p{N}]/u.test(node.text)) found.push(node.text.trim());
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("literal detection", () => {
  it("finds words in JSX and ignores expressions and symbols", () => {
    expect(jsxTexts("const a = <p>Hello {name}</p>;")).toEqual(["Hello"]);
    expect(jsxTexts("const a = <p>{t('x')}</p>;")).toEqual([]);
    expect(jsxTexts("const a = <span aria-hidden='true'>⠿</span>;")).toEqual([]);
    expect(jsxTexts("const a = <p>繁體中文</p>;")).toEqual(["繁體中文"]);
  });
});
