import { OrchestratorError } from "../core/errors.js";
import type { ControlCode } from "./control-types.js";

/** A control request that cannot be carried out; `code` says which kind of no (HTTP maps it to a status). */
export class ControlError extends OrchestratorError {
  override name = "ControlError";
  constructor(readonly code: Exclude<ControlCode, "ok">, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
