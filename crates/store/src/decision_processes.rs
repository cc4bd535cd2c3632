//! Decision processes as configurable stages: which parties consult on a kind of matter and
//! whether the owners' assembly resolves after them. The property template is built in (by
//! migration 16); district administrators add others. A process in use is never changed
//! under a decision: a decision keeps the key it was proposed under, and a key once defined
//! is not redefined.

use crate::access::Principal;
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all};
use crate::error::conflict_as;
use crate::{Result, Store, StoreError};
use jiayuan_domain::access::Role;
use jiayuan_domain::decision::{Party, Process};
use serde_json::json;

/// The built-in property template's key.
pub const PROPERTY: &str = "property";

/// A defined process: its key, its name, and its stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessDef {
    pub key: String,
    pub name: String,
    pub process: Process,
    pub built_in: bool,
}

/// What a new process is defined with.
#[derive(Debug, Clone)]
pub struct NewProcess {
    pub key: String,
    pub name: String,
    pub parties: Vec<Party>,
    pub assembly: bool,
}

type ProcessRow = (String, String, String, bool, bool);

fn def_of((key, name, parties, assembly, built_in): ProcessRow) -> ProcessDef {
    let parties: Vec<Party> = parties.split(',').filter_map(Party::parse).collect();
    let process = Process::new(&parties, assembly).unwrap_or_else(|_| Process::property());
    ProcessDef { key, name, process, built_in }
}

impl Store {
    /// Every defined process, the built-in first.
    pub async fn decision_processes(&self) -> Result<Vec<ProcessDef>> {
        let rows: Vec<ProcessRow> = fetch_all(
            &self.db,
            "SELECT key, name, parties, assembly, built_in FROM decision_processes ORDER BY built_in DESC, key",
            &[],
        )
        .await?;
        Ok(rows.into_iter().map(def_of).collect())
    }

    /// One process by key; an unknown key is a missing `process`.
    pub async fn decision_process(&self, key: &str) -> Result<ProcessDef> {
        let rows: Vec<ProcessRow> = fetch_all(
            &self.db,
            "SELECT key, name, parties, assembly, built_in FROM decision_processes WHERE key = $1",
            &[key.trim().into()],
        )
        .await?;
        rows.into_iter()
            .next()
            .map(def_of)
            .ok_or_else(|| StoreError::missing("process", format!("没有决策流程“{}” (no such process)", key.trim())))
    }

    /// Defines a process (district administrators). The key is 2–32 lower-case letters,
    /// digits or `_`; a key already defined is a conflict.
    pub async fn define_decision_process(&self, ctx: &AuditCtx, who: &Principal, p: &NewProcess) -> Result<ProcessDef> {
        let Some(district) = who.grants.iter().find(|g| g.role == Role::DistrictAdmin) else {
            return Err(StoreError::Forbidden(jiayuan_domain::access::Permission::ManageUsers));
        };
        // Taken as sent: a key is an identifier, not text to tidy.
        let key = p.key.as_str();
        let ok_key = (2..=32).contains(&key.len())
            && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok_key {
            return Err(StoreError::invalid("key", "应为2到32个小写字母、数字或下划线 (2–32 of a–z, 0–9, _)"));
        }
        let name = p.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::invalid("name", "应为1到100个字 (1–100 characters)"));
        }
        let process = Process::new(&p.parties, p.assembly).map_err(|r| StoreError::invalid("parties", r.0))?;
        let parties: Vec<&str> = process.parties().iter().map(|p| p.as_str()).collect();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO decision_processes (key, name, parties, assembly, built_in) VALUES ($1, $2, $3, $4, FALSE)",
            &[key.into(), name.into(), parties.join(",").into(), process.assembly().into()],
        )
        .await
        .map_err(conflict_as("key", "该流程编码已存在 (a process with this key exists)"))?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &district.path,
                action: "decision.process",
                object: key.to_string(),
                summary: json!({"name": name, "parties": parties, "assembly": process.assembly()}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.decision_process(key).await
    }
}
