// Array constants whose length or element type does not match, constant indices past
// the end of a table, and a table that is not constant.
const ZONE: [u8; 8] = b"\x07exampl";
const RANK: [u32; 4] = [3, 1, 2, 0, 1];
const WIDE: [u8; 2] = [1, 300];
const FLAGS: [bool; 2] = [true, 1];
const SMALL: [u32; 2] = [1, 2];
const PAST: u32 = SMALL[2];
const TABLE: [u32; 2] = [cpu(), 1];
const NESTED: [[u8; 2]; 2] = [[1, 2], [3]];

#[steer]
fn route(pkt: Packet) -> Verdict {
    let x = SMALL[7];
    Verdict::Pass
}
