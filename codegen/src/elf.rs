//! ELF writer (to be written): `write_object(&ObjectSpec) -> Result<Vec<u8>, String>`.
use crate::object::ObjectSpec;

pub fn write_object(spec: &ObjectSpec) -> Result<Vec<u8>, String> {
    let _ = spec;
    Err("not written yet".into())
}
