/** When the session stops for a person's approval: config.yaml's `orchestrator` section, validated. */
export const APPROVAL_MODES = ["required", "auto", "manual"] as const;

export type ApprovalMode = (typeof APPROVAL_MODES)[number];

export interface ApprovalPolicy {
  approval_mode: ApprovalMode;
  /** Task types after which the session stops for approval (also in auto mode). */
  checkpoint_after: string[];
  /** Task types that run without approval in `required` mode. */
  auto_approve: string[];
}
