//! The JSON forms of values (see the crate documentation).

use crate::{check_len, Shape, StructFill, Value, ValueError};
use rsteer_lang::hir::IntTy;
use serde_json::Value as Json;

pub(crate) fn to_json(shape: &Shape, value: &Value) -> Json {
    // Addresses and prefixes are strings in their usual notation.
    if matches!(shape, Shape::Addr4 | Shape::Addr6 | Shape::Prefix(_)) {
        return Json::String(shape.print(value));
    }
    match value {
        Value::Int(_, t) if t.signed() => Json::from(value.as_i128().unwrap_or_default() as i64),
        Value::Int(bits, _) => Json::from(*bits),
        Value::Bool(b) => Json::Bool(*b),
        Value::Array(items) => {
            let elem = match shape {
                Shape::Array { elem, .. } => elem,
                _ => shape,
            };
            Json::Array(items.iter().map(|v| to_json(elem, v)).collect())
        }
        Value::Struct(items) => match shape {
            Shape::Struct { fields, .. } => {
                Json::Object(fields.iter().zip(items).map(|(f, v)| (f.name.clone(), to_json(&f.shape, v))).collect())
            }
            // A struct value under another shape (a caller's mistake): its fields, unnamed.
            _ => Json::Array(items.iter().map(|v| to_json(shape, v)).collect()),
        },
        Value::Bytes(bytes) => Json::Array(bytes.iter().map(|b| Json::from(*b)).collect()),
    }
}

pub(crate) fn from_json_over(shape: &Shape, json: &Json, base: Option<&Value>) -> Result<Value, ValueError> {
    if let Json::String(text) = json {
        return crate::text::parse_over(shape, text, base);
    }
    match (shape, json) {
        (Shape::Addr4, Json::Number(_)) => from_json_over(&Shape::Int(IntTy::U32), json, None),
        (Shape::Addr6, Json::Array(_)) => {
            from_json_over(&Shape::Array { elem: Box::new(Shape::Int(IntTy::U8)), len: 16, stride: 1 }, json, None)
        }
        // The number's own text, read as the type: one range check and one set of messages.
        (Shape::Int(t), Json::Number(n)) => rsteer_lang::lit::parse_int(&n.to_string(), *t)
            .map(|bits| Value::Int(bits, *t))
            .map_err(|e| ValueError::new(e.to_string())),
        (Shape::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (Shape::Array { elem, len, .. }, Json::Array(items)) => {
            check_len(items.len(), *len, shape)?;
            let items = items
                .iter()
                .enumerate()
                .map(|(i, j)| from_json_over(elem, j, None).map_err(|e| e.within(format_args!("element {i}"))));
            Ok(Value::Array(items.collect::<Result<_, _>>()?))
        }
        (Shape::Bytes(n), Json::Array(items)) => {
            check_len(items.len(), *n, shape)?;
            let byte = Shape::Int(IntTy::U8);
            let bytes = items.iter().enumerate().map(|(i, j)| match from_json_over(&byte, j, None) {
                Ok(Value::Int(b, _)) => Ok(b as u8),
                Ok(_) => Ok(0),
                Err(e) => Err(e.within(format_args!("element {i}"))),
            });
            Ok(Value::Bytes(bytes.collect::<Result<_, _>>()?))
        }
        (Shape::Struct { name, fields, .. }, Json::Object(members)) => {
            let mut fill = StructFill::new(name, fields);
            for (key, j) in members {
                let (i, field) = fill.field(key)?;
                let field_base = match base {
                    Some(Value::Struct(old)) => old.get(i),
                    _ => None,
                };
                let v =
                    from_json_over(&field.shape, j, field_base).map_err(|e| e.within(format_args!("field `{key}`")))?;
                fill.set(i, v);
            }
            fill.finish_over(base)
        }
        (_, other) => Err(ValueError::new(format!("`{other}` is not a `{}` value", shape.name()))),
    }
}
