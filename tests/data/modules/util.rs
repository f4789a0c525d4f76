//! Helpers of tests/data/modules/main.rs.

pub const WORKERS: u32 = 4;

pub struct Key {
    port: u16,
    proto: u8,
}

pub fn bucket(k: Key) -> u32 {
    (k.port as u32) % WORKERS
}
