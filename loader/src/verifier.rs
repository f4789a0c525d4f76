//! A verifier rejection in words: the kernel's error line from its log, the instruction it
//! stopped at, and the source line (from the log's `; TEXT @ FILE:LINE` lines, else from the
//! object's `.BTF.ext`), so that the CLI can show it as a diagnostic at the source.

use rsteer_bpf::object::ObjectInfo;

/// A source line the verifier's complaint is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePlace {
    pub file: String,
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    /// The line's text, as the object recorded it.
    pub text: String,
    /// The file's full name in the object's line info, when the log gave only its base name
    /// (the kernel prints `kbasename`): where to look for the file.
    pub path: Option<String>,
}

/// A program the kernel's verifier refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub program: String,
    /// The errno of `BPF_PROG_LOAD` (EACCES for most rejections, EINVAL, E2BIG).
    pub errno: i32,
    /// The verifier's complaint: its error line without the register state, and the reason
    /// that follows it in parentheses (`invalid access to packet, off=3 size=1 (R2 offset is
    /// outside of the packet)`).
    pub message: String,
    /// The instruction it stopped at, relative to the program's first.
    pub insn: Option<u32>,
    /// That instruction as the log prints it (`r0 = *(u8 *)(r1 +3)`).
    pub insn_text: Option<String>,
    pub at: Option<SourcePlace>,
    /// The whole log.
    pub log: String,
    /// The object was written by rsteer: a rejection is a compiler bug.
    pub ours: bool,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the kernel's verifier rejected `{}`", self.program)?;
        if let Some(at) = &self.at {
            write!(f, " at {}:{}", at.file, at.line)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Lines the verifier prints after its verdict (statistics), not part of the complaint.
fn is_trailer(line: &str) -> bool {
    line.is_empty()
        || line.starts_with("processed ")
        || line.starts_with("verification time")
        || line.starts_with("stack depth")
        || line.starts_with("-- END PROG LOAD LOG --")
}

/// `12: (71) r0 = *(u8 *)(r1 +3)` → (12, `r0 = *(u8 *)(r1 +3)`).
fn insn_line(line: &str) -> Option<(u32, String)> {
    let (n, rest) = line.split_once(": (")?;
    let n = n.trim().parse().ok()?;
    let (_, text) = rest.split_once(") ")?;
    // The state after the instruction, when the log has it, follows `;`.
    let text = text.split("  ; ").next().unwrap_or(text).trim_end();
    Some((n, text.to_string()))
}

/// `; return data[3] & 1; @ bad.c:11` → the place.
fn source_line(line: &str) -> Option<SourcePlace> {
    let rest = line.strip_prefix("; ")?;
    let (text, at) = rest.rsplit_once(" @ ")?;
    let (file, n) = at.rsplit_once(':')?;
    Some(SourcePlace {
        file: file.to_string(),
        line: n.trim().parse().ok()?,
        column: 0,
        text: text.to_string(),
        path: None,
    })
}

/// The error line without the register state the verifier appends (`, R1(id=0,off=3,r=0)`).
fn without_state(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, _) in line.match_indices(", R") {
        let rest = &bytes[i + 3..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && rest.get(digits) == Some(&b'(') {
            return &line[..i];
        }
    }
    line
}

/// Reads the verifier's log: (complaint, instruction, its text, source place from the log).
pub fn read_log(log: &str) -> (String, Option<u32>, Option<String>, Option<SourcePlace>) {
    let lines: Vec<&str> = log.lines().map(str::trim_end).collect();
    let last_insn = lines.iter().rposition(|l| insn_line(l).is_some());
    let (insn, insn_text) = match last_insn.and_then(|i| insn_line(lines[i])) {
        Some((n, t)) => (Some(n), Some(t)),
        None => (None, None),
    };
    let place = last_insn.and_then(|i| lines[..i].iter().rev().find_map(|l| source_line(l)));
    let after = last_insn.map_or(0, |i| i + 1);
    let complaint: Vec<&str> = lines[after..]
        .iter()
        .copied()
        .filter(|l| !is_trailer(l) && source_line(l).is_none() && insn_line(l).is_none())
        .collect();
    // With no instruction line (a program too large, a bad BTF), the last lines say it.
    let complaint = if complaint.is_empty() {
        lines.iter().copied().rfind(|l| !is_trailer(l)).into_iter().collect()
    } else {
        complaint
    };
    let message = match complaint.split_first() {
        None => String::new(),
        Some((first, [])) => without_state(first).to_string(),
        Some((first, rest)) => {
            let why: Vec<&str> = rest.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
            format!("{} ({})", without_state(first), why.join("; "))
        }
    };
    (message, insn, insn_text, place)
}

/// The rejection of `program` by the verifier, from its log and the object: the source line
/// comes from the log, else from the object's line info at the instruction.
pub fn rejection(program: &str, errno: i32, log: &str, object: Option<&ObjectInfo>) -> Rejection {
    let (message, insn, insn_text, place) = read_log(log);
    let from_object = || {
        let prog = object?.program(program)?;
        let line = prog.line_of(insn?)?;
        Some(SourcePlace {
            file: line.file.clone(),
            line: line.line,
            column: line.column,
            text: line.text.clone(),
            path: None,
        })
    };
    let base = |f: &str| std::path::Path::new(f).file_name().map(|n| n.to_string_lossy().into_owned());
    let at = match place {
        // The log has no column and only the file's base name; the object has both.
        Some(mut p) => {
            if let Some(o) = from_object().filter(|o| o.line == p.line && base(&o.file) == base(&p.file)) {
                p.column = o.column;
                if o.file != p.file {
                    p.path = Some(o.file);
                }
            }
            Some(p)
        }
        None => from_object(),
    };
    let message = if message.is_empty() { std::io::Error::from_raw_os_error(errno).to_string() } else { message };
    Rejection {
        program: program.to_string(),
        errno,
        message,
        insn,
        insn_text,
        at,
        log: log.to_string(),
        ours: object.is_some_and(ObjectInfo::from_rsteer),
    }
}

/// Whether a failed `BPF_PROG_LOAD` is a verifier rejection (its log says why) rather than a
/// refusal of the call itself (EPERM with no log: a missing capability).
pub fn is_rejection(errno: i32, log: &str) -> bool {
    let said = log.lines().any(|l| !is_trailer(l.trim_end()));
    said && errno != libc::EPERM
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "0: R1=ctx() R10=fp0\n\
; unsigned char *data = (unsigned char *)(long)ctx->data; @ bad.c:10\n\
0: (79) r1 = *(u64 *)(r1 +0)          ; R1=pkt(r=0)\n\
; return data[3] & 1; @ bad.c:11\n\
1: (71) r0 = *(u8 *)(r1 +3)\n\
invalid access to packet, off=3 size=1, R1(id=0,off=3,r=0)\n\
R1 offset is outside of the packet\n\
verification time 40 usec\n\
stack depth 0\n\
processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";

    #[test]
    fn a_packet_read_without_a_bounds_check() {
        let r = rejection("route", libc::EACCES, LOG, None);
        assert_eq!(
            r.to_string(),
            "the kernel's verifier rejected `route` at bad.c:11: invalid access to packet, off=3 size=1 (R1 offset is outside of the packet)"
        );
        assert_eq!((r.insn, r.insn_text.as_deref()), (Some(1), Some("r0 = *(u8 *)(r1 +3)")));
        assert_eq!(r.at.unwrap().text, "return data[3] & 1;");
    }

    #[test]
    fn a_log_with_no_instruction_says_its_last_line() {
        let (m, insn, _, at) = read_log("BPF program is too large. Processed 1000001 insn\nprocessed 1000001 insns\n");
        assert_eq!((m.as_str(), insn, at), ("BPF program is too large. Processed 1000001 insn", None, None));
        assert!(!is_rejection(libc::EPERM, ""));
        assert!(is_rejection(libc::EACCES, LOG));
        assert!(!is_rejection(libc::EACCES, "processed 0 insns\n"));
    }
}
