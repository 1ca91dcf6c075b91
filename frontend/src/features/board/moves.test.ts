import { describe, expect, it } from "vitest";
import { dropPosition, dropResult, keyboardTarget, moveAcross, reorderIds, type Items } from "./moves";

const board: Items = { uncategorized: [], a: ["a1", "a2", "a3"], b: ["b1", "b2"], c: [] };
const order = ["uncategorized", "a", "b", "c"];
/** Cards stacked 100px apart in every column. */
const topOf = (id: string) => {
  for (const ids of Object.values(board)) if (ids.includes(id)) return 100 * ids.indexOf(id);
  return undefined;
};

describe("moving across columns while dragging", () => {
  it("takes the card out of its column and puts it above the card it is over", () => {
    expect(moveAcross(board, "a2", "b2")).toEqual({ ...board, a: ["a1", "a3"], b: ["b1", "a2", "b2"] });
  });
  it("puts it last when over the column itself", () => {
    expect(moveAcross(board, "a1", "column:c")).toEqual({ ...board, a: ["a2", "a3"], c: ["a1"] });
  });
  it("changes nothing within one column (the sortable list handles that)", () => {
    expect(moveAcross(board, "a1", "a3")).toBe(board);
  });
});

describe("the drop", () => {
  it("reorders within a column", () => {
    expect(dropResult(board, "a1", "a3")).toEqual({ column: "a", ids: ["a2", "a3", "a1"] });
  });
  it("names the column a card entered and its cards in order", () => {
    const moved = moveAcross(board, "a2", "b1");
    expect(dropResult(moved, "a2", "a2")).toEqual({ column: "b", ids: ["a2", "b1", "b2"] });
  });
});

describe("the announced drop position", () => {
  it("is the position of the card it is over, in its own column or another", () => {
    expect(dropPosition(board, "a1", "a3")).toEqual({ column: "a", position: 3, count: 3 });
    expect(dropPosition(board, "a1", "b2")).toEqual({ column: "b", position: 2, count: 3 });
  });
  it("is the end of a column it is over as a whole, or where it already sits there", () => {
    expect(dropPosition(board, "a1", "column:c")).toEqual({ column: "c", position: 1, count: 1 });
    expect(dropPosition(moveAcross(board, "a1", "b1"), "a1", "column:b")).toEqual({ column: "b", position: 1, count: 3 });
  });
});

describe("the reorder call", () => {
  it("sends the whole loaded column when it fits the API's limit", () => {
    expect(reorderIds(["x", "y", "z"], "y", 3)).toEqual(["x", "y", "z"]);
  });
  it("sends the top of the column down to the moved card above the limit", () => {
    expect(reorderIds(["v", "w", "x", "y", "z"], "x", 4)).toEqual(["v", "w", "x"]);
  });
  it("cannot express a drop below the limit", () => {
    expect(reorderIds(["v", "w", "x", "y", "z"], "z", 4)).toBeNull();
  });
});

describe("keyboard moves", () => {
  it("go right to the next column's card nearest in height", () => {
    expect(keyboardTarget(order, board, "a2", "a2", "ArrowRight", topOf, 100)).toBe("b2");
    expect(keyboardTarget(order, board, "a3", "a3", "ArrowRight", topOf, 200)).toBe("b2");
  });
  it("go onto an empty column itself", () => {
    expect(keyboardTarget(order, board, "b1", "b1", "ArrowRight", topOf, 0)).toBe("column:c");
    expect(keyboardTarget(order, board, "a1", "a1", "ArrowLeft", topOf, 0)).toBe("column:uncategorized");
  });
  it("continue from the column the card is over, not the one it came from", () => {
    const moved = moveAcross(board, "a1", "column:c");
    expect(keyboardTarget(order, moved, "a1", "a1", "ArrowLeft", topOf, 0)).toBe("b1");
  });
  it("stop at the board's edges", () => {
    expect(keyboardTarget(order, { ...board, c: ["c1"] }, "c1", "c1", "ArrowRight", topOf, 0)).toBeNull();
  });
  it("go up and down within the column only", () => {
    expect(keyboardTarget(order, board, "a1", "a1", "ArrowDown", topOf, 0)).toBe("a2");
    expect(keyboardTarget(order, board, "a1", "a2", "ArrowDown", topOf, 100)).toBe("a3");
    expect(keyboardTarget(order, board, "a1", "a3", "ArrowDown", topOf, 200)).toBeNull();
    expect(keyboardTarget(order, board, "a2", "a2", "ArrowUp", topOf, 100)).toBe("a1");
  });
});
