//! The verdict counters of a load compiled with `--count`: the `rsteer_counts` map, read
//! through its BTF (the struct's fields name what each counter counts) and summed over CPUs.

use crate::maps::AttachedMap;
use crate::LoadError;
use rsteer_bpf::btf::Type;

/// The counts of one load, summed over CPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed with no socket selected.
    pub pass: u64,
    pub drop: u64,
    /// Per socket map, in the struct's order: the count of each index selected (one count
    /// for a SockHash).
    pub selected: Vec<(String, Vec<u64>)>,
}

impl Counts {
    /// Every packet counted.
    pub fn packets(&self) -> u64 {
        self.selected.iter().flat_map(|(_, v)| v).fold(self.pass.saturating_add(self.drop), |a, b| a.saturating_add(*b))
    }
}

/// Reads the counters of `map` (the `rsteer_counts` map): `None` when its BTF does not
/// describe the struct the compiler writes.
pub fn read(map: &AttachedMap) -> Result<Option<Counts>, LoadError> {
    let Some(types) = &map.types else { return Ok(None) };
    let btf = &types.btf;
    let Some(Type::Struct { members, .. }) = btf.get(btf.resolve(types.value)) else { return Ok(None) };
    let Some(raw) = map.get(&0u32.to_le_bytes())? else { return Ok(None) };
    let copies = map.copies(&raw);
    let at = |off: usize| -> u64 {
        copies
            .iter()
            .map(|c| c.get(off..off + 8).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))))
            .fold(0u64, u64::saturating_add)
    };
    let mut counts = Counts::default();
    for m in members {
        let off = (m.bit_offset / 8) as usize;
        match (m.name.as_str(), btf.get(btf.resolve(m.ty))) {
            ("pass", Some(Type::Int { size: 8, .. })) => counts.pass = at(off),
            ("drop", Some(Type::Int { size: 8, .. })) => counts.drop = at(off),
            (name, Some(Type::Array { len, .. })) => {
                counts.selected.push((name.to_string(), (0..*len as usize).map(|i| at(off + 8 * i)).collect()))
            }
            _ => return Ok(None),
        }
    }
    Ok(Some(counts))
}

/// The counts of the named load `name`: `None` when it was not compiled with `--count`.
/// Each socket map's counts cover the indices the load's sockets have (and any index counted
/// beyond them); a `SockHash`'s selections, counted by cookie, are put at the index of the
/// socket whose cookie it is.
pub fn of_load(name: &str) -> Result<Option<Counts>, LoadError> {
    let record = crate::state::read_record(name)?;
    if !record.maps.iter().any(|m| m.name == rsteer_bpf::COUNTS_MAP) {
        return Ok(None);
    }
    let Some(mut counts) = read(&crate::maps::named_map(name, rsteer_bpf::COUNTS_MAP)?)? else { return Ok(None) };
    let sockets = record.sockets.iter().map(|s| s.index as usize + 1).max().unwrap_or(0);
    let by_cookie = if record.maps.iter().any(|m| m.name == rsteer_bpf::COOKIES_MAP) {
        let map = crate::maps::named_map(name, rsteer_bpf::COOKIES_MAP)?;
        let mut per_index = vec![0u64; sockets];
        for (k, v) in map.entries(1 << 20)? {
            let cookie = u64::from_le_bytes(k.get(..8).and_then(|b| b.try_into().ok()).unwrap_or([0; 8]));
            let n: u64 = map
                .copies(&v)
                .iter()
                .map(|c| u64::from_le_bytes(c.get(..8).and_then(|b| b.try_into().ok()).unwrap_or([0; 8])))
                .fold(0, u64::saturating_add);
            // The newest generation's socket of that cookie.
            if let Some(s) = record.sockets.iter().filter(|s| s.cookie == cookie).max_by_key(|s| s.generation) {
                per_index[s.index as usize] += n;
            }
        }
        Some(per_index)
    } else {
        None
    };
    for (map, v) in &mut counts.selected {
        let kind = record.maps.iter().find(|m| &m.name == map).map(|m| m.kind.as_str());
        match (kind, &by_cookie) {
            (Some("sockhash"), Some(per_index)) => *v = per_index.clone(),
            _ => {
                let used = v.iter().rposition(|n| *n > 0).map_or(0, |i| i + 1);
                v.truncate(sockets.max(used));
            }
        }
    }
    Ok(Some(counts))
}
