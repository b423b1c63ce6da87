import { describe, expect, it } from "vitest";
import { backupWarning, lastBackupText } from "./backups";
import type { BackupPlan } from "./types";

const plan = (p: Partial<BackupPlan>): BackupPlan => ({ folder: null, keep: 14, last: null, failed: null, stale: false, ...p });

describe("backup warnings", () => {
  it("says nothing while backups are in order", () => {
    expect(backupWarning(plan({ last: { at: "2026-12-04T09:00:00Z", file: "/media/usb/auto.cbbackup" } }))).toBeNull();
  });

  it("counts the days since a stale backup and asks for a folder when there is none", () => {
    const p = plan({ stale: true, last: { at: "2026-11-20T09:00:00Z", file: "/x" } });
    const w = backupWarning(p, new Date("2026-12-04T10:00:00Z"))!;
    expect(w).toMatch(/^The last backup was taken 14 days ago \(20\/11\/2026 \d\d:00\)\. Choose a folder/);
    expect(backupWarning({ ...p, folder: "/media/usb" }, new Date("2026-12-04T10:00:00Z"))).not.toMatch(/Choose/);
    expect(backupWarning(plan({ stale: true }))).toMatch(/No backup has been taken/);
  });

  it("puts a failure first, with its reason", () => {
    const w = backupWarning(plan({ stale: true, failed: { at: "2026-12-04T09:00:00Z", reason: "could not open /media/usb" } }));
    expect(w).toMatch(/^The automatic backup could not be written on 04\/12\/2026 .*could not open \/media\/usb/);
  });

  it("shows the last backup in UK form", () => {
    expect(lastBackupText(plan({}))).toBe("No backup has been taken yet");
    expect(lastBackupText(plan({ last: { at: "2026-12-04T09:05:00Z", file: "/x" } }))).toMatch(/^Last backup: 04\/12\/2026 \d\d:05$/);
  });
});
