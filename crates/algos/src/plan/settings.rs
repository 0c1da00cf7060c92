//! What the user wrote for one algorithm, and where: flags and config
//! values before they are resolved. Typed getters parse by the parameter's
//! [`Kind`] and name the origin on error.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::{Kind, PlanError};
use crate::common::Size;

/// One value as given: a JSON value (flags arrive as strings, config files
/// as numbers or strings) and where it came from (`--eps`, `dbscan.eps in run.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub value: Value,
    pub origin: String,
}

/// The settings of one algorithm, by parameter name (scikit-learn's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    map: BTreeMap<String, Setting>,
}

impl Settings {
    pub fn new() -> Self {
        Settings::default()
    }

    /// Sets `name` (a later value overrides an earlier one: flags override the config).
    pub fn set(&mut self, name: &str, value: Value, origin: impl Into<String>) {
        self.map.insert(
            name.to_string(),
            Setting {
                value,
                origin: origin.into(),
            },
        );
    }

    /// The same settings with `name` set (for sweeps: another covariance type).
    pub fn with(&self, name: &str, value: Value, origin: &str) -> Settings {
        let mut s = self.clone();
        s.set(name, value, origin);
        s
    }

    /// The same settings without `name`.
    pub fn without(&self, name: &str) -> Settings {
        let mut s = self.clone();
        s.map.remove(name);
        s
    }

    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.map.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Setting)> {
        self.map.iter()
    }

    /// The values as a JSON object (what the user gave, for `metrics.json`'s config).
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.map
                .iter()
                .map(|(k, s)| (k.clone(), s.value.clone()))
                .collect(),
        )
    }

    fn bad(&self, name: &str, expected: &str) -> PlanError {
        let s = &self.map[name];
        let shown = match &s.value {
            Value::String(t) => t.clone(),
            v => v.to_string(),
        };
        PlanError::new(format!("{}: expected {expected} (got {shown})", s.origin))
    }

    /// A whole number ≥ 0.
    pub fn count(&self, name: &str) -> Result<Option<usize>, PlanError> {
        let Some(s) = self.map.get(name) else {
            return Ok(None);
        };
        let v = match &s.value {
            Value::Number(n) => n.as_u64().map(|v| v as usize),
            Value::String(t) => t.trim().parse::<usize>().ok(),
            _ => None,
        };
        v.map(Some)
            .ok_or_else(|| self.bad(name, "a whole number ≥ 0"))
    }

    /// A switch: `true` or `false` (a bare command-line flag is `true`).
    pub fn flag(&self, name: &str) -> Result<Option<bool>, PlanError> {
        let Some(s) = self.map.get(name) else {
            return Ok(None);
        };
        let v = match &s.value {
            Value::Bool(b) => Some(*b),
            Value::String(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Some(true),
                "false" | "no" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        };
        v.map(Some).ok_or_else(|| self.bad(name, "true or false"))
    }

    /// A real number (`inf` allowed).
    pub fn float(&self, name: &str) -> Result<Option<f64>, PlanError> {
        let Some(s) = self.map.get(name) else {
            return Ok(None);
        };
        let v = match &s.value {
            Value::Number(n) => n.as_f64(),
            Value::String(t) => t.trim().parse::<f64>().ok().filter(|v| !v.is_nan()),
            _ => None,
        };
        v.map(Some).ok_or_else(|| self.bad(name, "a number"))
    }

    /// A count, or a fraction of n when below 1.
    pub fn size(&self, name: &str) -> Result<Option<Size>, PlanError> {
        let Some(s) = self.map.get(name) else {
            return Ok(None);
        };
        let v = match &s.value {
            Value::Number(n) => n.as_f64().map(Size::from),
            Value::String(t) => t.parse::<Size>().ok(),
            _ => None,
        };
        v.map(Some)
            .ok_or_else(|| self.bad(name, "a count or a fraction of n in (0, 1)"))
    }

    /// One of `choices` (case-insensitive); returns the canonical spelling.
    pub fn choice(
        &self,
        name: &str,
        choices: &'static [&'static str],
    ) -> Result<Option<&'static str>, PlanError> {
        let Some(s) = self.map.get(name) else {
            return Ok(None);
        };
        let text = match &s.value {
            Value::String(t) => t.trim().to_ascii_lowercase(),
            v => v.to_string(),
        };
        choices
            .iter()
            .find(|c| **c == text)
            .copied()
            .map(Some)
            .ok_or_else(|| self.bad(name, &format!("one of {}", choices.join(", "))))
    }

    /// A file path.
    pub fn path(&self, name: &str) -> Result<Option<PathBuf>, PlanError> {
        let Some(s) = self.map.get(name) else {
            return Ok(None);
        };
        match &s.value {
            Value::String(t) if !t.is_empty() => Ok(Some(PathBuf::from(t))),
            _ => Err(self.bad(name, "a file path")),
        }
    }

    /// Checks that every value parses as its kind (before any data is seen).
    pub fn check_kinds(&self, algorithm: super::Algorithm) -> Result<(), PlanError> {
        for (name, s) in &self.map {
            let Some(spec) = algorithm.param(name) else {
                return Err(PlanError::new(format!(
                    "{}: {} does not take {name}",
                    s.origin,
                    algorithm.name()
                )));
            };
            match spec.kind {
                Kind::Count => self.count(name).map(drop)?,
                Kind::Float => self.float(name).map(drop)?,
                Kind::Size => self.size(name).map(drop)?,
                Kind::Choice(c) => self.choice(name, c).map(drop)?,
                Kind::Path => self.path(name).map(drop)?,
                Kind::Flag => self.flag(name).map(drop)?,
            }
        }
        Ok(())
    }
}
