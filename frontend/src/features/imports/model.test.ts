import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/errors";
import { checkFile, contentTypeOf, countsOf, isPending, pageOf, problemLines, rowErrors, rowsFor, uploadPath, XLSX_TYPE, type ImportRow } from "./model";

const LIMITS = { maxBytes: 1000, maxInlineBytes: 100, maxRows: 50 };
const file = (name: string, size: number, type = "") => new File([new Uint8Array(size)], name, { type });

describe("checkFile", () => {
  it("takes CSV and XLSX files within the size limit", () => {
    expect(checkFile(file("teachers.csv", 10), LIMITS)).toBeNull();
    expect(checkFile(file("Teachers.XLSX", 1000), LIMITS)).toBeNull();
  });
  it("says what is wrong before anything is sent", () => {
    expect(checkFile(null, LIMITS)).toBe("missing");
    expect(checkFile(file("a.csv", 0), LIMITS)).toBe("empty");
    expect(checkFile(file("a.xls", 10), LIMITS)).toBe("type");
    expect(checkFile(file("a.pdf", 10), LIMITS)).toBe("type");
    expect(checkFile(file("a.csv", 1001), LIMITS)).toBe("size");
    expect(checkFile(file("a.csv", 1001), null)).toBeNull();
  });
});

describe("uploadPath and contentTypeOf", () => {
  it("sends files up to the inline limit with the request, larger ones through storage", () => {
    expect(uploadPath(file("a.csv", 100), LIMITS)).toBe("inline");
    expect(uploadPath(file("a.csv", 101), LIMITS)).toBe("presigned");
  });
  it("names a type when the browser gives none", () => {
    expect(contentTypeOf(file("a.csv", 1))).toBe("text/csv");
    expect(contentTypeOf(file("a.xlsx", 1))).toBe(XLSX_TYPE);
    expect(contentTypeOf(file("a.csv", 1, "application/vnd.ms-excel"))).toBe("application/vnd.ms-excel");
  });
});

describe("countsOf", () => {
  it("fills every action and the total", () => {
    expect(countsOf({ counts: { create: 2, error: 1 } })).toEqual({ rows: 3, create: 2, update: 0, unchanged: 0, error: 1 });
    expect(countsOf({ counts: { rows: 4, create: 4 } }).rows).toBe(4);
    expect(countsOf(null)).toEqual({ rows: 0, create: 0, update: 0, unchanged: 0, error: 0 });
  });
});

const ROWS: ImportRow[] = [
  { row: 2, action: "create", key: "a@example.org", changes: [], errors: [] },
  { row: 3, action: "error", key: "bad", changes: [], errors: [{ row: 3, column: "email", message: "not an e-mail" }, { message: "odd" }] },
  { row: 4, action: "update", key: "b@example.org", changes: ["remarks"], errors: [] },
];

describe("preview rows", () => {
  it("filters by action", () => {
    expect(rowsFor(ROWS, "all").map((r) => r.row)).toEqual([2, 3, 4]);
    expect(rowsFor(ROWS, "error").map((r) => r.row)).toEqual([3]);
  });
  it("pages in the browser, clamping the page", () => {
    const items = Array.from({ length: 7 }, (_, i) => i);
    expect(pageOf(items, 1, 3)).toEqual([0, 1, 2]);
    expect(pageOf(items, 3, 3)).toEqual([6]);
    expect(pageOf(items, 9, 3)).toEqual([6]);
    expect(pageOf([], 1, 3)).toEqual([]);
  });
  it("reads a row's errors with its row and column", () => {
    expect(rowErrors(ROWS[1]!)).toEqual([
      { row: 3, column: "email", message: "not an e-mail" },
      { row: 3, column: "", message: "odd" },
    ]);
  });
});

describe("isPending and problemLines", () => {
  it("offers a review only while the import can still be applied", () => {
    expect(isPending("validated")).toBe(true);
    expect(isPending("uploaded")).toBe(true);
    expect(isPending("applied")).toBe(false);
    expect(isPending("undone")).toBe(false);
    expect(isPending("awaiting-upload")).toBe(false);
  });
  it("lists the problem's field errors, a limited number of them", () => {
    const errors = Array.from({ length: 12 }, (_, i) => ({ field: `row ${i + 2}`, message: "changed since the import" }));
    const error = new ApiError(409, { type: "about:blank", title: "Conflict", status: 409, detail: "x", message: "x", errors }, null);
    const { lines, more } = problemLines(error);
    expect(lines[0]).toBe("row 2: changed since the import");
    expect(lines).toHaveLength(10);
    expect(more).toBe(2);
    expect(problemLines(new ApiError(500, null, null))).toEqual({ lines: [], more: 0 });
  });
});
