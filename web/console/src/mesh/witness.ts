/** Italian wording and tone for the state of a box's witnessed audit log (AuditWitnessSummary.state). */
import { WitnessState } from "#gen/novares/witness/v1/witness_service_pb.js";

export const witnessLabels: Record<WitnessState, [string, "ok" | "warn" | "bad"]> = {
  [WitnessState.AGREES]: ["Concorda", "ok"],
  [WitnessState.DISAGREES]: ["Non concorda", "bad"],
  [WitnessState.RESTORED_WITH_GAP]: ["Ripristinato: voci perse", "warn"],
  [WitnessState.NONE]: ["Mai verificato", "warn"],
  [WitnessState.UNSPECIFIED]: ["Mai verificato", "warn"],
};
