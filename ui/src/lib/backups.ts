// What the window says about backups, from the core's BackupPlan: one place for the Backup page and
// the reminder every admin sees above each page.
import { ukDateTime } from "./dates";
import type { BackupPlan } from "./types";

/** "Last backup: 07/03/2026 14:05", or that there has been none. */
export function lastBackupText(plan: BackupPlan): string {
  return plan.last ? `Last backup: ${ukDateTime(plan.last.at)}` : "No backup has been taken yet";
}

/** The warning an admin should see, or null when backups are in order. A failure comes first: it is
 * why the backups stopped. */
export function backupWarning(plan: BackupPlan, now = new Date()): string | null {
  if (plan.failed) {
    return `The automatic backup could not be written on ${ukDateTime(plan.failed.at)}: ${plan.failed.reason}. Plug in the backup drive or choose another folder.`;
  }
  if (!plan.stale) return null;
  if (!plan.last) return "No backup has been taken in this store's first week. Choose a folder for the daily backup.";
  const days = Math.floor((now.getTime() - new Date(plan.last.at).getTime()) / 86_400_000);
  return `The last backup was taken ${days} days ago (${ukDateTime(plan.last.at)}).${plan.folder ? "" : " Choose a folder for the daily backup."}`;
}
