// lane_share/subgroups.wgsl — for kernels that share loads between the lanes of a subgroup
// (attention_rows.wgsl), on an adapter with subgroups. On lavapipe a subgroup is one SIMD
// instruction stream and a storage load whose address is not provably uniform becomes a loop over
// its lanes, so J lanes each loading one of J values and taking the others with subgroupShuffle (one
// SIMD permute each) replaces J such loops by one.
//
// The kernel calls these only where every lane of the subgroup takes the same path (its loop bounds
// are the same in every lane, and it branches on all_lanes(…)); WGSL's uniformity analysis cannot
// see that through values computed with subgroup operations, hence the diagnostics switched off here.
enable subgroups;

const LANE_SHARE: bool = true;

// The lane's index, and the lane count, called at the top of the kernel where all lanes are active.
@diagnostic(off, subgroup_uniformity)
fn subgroup_lane() -> u32 {
  return subgroupExclusiveAdd(1u);
}

@diagnostic(off, subgroup_uniformity)
fn subgroup_lanes() -> u32 {
  return subgroupAdd(1u);
}

@diagnostic(off, subgroup_uniformity)
fn all_lanes(value: bool) -> bool {
  return subgroupAll(value);
}

@diagnostic(off, subgroup_uniformity)
fn all_lanes_equal(value: u32) -> bool {
  return subgroupAll(value == subgroupBroadcastFirst(value));
}

// `value` as lane `lane` holds it.
@diagnostic(off, subgroup_uniformity)
fn from_lane(value: f32, lane: u32) -> f32 {
  return subgroupShuffle(value, lane);
}
