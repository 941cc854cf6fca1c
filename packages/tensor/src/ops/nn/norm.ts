// PLACEHOLDER: owned by the nn-ops helper.
export interface NormOpAttrs {}
