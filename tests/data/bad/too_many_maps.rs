//! One entry that uses 66 maps; the kernel allows 64 per program (E0806).
#[map]
static SOCKETS: SockArray<4>;
#[map]
static M0: Array<u32, 4>;
#[map]
static M1: Array<u32, 4>;
#[map]
static M2: Array<u32, 4>;
#[map]
static M3: Array<u32, 4>;
#[map]
static M4: Array<u32, 4>;
#[map]
static M5: Array<u32, 4>;
#[map]
static M6: Array<u32, 4>;
#[map]
static M7: Array<u32, 4>;
#[map]
static M8: Array<u32, 4>;
#[map]
static M9: Array<u32, 4>;
#[map]
static M10: Array<u32, 4>;
#[map]
static M11: Array<u32, 4>;
#[map]
static M12: Array<u32, 4>;
#[map]
static M13: Array<u32, 4>;
#[map]
static M14: Array<u32, 4>;
#[map]
static M15: Array<u32, 4>;
#[map]
static M16: Array<u32, 4>;
#[map]
static M17: Array<u32, 4>;
#[map]
static M18: Array<u32, 4>;
#[map]
static M19: Array<u32, 4>;
#[map]
static M20: Array<u32, 4>;
#[map]
static M21: Array<u32, 4>;
#[map]
static M22: Array<u32, 4>;
#[map]
static M23: Array<u32, 4>;
#[map]
static M24: Array<u32, 4>;
#[map]
static M25: Array<u32, 4>;
#[map]
static M26: Array<u32, 4>;
#[map]
static M27: Array<u32, 4>;
#[map]
static M28: Array<u32, 4>;
#[map]
static M29: Array<u32, 4>;
#[map]
static M30: Array<u32, 4>;
#[map]
static M31: Array<u32, 4>;
#[map]
static M32: Array<u32, 4>;
#[map]
static M33: Array<u32, 4>;
#[map]
static M34: Array<u32, 4>;
#[map]
static M35: Array<u32, 4>;
#[map]
static M36: Array<u32, 4>;
#[map]
static M37: Array<u32, 4>;
#[map]
static M38: Array<u32, 4>;
#[map]
static M39: Array<u32, 4>;
#[map]
static M40: Array<u32, 4>;
#[map]
static M41: Array<u32, 4>;
#[map]
static M42: Array<u32, 4>;
#[map]
static M43: Array<u32, 4>;
#[map]
static M44: Array<u32, 4>;
#[map]
static M45: Array<u32, 4>;
#[map]
static M46: Array<u32, 4>;
#[map]
static M47: Array<u32, 4>;
#[map]
static M48: Array<u32, 4>;
#[map]
static M49: Array<u32, 4>;
#[map]
static M50: Array<u32, 4>;
#[map]
static M51: Array<u32, 4>;
#[map]
static M52: Array<u32, 4>;
#[map]
static M53: Array<u32, 4>;
#[map]
static M54: Array<u32, 4>;
#[map]
static M55: Array<u32, 4>;
#[map]
static M56: Array<u32, 4>;
#[map]
static M57: Array<u32, 4>;
#[map]
static M58: Array<u32, 4>;
#[map]
static M59: Array<u32, 4>;
#[map]
static M60: Array<u32, 4>;
#[map]
static M61: Array<u32, 4>;
#[map]
static M62: Array<u32, 4>;
#[map]
static M63: Array<u32, 4>;
#[map]
static M64: Array<u32, 4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut k: u32 = 0;
    k = k + M0.get(k % 4).unwrap_or(0);
    k = k + M1.get(k % 4).unwrap_or(0);
    k = k + M2.get(k % 4).unwrap_or(0);
    k = k + M3.get(k % 4).unwrap_or(0);
    k = k + M4.get(k % 4).unwrap_or(0);
    k = k + M5.get(k % 4).unwrap_or(0);
    k = k + M6.get(k % 4).unwrap_or(0);
    k = k + M7.get(k % 4).unwrap_or(0);
    k = k + M8.get(k % 4).unwrap_or(0);
    k = k + M9.get(k % 4).unwrap_or(0);
    k = k + M10.get(k % 4).unwrap_or(0);
    k = k + M11.get(k % 4).unwrap_or(0);
    k = k + M12.get(k % 4).unwrap_or(0);
    k = k + M13.get(k % 4).unwrap_or(0);
    k = k + M14.get(k % 4).unwrap_or(0);
    k = k + M15.get(k % 4).unwrap_or(0);
    k = k + M16.get(k % 4).unwrap_or(0);
    k = k + M17.get(k % 4).unwrap_or(0);
    k = k + M18.get(k % 4).unwrap_or(0);
    k = k + M19.get(k % 4).unwrap_or(0);
    k = k + M20.get(k % 4).unwrap_or(0);
    k = k + M21.get(k % 4).unwrap_or(0);
    k = k + M22.get(k % 4).unwrap_or(0);
    k = k + M23.get(k % 4).unwrap_or(0);
    k = k + M24.get(k % 4).unwrap_or(0);
    k = k + M25.get(k % 4).unwrap_or(0);
    k = k + M26.get(k % 4).unwrap_or(0);
    k = k + M27.get(k % 4).unwrap_or(0);
    k = k + M28.get(k % 4).unwrap_or(0);
    k = k + M29.get(k % 4).unwrap_or(0);
    k = k + M30.get(k % 4).unwrap_or(0);
    k = k + M31.get(k % 4).unwrap_or(0);
    k = k + M32.get(k % 4).unwrap_or(0);
    k = k + M33.get(k % 4).unwrap_or(0);
    k = k + M34.get(k % 4).unwrap_or(0);
    k = k + M35.get(k % 4).unwrap_or(0);
    k = k + M36.get(k % 4).unwrap_or(0);
    k = k + M37.get(k % 4).unwrap_or(0);
    k = k + M38.get(k % 4).unwrap_or(0);
    k = k + M39.get(k % 4).unwrap_or(0);
    k = k + M40.get(k % 4).unwrap_or(0);
    k = k + M41.get(k % 4).unwrap_or(0);
    k = k + M42.get(k % 4).unwrap_or(0);
    k = k + M43.get(k % 4).unwrap_or(0);
    k = k + M44.get(k % 4).unwrap_or(0);
    k = k + M45.get(k % 4).unwrap_or(0);
    k = k + M46.get(k % 4).unwrap_or(0);
    k = k + M47.get(k % 4).unwrap_or(0);
    k = k + M48.get(k % 4).unwrap_or(0);
    k = k + M49.get(k % 4).unwrap_or(0);
    k = k + M50.get(k % 4).unwrap_or(0);
    k = k + M51.get(k % 4).unwrap_or(0);
    k = k + M52.get(k % 4).unwrap_or(0);
    k = k + M53.get(k % 4).unwrap_or(0);
    k = k + M54.get(k % 4).unwrap_or(0);
    k = k + M55.get(k % 4).unwrap_or(0);
    k = k + M56.get(k % 4).unwrap_or(0);
    k = k + M57.get(k % 4).unwrap_or(0);
    k = k + M58.get(k % 4).unwrap_or(0);
    k = k + M59.get(k % 4).unwrap_or(0);
    k = k + M60.get(k % 4).unwrap_or(0);
    k = k + M61.get(k % 4).unwrap_or(0);
    k = k + M62.get(k % 4).unwrap_or(0);
    k = k + M63.get(k % 4).unwrap_or(0);
    k = k + M64.get(k % 4).unwrap_or(0);
    select(SOCKETS, k % 4)
}
