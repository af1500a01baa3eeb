//! Reading one JSON document from a file: saved cut points, rule sets, segment maps, model
//! parameters.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{IoError, IoResult};

/// Reads the JSON file `path` as a `T`; `what` names the expected content in the error ("cut
/// points", "a rule set"), which also names the file and the line.
///
/// ```
/// use std::collections::BTreeMap;
/// let dir = std::env::temp_dir().join(format!("crm-read-json-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let p = dir.join("weights.json");
/// std::fs::write(&p, "{\"a\": 1,\n \"b\": two}")?;
/// let e = crm_analytics::io::read_json::<BTreeMap<String, u32>>(&p, "weights").unwrap_err();
/// let text = e.to_string();
/// assert!(text.contains("weights.json:2:") && text.contains("not weights: expected ident"), "{text}");
/// std::fs::write(&p, "{\"a\": 1, \"b\": 2}")?;
/// let w: BTreeMap<String, u32> = crm_analytics::io::read_json(&p, "weights")?;
/// assert_eq!(w["b"], 2);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_json<T: DeserializeOwned>(path: &Path, what: &str) -> IoResult<T> {
    let text = std::fs::read_to_string(path).map_err(|source| IoError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        IoError::input(
            path,
            Some(e.line() as u64),
            None,
            format!("not {what}: {e}"),
        )
    })
}
