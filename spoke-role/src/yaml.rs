//! A small block-style YAML writer for the generated templates. Strings are written as JSON strings,
//! which YAML reads as double-quoted scalars, so no value can change meaning.

use serde_json::Value;

/// The same value with every object's keys in sorted order, whatever the map implementation.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, 0, &mut out);
    out
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Object(m) if !m.is_empty())
        && !matches!(value, Value::Array(a) if !a.is_empty())
}

fn key(k: &str) -> String {
    // YAML 1.1/1.2 reads these plain scalars as null or booleans (`Null:` is IAM's `Null` operator).
    const RESERVED: &[&str] = &[
        "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes",
        "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
    ];
    if !RESERVED.contains(&k)
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_owned()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

fn write_value(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            // Sorted keys: the output must not depend on whether serde_json preserves insertion order
            // (a feature another crate in the build may switch on).
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (k, v) in entries {
                if is_scalar(v) {
                    out.push_str(&format!("{pad}{}: {}\n", key(k), scalar(v)));
                } else {
                    out.push_str(&format!("{pad}{}:\n", key(k)));
                    write_value(v, indent + 2, out);
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                if is_scalar(item) {
                    out.push_str(&format!("{pad}- {}\n", scalar(item)));
                } else {
                    let mut nested = String::new();
                    write_value(item, indent + 2, &mut nested);
                    // The first line of the nested block goes after the dash.
                    let trimmed = nested.trim_start_matches(' ');
                    out.push_str(&format!("{pad}- {trimmed}"));
                }
            }
        }
        Value::Object(_) => out.push_str(&format!("{pad}{{}}\n")),
        Value::Array(_) => out.push_str(&format!("{pad}[]\n")),
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}
