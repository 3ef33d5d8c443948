// lane_share/none.wgsl — for kernels that can share loads between the lanes of a subgroup
// (attention_rows.wgsl), on an adapter without subgroups: no sharing, every lane loads for itself.
const LANE_SHARE: bool = false;

fn subgroup_lane() -> u32 {
  return 0u;
}

fn subgroup_lanes() -> u32 {
  return 1u;
}

fn all_lanes(value: bool) -> bool {
  return false;
}

fn all_lanes_equal(value: u32) -> bool {
  return false;
}

fn from_lane(value: f32, lane: u32) -> f32 {
  return value;
}
