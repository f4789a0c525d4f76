//! The codec on every shape: text -> bytes -> text round trips, the errors, JSON, layout.

use super::*;
use rsteer_lang::hir::{FieldDef, StructDef, StructId};
use rsteer_lang::Span;

fn def(name: &str, fields: &[(&str, Ty)]) -> StructDef {
    StructDef {
        name: name.into(),
        fields: fields.iter().map(|(n, t)| FieldDef { name: n.to_string(), ty: t.clone() }).collect(),
        span: Span::default(),
    }
}

/// `Flow { proto: u8, port: u32, tag: i16 }`, `Pair { a: Flow, ok: bool }`,
/// `Net { addr: [u8; 4], prefix: u8 }`.
fn structs() -> Vec<StructDef> {
    vec![
        def("Flow", &[("proto", Ty::U8), ("port", Ty::U32), ("tag", Ty::Int(IntTy::I16))]),
        def("Pair", &[("a", Ty::Struct(StructId(0))), ("ok", Ty::Bool)]),
        def("Net", &[("addr", Ty::Array(Box::new(Ty::U8), 4)), ("prefix", Ty::U8)]),
    ]
}

fn shape(ty: Ty) -> Shape {
    Shape::of(&structs(), &ty)
}

/// `text` reads as `bytes`, and prints back as `canonical`, which reads as the same bytes.
fn round_trip(ty: Ty, text: &str, bytes: &[u8], canonical: &str) {
    let s = shape(ty);
    let got = s.parse_bytes(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(got, bytes, "bytes of {text}");
    assert_eq!(s.print_bytes(&got), canonical, "text of {text}");
    assert_eq!(s.parse_bytes(canonical).unwrap(), bytes, "bytes of {canonical}");
    let v = s.decode(&got);
    assert_eq!(s.from_json(&s.to_json(&v)).unwrap(), v, "JSON of {text}");
}

fn error(ty: Ty, text: &str) -> ValueError {
    shape(ty).parse(text).expect_err(text)
}

#[test]
fn layout_pads_and_aligns() {
    let s = structs();
    assert_eq!(layout(&s, &Ty::Struct(StructId(0))), (12, 4));
    assert_eq!(field_offsets(&s, StructId(0)), vec![0, 4, 8]);
    assert_eq!(layout(&s, &Ty::Struct(StructId(1))), (16, 4));
    assert_eq!(field_offsets(&s, StructId(1)), vec![0, 12]);
    assert_eq!(layout(&s, &Ty::Struct(StructId(2))), (5, 1));
    assert_eq!(layout(&s, &Ty::Array(Box::new(Ty::Struct(StructId(0))), 3)), (36, 4));
    assert_eq!(layout(&s, &Ty::Option(Box::new(Ty::U32))), (8, 4));
    assert_eq!(size_of(&s, &Ty::Unit), 0);
}

#[test]
fn integers_in_every_base() {
    round_trip(Ty::U8, "0xff", &[0xff], "255");
    round_trip(Ty::U16, "0b1", &[1, 0], "1");
    round_trip(Ty::U32, "0o17", &[15, 0, 0, 0], "15");
    round_trip(Ty::U64, "1_000_000", &1_000_000u64.to_le_bytes(), "1000000");
    round_trip(Ty::U64, "18446744073709551615", &[0xff; 8], "18446744073709551615");
    round_trip(Ty::Int(IntTy::I8), "-1", &[0xff], "-1");
    round_trip(Ty::Int(IntTy::I16), "-0x8000", &[0, 0x80], "-32768");
    round_trip(Ty::Int(IntTy::I32), " 7 ", &[7, 0, 0, 0], "7");
    round_trip(Ty::Int(IntTy::I64), "-9223372036854775808", &(i64::MIN).to_le_bytes(), "-9223372036854775808");
}

#[test]
fn bools_arrays_and_byte_strings() {
    round_trip(Ty::Bool, "true", &[1], "true");
    round_trip(Ty::Bool, "false", &[0], "false");
    let u16x3 = Ty::Array(Box::new(Ty::U16), 3);
    round_trip(u16x3.clone(), "[1, 0x2, 3]", &[1, 0, 2, 0, 3, 0], "[1,2,3]");
    round_trip(u16x3, "[1,2,3,]", &[1, 0, 2, 0, 3, 0], "[1,2,3]");
    let u8x6 = Ty::Array(Box::new(Ty::U8), 6);
    round_trip(u8x6.clone(), r#"b"a\x00\n\"\\z""#, b"a\x00\n\"\\z", r#"b"a\x00\n\"\\z""#);
    round_trip(u8x6.clone(), "[97,98,99,100,101,102]", b"abcdef", r#"b"abcdef""#);
    round_trip(u8x6, "hex:616263646566", b"abcdef", r#"b"abcdef""#);
    let grid = Ty::Array(Box::new(Ty::Array(Box::new(Ty::Int(IntTy::I8)), 2)), 2);
    round_trip(grid, "[[1,-2],[-3,4]]", &[1, 0xfe, 0xfd, 4], "[[1,-2],[-3,4]]");
}

#[test]
fn structs_name_their_fields() {
    let flow = Ty::Struct(StructId(0));
    let bytes = [6, 0, 0, 0, 0x50, 0, 0, 0, 0xff, 0xff, 0, 0];
    round_trip(flow.clone(), "port=80,proto=6,tag=-1", &bytes, "proto=6,port=80,tag=-1");
    round_trip(flow.clone(), " { proto = 6 , port = 0x50 , tag = -1 } ", &bytes, "proto=6,port=80,tag=-1");
    round_trip(flow, "hex:06000000 50000000 ffff0000", &bytes, "proto=6,port=80,tag=-1");
    let pair = Ty::Struct(StructId(1));
    let mut pair_bytes = bytes.to_vec();
    pair_bytes.extend([1, 0, 0, 0]);
    round_trip(pair, "ok=true,a={proto=6,port=80,tag=-1}", &pair_bytes, "a={proto=6,port=80,tag=-1},ok=true");
    round_trip(
        Ty::Array(Box::new(Ty::Struct(StructId(2))), 2),
        r#"[{addr=b"\x0a\x00\x00\x01",prefix=8},{addr=[192,168,0,0],prefix=16}]"#,
        &[10, 0, 0, 1, 8, 192, 168, 0, 0, 16],
        r#"[{addr=b"\n\x00\x00\x01",prefix=8},{addr=b"\xc0\xa8\x00\x00",prefix=16}]"#,
    );
}

#[test]
fn bytes_of_no_known_type() {
    let s = Shape::untyped(3);
    assert_eq!(s, Shape::Bytes(3));
    assert_eq!(s.parse_bytes("hex:0a0b0c").unwrap(), [10, 11, 12]);
    assert_eq!(s.parse_bytes("[1,2,3]").unwrap(), [1, 2, 3]);
    assert_eq!(s.print_bytes(&[10, 11, 12]), "hex:0a0b0c");
    assert_eq!(Shape::untyped(2), Shape::Int(IntTy::U16));
    assert_eq!(Shape::untyped(8).print_bytes(&[1, 0, 0, 0, 0, 0, 0, 1]), "72057594037927937");
    // Short input reads as zero-padded, and never panics.
    assert_eq!(shape(Ty::Struct(StructId(0))).print_bytes(&[1]), "proto=1,port=0,tag=0");
}

#[test]
fn integer_errors() {
    assert_eq!(error(Ty::U8, "256").message, "`256` does not fit in `u8` (0..=255)");
    assert_eq!(error(Ty::Int(IntTy::I8), "128").message, "`128` does not fit in `i8` (-128..=127)");
    assert_eq!(error(Ty::U32, "-1").message, "`-1` is negative, and `u32` holds no negative values");
    assert!(error(Ty::U32, "0z12").message.contains("`0z` is not a base prefix"));
    assert_eq!(error(Ty::U32, "0b12").message, "`0b12` is not an integer: `2` is not a binary digit");
    assert_eq!(error(Ty::Bool, "yes").message, "`yes` is not `true` or `false`");
    assert_eq!(error(Ty::U32, "1 2").message, "unexpected `2` after the value");
}

#[test]
fn struct_errors() {
    let flow = Ty::Struct(StructId(0));
    let e = error(flow.clone(), "proto=6");
    assert_eq!(e.message, "the `Flow` value does not name fields `port` and `tag`");
    assert_eq!(e.help.as_deref(), Some("write every field: `proto=...,port=...,tag=...`"));
    assert_eq!(error(flow.clone(), "proto=6,port=1").message, "the `Flow` value does not name field `tag`");
    let e = error(flow.clone(), "proto=6,prot=1,tag=0");
    assert_eq!(e.message, "`Flow` has no field `prot`");
    assert_eq!(e.help.as_deref(), Some("did you mean `port`?"));
    assert_eq!(error(flow.clone(), "zzzzzz=1").help.as_deref(), Some("its fields: proto, port, tag"));
    assert_eq!(error(flow.clone(), "proto=1,proto=2").message, "field `proto` is given twice");
    assert_eq!(
        error(flow.clone(), "proto=300,port=1,tag=0").message,
        "in field `proto`: `300` does not fit in `u8` (0..=255)"
    );
    assert!(error(flow, "6").message.starts_with("write structs as `field=value,field=value`"));
    let pair = Ty::Struct(StructId(1));
    assert!(error(pair.clone(), "a=proto=1,ok=true").help.unwrap().contains("in braces"));
    assert_eq!(
        error(pair, "a={proto=1,port=2},ok=true").message,
        "in field `a`: the `Flow` value does not name field `tag`"
    );
}

#[test]
fn array_errors() {
    let u8x4 = Ty::Array(Box::new(Ty::U8), 4);
    assert_eq!(error(u8x4.clone(), r#"b"abc""#).message, "`[u8; 4]` holds 4 bytes, not 3");
    assert_eq!(error(u8x4.clone(), "[1,2,3,4,5]").message, "`[u8; 4]` holds 4 bytes, not 5");
    assert_eq!(error(u8x4.clone(), "hex:0102").message, "`hex:0102` must be 4 bytes of hex (hex: and 8 digits)");
    assert_eq!(error(u8x4.clone(), r#"b"ab"#).message, r#"`b"ab` has no closing `"`"#);
    assert_eq!(error(u8x4.clone(), r#"b"\q234""#).message, "unknown escape `\\q` in a byte string");
    assert_eq!(
        error(u8x4, "1").help.as_deref(),
        Some("write a `[u8; 4]` as `[1,2,3]`, `b\"...\"` or `hex:` and the bytes")
    );
    let u32x2 = Ty::Array(Box::new(Ty::U32), 2);
    assert_eq!(error(u32x2.clone(), "[1]").message, "`[u32; 2]` holds 2 elements, not 1");
    assert_eq!(
        error(u32x2.clone(), "[1,-2]").message,
        "in element 1: `-2` is negative, and `u32` holds no negative values"
    );
    assert_eq!(error(u32x2, "[1 2]").message, "expected `,` or `]` after element 0, found `2]`");
}

#[test]
fn json_forms() {
    let pair = shape(Ty::Struct(StructId(1)));
    let v = pair.parse("a={proto=6,port=80,tag=-1},ok=true").unwrap();
    let j = pair.to_json(&v);
    assert_eq!(j, serde_json::json!({ "a": { "proto": 6, "port": 80, "tag": -1 }, "ok": true }));
    assert_eq!(pair.from_json(&j).unwrap(), v);
    let big = shape(Ty::U64);
    let v = big.parse("0xffff_ffff_ffff_fff1").unwrap();
    assert_eq!(big.to_json(&v).to_string(), "18446744073709551601");
    assert_eq!(big.from_json(&serde_json::json!("0xffff_ffff_ffff_fff1")).unwrap(), v);
    let u8x2 = shape(Ty::Array(Box::new(Ty::U8), 2));
    assert_eq!(u8x2.to_json(&u8x2.parse(r#"b"ab""#).unwrap()), serde_json::json!([97, 98]));
    assert_eq!(u8x2.from_json(&serde_json::json!("b\"ab\"")).unwrap(), u8x2.parse("[97,98]").unwrap());
    let flow = shape(Ty::Struct(StructId(0)));
    let e = flow.from_json(&serde_json::json!({ "proto": 1, "port": 2 })).unwrap_err();
    assert_eq!(e.message, "the `Flow` value does not name field `tag`");
    let e = flow.from_json(&serde_json::json!({ "proto": 1, "port": 2, "tag": 40000 })).unwrap_err();
    assert_eq!(e.message, "in field `tag`: `40000` does not fit in `i16` (-32768..=32767)");
    assert_eq!(
        shape(Ty::U8).from_json(&serde_json::json!(1.5)).unwrap_err().message,
        "`1.5` is not an integer: `.` is not a decimal digit"
    );
    assert_eq!(u8x2.from_json(&serde_json::json!([1])).unwrap_err().message, "`[u8; 2]` holds 2 bytes, not 1");
}

fn bytes16() -> Ty {
    Ty::Array(Box::new(Ty::U8), 16)
}

/// `text` reads in `s` as `bytes` and prints as `canonical`, which reads back the same;
/// its JSON is `canonical` as a string and reads back the same value.
fn shape_round_trip(s: &Shape, text: &str, bytes: &[u8], canonical: &str) {
    let got = s.parse_bytes(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(got, bytes, "bytes of {text}");
    assert_eq!(s.print_bytes(&got), canonical, "text of {text}");
    assert_eq!(s.parse_bytes(canonical).unwrap(), bytes, "bytes of {canonical}");
    let v = s.decode(&got);
    assert_eq!(s.to_json(&v), serde_json::json!(canonical), "JSON of {text}");
    assert_eq!(s.from_json(&s.to_json(&v)).unwrap(), v, "JSON of {text}");
}

#[test]
fn addresses_are_read_where_integers_and_bytes_are() {
    // A `u32` takes a dotted quad, in host order (the bytes are little endian).
    round_trip(Ty::U32, "127.1.0.0", &[0, 0, 1, 127], "2130771968");
    round_trip(
        bytes16(),
        "2001:db8::1",
        &[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        "b\" \\x01\\r\\xb8\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01\"",
    );
    // Other integer types and byte-array lengths do not.
    assert_eq!(error(Ty::U16, "1.2.3.4").message, "`1.2.3.4` is not an integer: `.` is not a decimal digit");
    assert!(error(Ty::Array(Box::new(Ty::U8), 4), "::1").message.contains("not an array"));
}

#[test]
fn declared_addresses_print_in_their_notation() {
    let a4 = shape(Ty::U32).addresses();
    shape_round_trip(&a4, "10.1.0.7", &[7, 0, 1, 10], "10.1.0.7");
    shape_round_trip(&a4, "0x0a010007", &[7, 0, 1, 10], "10.1.0.7");
    let a6 = shape(bytes16()).addresses();
    shape_round_trip(&a6, "2001:0db8:0:0::1", &[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "2001:db8::1");
    assert_eq!(a4.parse("10.1.0").unwrap_err().message, "`10.1.0` is not an IPv4 address");
    assert_eq!(a6.parse("2001:db8:::1").unwrap_err().message, "`2001:db8:::1` is not an IPv6 address");
    // `--addr` reaches struct fields.
    let net = shape(Ty::Struct(StructId(0))).addresses();
    assert_eq!(net.print(&net.parse("proto=17,port=10.0.0.1,tag=-2").unwrap()), "proto=17,port=10.0.0.1,tag=-2");
}

#[test]
fn prefixes_of_prefix_tables() {
    let v4 = Shape::prefix_key(shape(Ty::U32));
    assert_eq!(v4.size(), 8);
    // The length in host order, then the address in network order.
    shape_round_trip(&v4, "10.1.0.0/16", &[16, 0, 0, 0, 10, 1, 0, 0], "10.1.0.0/16");
    // Host bits past the length are cleared; an address alone is its full length.
    shape_round_trip(&v4, "10.1.255.77/20", &[20, 0, 0, 0, 10, 1, 240, 0], "10.1.240.0/20");
    shape_round_trip(&v4, "127.0.0.1", &[32, 0, 0, 0, 127, 0, 0, 1], "127.0.0.1/32");
    shape_round_trip(&v4, "0.0.0.0/0", &[0; 8], "0.0.0.0/0");
    let v6 = Shape::prefix_key(shape(bytes16()));
    let mut want = vec![32, 0, 0, 0, 0x20, 1, 0xd, 0xb8];
    want.resize(20, 0);
    shape_round_trip(&v6, "2001:db8:ffff::/32", &want, "2001:db8::/32");
    // A `[u8; 4]` key holds an IPv4 address's bytes: the same key, in the same notation.
    let bytes4 = Shape::prefix_key(shape(Ty::Array(Box::new(Ty::U8), 4)));
    shape_round_trip(&bytes4, "10.1.0.0/16", &[16, 0, 0, 0, 10, 1, 0, 0], "10.1.0.0/16");
    let other = Shape::prefix_key(shape(Ty::Array(Box::new(Ty::U8), 2)));
    shape_round_trip(&other, "b\"az\"/12", &[12, 0, 0, 0, b'a', b'p'], "b\"ap\"/12");
    assert_eq!(v4.parse("10.1.0.0/33").unwrap_err().message, "prefix length 33 is longer than the address's 32 bits");
    let e = v4.parse("10.1.0/16").unwrap_err();
    assert_eq!(e.message, "`10.1.0/16` is not a prefix: `10.1.0` is not an IPv4 address");
    assert_eq!(e.help.as_deref(), Some("write `10.1.0.0/16`"));
    // Without the policy, the kernel's key size says which family.
    assert_eq!(Shape::untyped_prefix_key(8), v4);
    assert_eq!(Shape::untyped_prefix_key(20), v6);
    assert_eq!(Shape::untyped_prefix_key(6), Shape::Prefix(Box::new(Shape::Bytes(2))));
}

/// A BTF blob of the given type records (32-bit words) and string table.
fn btf_blob(types: &[u32], strings: &[u8]) -> rsteer_bpf::btf::Btf {
    let types: Vec<u8> = types.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut b = vec![0x9f, 0xeb, 1, 0];
    for v in [24u32, 0, types.len() as u32, types.len() as u32, strings.len() as u32] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&types);
    b.extend_from_slice(strings);
    rsteer_bpf::btf::Btf::parse(&b).unwrap()
}

#[test]
fn shapes_from_btf_are_the_policys() {
    use rsteer_bpf::btf::{INT_BOOL, INT_SIGNED, KIND_INT, KIND_STRUCT, KIND_TYPEDEF};
    // 1 u32, 2 u8, 3 bool, 4 i16, 5 `Flow` { proto: u8 @0, port: u32 @4, tag: i16 @8 } (12 B),
    // 6 typedef flow_t = Flow.
    let strings = b"\0u32\0u8\0bool\0i16\0Flow\0proto\0port\0tag\0flow_t\0";
    let types = [
        1,
        KIND_INT << 24,
        4,
        32, //
        5,
        KIND_INT << 24,
        1,
        8, //
        8,
        KIND_INT << 24,
        1,
        (INT_BOOL << 24) | 8, //
        13,
        KIND_INT << 24,
        2,
        (INT_SIGNED << 24) | 16, //
        17,
        (KIND_STRUCT << 24) | 3,
        12,
        22,
        2,
        0,
        28,
        1,
        32,
        33,
        4,
        64, //
        37,
        KIND_TYPEDEF << 24,
        5,
    ];
    let btf = btf_blob(&types, strings);
    assert_eq!(Shape::from_btf(&btf, 6), Some(shape(Ty::Struct(StructId(0)))));
    assert_eq!(Shape::from_btf(&btf, 3), Some(Shape::Bool));
    assert_eq!(Shape::from_btf(&btf, 4), Some(Shape::Int(IntTy::I16)));
    assert_eq!(Shape::from_btf(&btf, 99), None);
}

#[test]
fn update_merges_the_fields_given() {
    let flow = shape(Ty::Struct(StructId(0)));
    let base = flow.parse("proto=6,port=443,tag=-1").unwrap();
    let merged = flow.parse_over("port=80", &base).unwrap();
    assert_eq!(flow.print(&merged), "proto=6,port=80,tag=-1");
    let merged = flow.from_json_over(&serde_json::json!({"tag": 7}), &base).unwrap();
    assert_eq!(flow.print(&merged), "proto=6,port=443,tag=7");
    // Without a base, a missing field is still an error.
    assert!(flow.parse("port=80").is_err());
    // Nested: a struct inside a struct keeps its own unnamed fields.
    let pair = shape(Ty::Struct(StructId(1)));
    let base = pair.parse("a={proto=1,port=2,tag=3},ok=true").unwrap();
    assert_eq!(pair.print(&pair.parse_over("a={port=9}", &base).unwrap()), "a={proto=1,port=9,tag=3},ok=true");
}
