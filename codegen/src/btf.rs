//! BTF and .BTF.ext encoder (to be written).
