import { describe, expect, it } from "vitest";
import { allPages, LOOKUP_PAGE } from "./pages";

function pageOf(items: number[], total: number) {
  return { data: items, response: new Response("[]", { status: 200, headers: { "X-Total-Count": String(total) } }) };
}

describe("allPages", () => {
  it("asks page after page of LOOKUP_PAGE until the total is reached", async () => {
    const total = LOOKUP_PAGE * 2 + 7;
    const asked: { limit: number; offset: number }[] = [];
    const items = await allPages(async (page) => {
      asked.push(page);
      const size = Math.min(page.limit, total - page.offset);
      return pageOf(Array.from({ length: size }, (_, i) => page.offset + i), total);
    });
    expect(items).toHaveLength(total);
    expect(items[total - 1]).toBe(total - 1);
    expect(asked).toEqual([0, 1, 2].map((n) => ({ limit: LOOKUP_PAGE, offset: n * LOOKUP_PAGE })));
  });

  it("stops on a short page and throws the API's error", async () => {
    expect(await allPages(async () => pageOf([1, 2], 2))).toEqual([1, 2]);
    const refused = { error: { status: 429, message: "Too many requests" }, response: new Response(null, { status: 429 }) };
    await expect(allPages(async () => refused)).rejects.toMatchObject({ status: 429 });
  });
});
