//! The kernel selftest's select_reuseport command format; see selftest_cmd.md.
const PASS: u32 = 0;
const DROP_ERR_SKB_DATA: u32 = 1;
const DROP_ERR_SK_SELECT: u32 = 2;
const DROP_MISC: u32 = 3;
const PASS_ERR_SK_SELECT: u32 = 4;
const DROP_ERR_OVR: u32 = 5;
const UNSET: u32 = 0xffff_ffff;

#[map]
static SOCKETS: SockArray<4>;

#[map]
static INDEX_OVR: Array<u32, 1>;

#[map]
static RESULTS: Array<u32, 6>;

fn done(result: u32) -> Verdict {
    RESULTS.add(result, 1);
    if result == PASS || result == PASS_ERR_SK_SELECT {
        Verdict::Pass
    } else {
        Verdict::Drop
    }
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let start: u32 = if pkt.is_udp() {
        8
    } else if pkt.is_tcp() {
        let Some(doff) = pkt.l4.u8(12) else {
            return done(DROP_MISC);
        };
        (doff >> 4) as u32 * 4
    } else {
        return done(DROP_MISC);
    };
    if pkt.len < start + 8 {
        return done(DROP_ERR_SKB_DATA);
    }
    let Some(mut index) = pkt.l4.le32(start) else {
        return done(DROP_MISC);
    };
    let Some(pass_on_failure) = pkt.l4.le32(start + 4) else {
        return done(DROP_MISC);
    };
    let Some(ovr) = INDEX_OVR.get(0) else {
        return done(DROP_ERR_OVR);
    };
    if ovr != UNSET {
        index = ovr;
        INDEX_OVR.set(0, UNSET);
    }
    if try_select(SOCKETS, index) {
        done(PASS)
    } else if pass_on_failure != 0 {
        done(PASS_ERR_SK_SELECT)
    } else {
        done(DROP_ERR_SK_SELECT)
    }
}
