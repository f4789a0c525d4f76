//! Ids of the kernel helpers rsteer's programs call (`enum bpf_func_id`), and their names.

pub const MAP_LOOKUP_ELEM: i32 = 1;
pub const MAP_UPDATE_ELEM: i32 = 2;
pub const MAP_DELETE_ELEM: i32 = 3;
pub const KTIME_GET_NS: i32 = 5;
pub const GET_PRANDOM_U32: i32 = 7;
pub const GET_SMP_PROCESSOR_ID: i32 = 8;
pub const SKB_LOAD_BYTES: i32 = 26;
pub const GET_SOCKET_COOKIE: i32 = 46;
pub const SKB_LOAD_BYTES_RELATIVE: i32 = 68;
pub const SK_SELECT_REUSEPORT: i32 = 82;
pub const KTIME_GET_COARSE_NS: i32 = 160;

/// `start_header` of `bpf_skb_load_bytes_relative`: from the MAC header.
pub const HDR_START_MAC: u32 = 0;
/// `start_header` of `bpf_skb_load_bytes_relative`: from the network header.
pub const HDR_START_NET: u32 = 1;

/// The helper's name without the `bpf_` prefix, as bpftool prints it.
pub fn name(id: i32) -> Option<&'static str> {
    Some(match id {
        MAP_LOOKUP_ELEM => "map_lookup_elem",
        MAP_UPDATE_ELEM => "map_update_elem",
        MAP_DELETE_ELEM => "map_delete_elem",
        KTIME_GET_NS => "ktime_get_ns",
        GET_PRANDOM_U32 => "get_prandom_u32",
        GET_SMP_PROCESSOR_ID => "get_smp_processor_id",
        SKB_LOAD_BYTES => "skb_load_bytes",
        GET_SOCKET_COOKIE => "get_socket_cookie",
        SKB_LOAD_BYTES_RELATIVE => "skb_load_bytes_relative",
        SK_SELECT_REUSEPORT => "sk_select_reuseport",
        KTIME_GET_COARSE_NS => "ktime_get_coarse_ns",
        _ => return None,
    })
}
