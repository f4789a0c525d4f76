//! The distribution of a policy's verdicts over a run of packets: what `rsteer simulate --json`
//! predicts offline and what `rsteer status --json` counts live, in one shape.

use std::collections::BTreeMap;

/// `{"packets": N, "pass": N, "drop": N, "selected": {"MAP": [count per index]}}`; `pass` counts
/// packets that passed with no socket selected.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Distribution {
    pub packets: u64,
    pub pass: u64,
    pub drop: u64,
    pub selected: BTreeMap<String, Vec<u64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_is_the_documented_one() {
        let mut d = Distribution { packets: 5, pass: 1, drop: 1, ..Default::default() };
        d.selected.insert("SOCKETS".into(), vec![2, 1]);
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(text, r#"{"packets":5,"pass":1,"drop":1,"selected":{"SOCKETS":[2,1]}}"#);
        assert_eq!(serde_json::from_str::<Distribution>(&text).unwrap(), d);
    }
}
