// Keeps api.ts and the app's registered commands in step: a command the window never calls is
// surface nobody uses, and a call to an unregistered command fails only when someone clicks.
/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import mainRs from "../../../src-tauri/src/main.rs?raw";
import apiTs from "./api.ts?raw";

/** The commands in main.rs's `generate_handler![...]`: the last path segment of each entry. */
function registered(main: string): string[] {
  const body = main.split("generate_handler![")[1]?.split("])")[0] ?? "";
  return body
    .split(",")
    .map((entry) => entry.replace(/\/\/.*$/gm, "").trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => entry.split("::").pop()!)
    .sort();
}

/** The command names api.ts passes to `call` or `invoke`, with or without a type argument. */
function called(api: string): string[] {
  const names = [...api.matchAll(/\b(?:call|invoke)\s*(?:<(?:[^<>]|<[^<>]*>)*>)?\(\s*"([a-z_]+)"/g)].map((m) => m[1]);
  return [...new Set(names)].sort();
}

describe("api.ts and the registered commands", () => {
  const handlers = registered(mainRs);
  const calls = called(apiTs);

  it("finds both lists", () => {
    expect(handlers.length).toBeGreaterThan(30);
    expect(handlers).toContain("store_status");
    expect(calls).toContain("store_status");
  });

  it("calls every registered command and only registered commands", () => {
    expect(calls.filter((c) => !handlers.includes(c))).toEqual([]);
    expect(handlers.filter((h) => !calls.includes(h))).toEqual([]);
  });

  it("reads type arguments with nested brackets", () => {
    expect(called('x: () => call<[string, T.StoreStatus]>("create_store", {}), y: () => call<Map<string, number>>("a_b")')).toEqual([
      "a_b",
      "create_store",
    ]);
  });
});
