//! Accounts, sign-in, sessions and API tokens.
//!
//! Passwords are hashed with argon2id (only at sign-in and password change). Sessions and
//! API tokens are opaque random strings handed to the client; the database keeps only their
//! SHA-256, so a copy of the database cannot be used to sign in.

use crate::access::{Grant, Principal};
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_optional, QueryParts, Value};
use crate::model::Territory;
use crate::{new_id, Result, Store, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::access::{check_password, check_username, Permission, Role};
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Failed sign-ins in a row that lock an account, and for how long.
pub const LOCK_AFTER_FAILURES: i32 = 5;
pub const LOCK_MINUTES: i64 = 15;
/// Session lifetimes: idle and absolute.
pub const SESSION_IDLE_MINUTES: i64 = 30;
pub const SESSION_ABSOLUTE_HOURS: i64 = 12;

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Other(anyhow::anyhow!("argon2: {e}")))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A random opaque token: `prefix_` and 32 random bytes, URL-safe.
pub fn new_token(prefix: &str) -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("{prefix}_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub person_id: Option<Uuid>,
    pub demo: bool,
    pub created_at: DateTime<Utc>,
}

const USER_COLS: &str = "u.id, u.username, u.display_name, u.password_hash, u.must_change_password, u.disabled, u.failed_logins, u.locked_until, u.person_id, u.demo, u.created_at";

#[derive(Debug, sqlx::FromRow)]
struct GrantRow {
    id: Uuid,
    role: String,
    territory_id: Uuid,
    territory_name: String,
    territory_code: String,
    path: String,
}

#[derive(Debug, sqlx::FromRow)]
struct SessionRow {
    user_id: Uuid,
    csrf_token: String,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A user with their grants, as the user administration lists them.
#[derive(Debug, Clone, Serialize)]
pub struct UserWithGrants {
    pub user: User,
    pub grants: Vec<Grant>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    /// Territory id or code of the scope.
    pub scope: String,
    /// The resident record this account belongs to (required for the resident role).
    pub person_id: Option<Uuid>,
}

/// A live session, as the web keeps it.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

impl Session {
    /// Whether the session has run out at `now` (idle or absolute limit).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.last_seen_at > Duration::minutes(SESSION_IDLE_MINUTES)
            || now - self.created_at > Duration::hours(SESSION_ABSOLUTE_HOURS)
    }
}

/// Why a sign-in failed. The message never says whether the username exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    BadCredentials,
    Locked { until: DateTime<Utc> },
    Disabled,
}

/// Failed sign-ins under names that have no account, counted like real accounts' failures
/// (five lock for fifteen minutes) so that an unknown name answers exactly as a locked one.
/// Kept in memory per process and bounded; another server counts its own.
#[derive(Debug, Default)]
pub struct UnknownLogins {
    map: std::sync::Mutex<std::collections::HashMap<String, Failures>>,
}

/// Failures in a row, and the end of the lock they led to.
type Failures = (i32, Option<DateTime<Utc>>);

impl UnknownLogins {
    const MAX_NAMES: usize = 100_000;

    /// Records one more failure for `name` and says how the sign-in fails.
    pub fn failed(&self, name: &str, now: DateTime<Utc>) -> LoginError {
        let Ok(mut m) = self.map.lock() else { return LoginError::BadCredentials };
        if m.len() >= Self::MAX_NAMES {
            m.retain(|_, (n, until)| *n > 1 || until.is_some_and(|u| u > now));
            if m.len() >= Self::MAX_NAMES {
                m.clear();
            }
        }
        let e = m.entry(name.to_string()).or_insert((0, None));
        if let Some(until) = e.1.filter(|u| *u > now) {
            return LoginError::Locked { until };
        }
        e.0 += 1;
        if e.0 >= LOCK_AFTER_FAILURES {
            let until = now + Duration::minutes(LOCK_MINUTES);
            *e = (0, Some(until));
            LoginError::Locked { until }
        } else {
            e.1 = None;
            LoginError::BadCredentials
        }
    }
}

#[derive(Debug, Clone)]
pub struct LoginOk {
    pub token: String,
    pub session: Session,
}

fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown role {s} in role_grants")))
}

impl Store {
    pub async fn user_by_name(&self, username: &str) -> Result<User> {
        let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.username = $1");
        fetch_optional(&self.db, &sql, &[username.trim().to_lowercase().into()]).await?.ok_or(StoreError::NotFound)
    }

    pub async fn user(&self, id: Uuid) -> Result<User> {
        let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1");
        fetch_optional(&self.db, &sql, &[id.into()]).await?.ok_or(StoreError::NotFound)
    }

    pub async fn grants_of(&self, user_id: Uuid) -> Result<Vec<Grant>> {
        let sql = "SELECT g.id, g.role, g.territory_id, t.name AS territory_name, t.code AS territory_code, g.path \
                   FROM role_grants g JOIN territories t ON t.id = g.territory_id WHERE g.user_id = $1 ORDER BY g.path, g.role";
        let rows: Vec<GrantRow> = fetch_all(&self.db, sql, &[user_id.into()]).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Grant {
                    id: r.id,
                    role: parse_role(&r.role)?,
                    territory_id: r.territory_id,
                    territory_name: r.territory_name,
                    territory_code: r.territory_code,
                    path: r.path,
                })
            })
            .collect()
    }

    pub async fn principal_of(&self, u: &User) -> Result<Principal> {
        Ok(Principal {
            user_id: Some(u.id),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            person_id: u.person_id,
            grants: self.grants_of(u.id).await?,
            must_change_password: u.must_change_password,
        })
    }

    /// Resolves a scope reference for a grant made by `by`: the node must exist, be inside
    /// the granter's user-management scope (else it is "not found"), and suit the role.
    async fn grant_target(&self, by: &Principal, role: Role, scope_ref: &str) -> Result<Territory> {
        let manage = by.scope(Permission::ManageUsers).map_err(|d| StoreError::Forbidden(d.0))?;
        if !by.grants.iter().any(|g| g.role.may_grant(role)) {
            return Err(StoreError::invalid(
                "role",
                format!("您不能授予“{}”角色 (you may not grant this role)", role.label_zh()),
            ));
        }
        let t = match self.territory_by_ref(scope_ref).await {
            Ok(t) if manage.covers(&t) => t,
            Ok(_) | Err(StoreError::NotFound) => {
                return Err(StoreError::missing(
                    "scope",
                    format!("区域“{}”不存在 (no such territory)", scope_ref.trim()),
                ))
            }
            Err(e) => return Err(e),
        };
        let kind = jiayuan_domain::TerritoryKind::parse_field(&t.kind, "scope")?;
        role.check_scope_kind(kind)?;
        Ok(t)
    }

    /// Creates an account with one role. `must_change` forces a new password at first
    /// sign-in (every account made by someone else); the policy applies to every password.
    pub async fn create_user(&self, ctx: &AuditCtx, by: &Principal, n: &NewUser, must_change: bool) -> Result<User> {
        let username = check_username(&n.username)?;
        check_password(&username, &n.password)?;
        let display = n.display_name.trim();
        if display.is_empty() || display.chars().count() > 40 {
            return Err(StoreError::invalid("display_name", "姓名不能为空且不超过40字 (1–40 characters)"));
        }
        let t = self.grant_target(by, n.role, &n.scope).await?;
        if n.role == Role::Resident && n.person_id.is_none() {
            return Err(StoreError::invalid(
                "person_id",
                "居民账号须关联本人的居民记录 (a resident account needs a person)",
            ));
        }
        if self.user_by_name(&username).await.is_ok() {
            return Err(StoreError::Conflict {
                field: "username".into(),
                message: format!("用户名{username}已存在 (username taken)"),
            });
        }
        let hash = hash_blocking(n.password.clone()).await?;
        let id = new_id();
        let now = Utc::now();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO users (id, username, display_name, password_hash, must_change_password, disabled, failed_logins, locked_until, person_id, demo, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,FALSE,0,NULL,$6,FALSE,$7,$7)",
            &[id.into(), username.clone().into(), display.into(), hash.into(), must_change.into(), n.person_id.into(), now.into()],
        )
        .await?;
        insert_grant(&mut tx, id, n.role, &t, &by.username).await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &t.path,
                action: "user.create",
                object: format!("user:{username}"),
                summary: json!({"after": {"username": username, "role": n.role.as_str(), "scope": t.code, "must_change_password": must_change}}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.user(id).await
    }

    /// Adds a role to an existing account.
    pub async fn grant_role(
        &self,
        ctx: &AuditCtx,
        by: &Principal,
        user: &User,
        role: Role,
        scope_ref: &str,
    ) -> Result<()> {
        let t = self.grant_target(by, role, scope_ref).await?;
        if role == Role::Resident && user.person_id.is_none() {
            return Err(StoreError::invalid(
                "role",
                "居民角色须关联本人的居民记录 (a resident role needs a linked person)",
            ));
        }
        let mut tx = self.begin().await?;
        let exists: i64 = crate::on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT count(*) FROM role_grants WHERE user_id = $1 AND role = $2 AND territory_id = $3"
        )
        .bind(user.id)
        .bind(role.as_str())
        .bind(t.id)
        .fetch_one(c)
        .await?);
        if exists > 0 {
            return Err(StoreError::Conflict {
                field: "role".into(),
                message: "该账号已有此授权 (already granted)".into(),
            });
        }
        insert_grant(&mut tx, user.id, role, &t, &by.username).await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &t.path,
                action: "user.grant",
                object: format!("user:{}", user.username),
                summary: json!({"after": {"role": role.as_str(), "scope": t.code}}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        // Who staffs a level decides appeal routing.
        self.cache.clear();
        Ok(())
    }

    /// Removes one grant, if it lies inside the remover's scope.
    pub async fn revoke_grant(&self, ctx: &AuditCtx, by: &Principal, user: &User, grant_id: Uuid) -> Result<()> {
        let grants = self.grants_of(user.id).await?;
        let g = grants.into_iter().find(|g| g.id == grant_id).ok_or(StoreError::NotFound)?;
        let manage = by.scope(Permission::ManageUsers).map_err(|d| StoreError::Forbidden(d.0))?;
        if !manage.covers_path(&g.path) || !by.grants.iter().any(|m| m.role.may_grant(g.role)) {
            return Err(StoreError::NotFound);
        }
        let event = AuditEvent {
            scope_path: &g.path,
            action: "user.revoke",
            object: format!("user:{}", user.username),
            summary: json!({"before": {"role": g.role.as_str(), "scope": g.territory_code}}),
            result: "ok",
        };
        self.write_audited(ctx, &[("DELETE FROM role_grants WHERE id = $1", vec![grant_id.into()])], event).await
    }

    /// A user that `by` may manage: one with a grant inside `by`'s management scope, or with
    /// no grant at all (district-wide managers only). Otherwise "not found".
    pub async fn managed_user(&self, by: &Principal, username: &str) -> Result<User> {
        let manage = by.scope(Permission::ManageUsers).map_err(|d| StoreError::Forbidden(d.0))?;
        let u = self.user_by_name(username).await?;
        let grants = self.grants_of(u.id).await?;
        let visible =
            if grants.is_empty() { manage.is_everything() } else { grants.iter().any(|g| manage.covers_path(&g.path)) };
        if visible {
            Ok(u)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Accounts with a grant inside `by`'s management scope.
    pub async fn list_users(&self, by: &Principal) -> Result<Vec<UserWithGrants>> {
        let manage = by.scope(Permission::ManageUsers).map_err(|d| StoreError::Forbidden(d.0))?;
        let mut q = QueryParts::default();
        manage.restrict(&mut q, "g.path", None);
        let all = manage.is_everything();
        let sql = format!(
            "SELECT {USER_COLS} FROM users u WHERE u.id IN (SELECT g.user_id FROM role_grants g{}){} ORDER BY u.username",
            q.where_clause(),
            if all { " OR NOT EXISTS (SELECT 1 FROM role_grants g2 WHERE g2.user_id = u.id)" } else { "" }
        );
        let users: Vec<User> = fetch_all(&self.db, &sql, &q.vals).await?;
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let grants = self.grants_of(u.id).await?;
            out.push(UserWithGrants { user: u, grants });
        }
        Ok(out)
    }

    /// Disables or enables an account; disabling ends its sessions and tokens at once.
    pub async fn set_disabled(&self, ctx: &AuditCtx, user: &User, disabled: bool) -> Result<()> {
        let scope = self.user_scope_path(user.id).await?;
        let mut statements = vec![(
            "UPDATE users SET disabled = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3",
            vec![disabled.into(), Utc::now().into(), user.id.into()],
        )];
        if disabled {
            statements.push(("DELETE FROM sessions WHERE user_id = $1", vec![user.id.into()]));
        }
        let event = AuditEvent {
            scope_path: &scope,
            action: if disabled { "user.disable" } else { "user.enable" },
            object: format!("user:{}", user.username),
            summary: json!({"before": {"disabled": user.disabled}, "after": {"disabled": disabled}}),
            result: "ok",
        };
        self.write_audited(ctx, &statements, event).await
    }

    /// The path an account's audit entries are filed under: its most senior grant's node.
    async fn user_scope_path(&self, user_id: Uuid) -> Result<String> {
        let grants = self.grants_of(user_id).await?;
        Ok(grants.iter().min_by_key(|g| g.role.rank()).map(|g| g.path.clone()).unwrap_or_else(|| "/".into()))
    }

    /// Sets a password. `forced_change` is true when someone else sets it (the user must
    /// change it at next sign-in); the user's own change clears the flag. Other sessions of
    /// the user end.
    pub async fn set_password(
        &self,
        ctx: &AuditCtx,
        user: &User,
        new_password: &str,
        forced_change: bool,
    ) -> Result<()> {
        check_password(&user.username, new_password)?;
        if !forced_change && verify_password_blocking(new_password.to_string(), user.password_hash.clone()).await {
            return Err(StoreError::invalid("password", "新密码不能与原密码相同 (must differ from the current one)"));
        }
        let hash = hash_blocking(new_password.to_string()).await?;
        let scope = self.user_scope_path(user.id).await?;
        let mut statements = vec![(
            "UPDATE users SET password_hash = $1, must_change_password = $2, failed_logins = 0, locked_until = NULL, updated_at = $3 WHERE id = $4",
            vec![hash.into(), forced_change.into(), Utc::now().into(), user.id.into()],
        )];
        if forced_change {
            statements.push(("DELETE FROM sessions WHERE user_id = $1", vec![user.id.into()]));
        }
        let event = AuditEvent {
            scope_path: &scope,
            action: if forced_change { "user.password_reset" } else { "user.password_change" },
            object: format!("user:{}", user.username),
            summary: json!({"after": {"must_change_password": forced_change}}),
            result: "ok",
        };
        self.write_audited(ctx, &statements, event).await
    }

    /// Checks a username and password. Success opens a session; failure counts towards the
    /// lock. Both are audited. An unknown username costs the same argon2 work as a known one.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        ip: &str,
        request_id: &str,
    ) -> Result<Result<LoginOk, LoginError>> {
        let name = username.trim().to_lowercase();
        let now = Utc::now();
        let user = match self.user_by_name(&name).await {
            Ok(u) => u,
            Err(StoreError::NotFound) => {
                let _ = verify_password_blocking(password.to_string(), DUMMY_HASH.to_string()).await;
                let outcome = self.unknown_logins.failed(&name, now);
                self.audit(
                    &AuditCtx::anonymous(&name, ip, request_id),
                    AuditEvent {
                        scope_path: "/",
                        action: "auth.login",
                        object: format!("user:{name}"),
                        summary: json!({}),
                        result: "unknown_user",
                    },
                )
                .await?;
                // An unknown name locks like a real one, so lockout cannot tell which exist.
                return Ok(Err(outcome));
            }
            Err(e) => return Err(e),
        };
        let scope = self.user_scope_path(user.id).await?;
        let ctx = AuditCtx::anonymous(&user.username, ip, request_id);
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            // As long as a wrong password takes: a quick answer would say "this one exists".
            let _ = verify_password_blocking(password.to_string(), DUMMY_HASH.to_string()).await;
            self.audit(
                &ctx,
                AuditEvent {
                    scope_path: &scope,
                    action: "auth.login",
                    object: format!("user:{}", user.username),
                    summary: json!({}),
                    result: "locked",
                },
            )
            .await?;
            return Ok(Err(LoginError::Locked { until }));
        }
        let good = verify_password_blocking(password.to_string(), user.password_hash.clone()).await;
        if !good {
            let failures = user.failed_logins + 1;
            let lock = (failures >= LOCK_AFTER_FAILURES).then(|| now + Duration::minutes(LOCK_MINUTES));
            let mut tx = self.begin().await?;
            exec(
                &mut tx,
                "UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3",
                &[(if lock.is_some() { 0 } else { failures as i64 }).into(), lock.into(), user.id.into()],
            )
            .await?;
            audit::append(
                &mut tx,
                &ctx,
                AuditEvent {
                    scope_path: &scope,
                    action: "auth.login",
                    object: format!("user:{}", user.username),
                    summary: json!({"failures": failures, "locked": lock.is_some()}),
                    result: if lock.is_some() { "locked_now" } else { "bad_password" },
                },
            )
            .await?;
            tx.commit().await?;
            return Ok(Err(match lock {
                Some(until) => LoginError::Locked { until },
                None => LoginError::BadCredentials,
            }));
        }
        if user.disabled {
            self.audit(
                &ctx,
                AuditEvent {
                    scope_path: &scope,
                    action: "auth.login",
                    object: format!("user:{}", user.username),
                    summary: json!({}),
                    result: "disabled",
                },
            )
            .await?;
            return Ok(Err(LoginError::Disabled));
        }
        let principal = self.principal_of(&user).await?;
        let token = new_token("jys");
        let csrf = new_token("csrf");
        let mut tx = self.begin().await?;
        exec(&mut tx, "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1", &[user.id.into()])
            .await?;
        exec(
            &mut tx,
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, ip) VALUES ($1,$2,$3,$4,$4,$5)",
            &[token_hash(&token).into(), user.id.into(), csrf.clone().into(), now.into(), ip.into()],
        )
        .await?;
        audit::append(
            &mut tx,
            &AuditCtx::of(&principal, ip, request_id),
            AuditEvent {
                scope_path: &scope,
                action: "auth.login",
                object: format!("user:{}", user.username),
                summary: json!({}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(LoginOk { token, session: Session { principal, csrf_token: csrf, created_at: now, last_seen_at: now } }))
    }

    /// The live session for a token, or `None` (unknown, expired, or its user disabled).
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let h = token_hash(token);
        let row: Option<SessionRow> = fetch_optional(
            &self.db,
            "SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE token_hash = $1",
            &[h.clone().into()],
        )
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = self.user(row.user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        let s = Session {
            principal: self.principal_of(&user).await?,
            csrf_token: row.csrf_token,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
        };
        if s.expired(Utc::now()) {
            exec_once(self, "DELETE FROM sessions WHERE token_hash = $1", h).await?;
            return Ok(None);
        }
        Ok(Some(s))
    }

    /// Records activity on a session (the idle clock restarts).
    pub async fn touch_session(&self, token: &str, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
            &[at.into(), token_hash(token).into()],
        )
        .await?;
        tx.commit().await
    }

    pub async fn logout(&self, ctx: &AuditCtx, token: &str) -> Result<()> {
        let scope = match self.user_by_name(&ctx.actor).await {
            Ok(u) => self.user_scope_path(u.id).await?,
            Err(_) => "/".to_string(),
        };
        let event = AuditEvent {
            scope_path: &scope,
            action: "auth.logout",
            object: format!("user:{}", ctx.actor),
            summary: json!({}),
            result: "ok",
        };
        self.write_audited(
            ctx,
            &[("DELETE FROM sessions WHERE token_hash = $1", vec![token_hash(token).into()])],
            event,
        )
        .await
    }

    /// Makes an API token for `user`; returns the token text, shown once.
    pub async fn create_token(
        &self,
        ctx: &AuditCtx,
        user: &User,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(String, ApiToken)> {
        // Counted as sent, as the schema's maxLength counts it; then trimmed.
        let too_long = name.chars().count() > 60;
        let name = name.trim();
        if name.is_empty() || too_long {
            return Err(StoreError::invalid("name", "令牌名称不能为空且不超过60字 (1–60 characters)"));
        }
        if let Some(e) = expires_at {
            if e <= Utc::now() {
                return Err(StoreError::invalid("expires", "过期时间必须在将来 (must be in the future)"));
            }
        }
        let token = new_token("jyt");
        let id = new_id();
        let prefix: String = token.chars().take(10).collect();
        let scope = self.user_scope_path(user.id).await?;
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at, expires_at, revoked_at, last_used_at) VALUES ($1,$2,$3,$4,$5,$6,$7,NULL,NULL)",
            &[id.into(), user.id.into(), name.into(), token_hash(&token).into(), prefix.into(), Utc::now().into(), expires_at.into()],
        )
        .await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &scope,
                action: "token.create",
                object: format!("token:{id}"),
                summary: json!({"after": {"user": user.username, "name": name, "expires_at": expires_at}}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        let t = self.tokens_of(user.id).await?.into_iter().find(|t| t.id == id).ok_or(StoreError::NotFound)?;
        Ok((token, t))
    }

    pub async fn tokens_of(&self, user_id: Uuid) -> Result<Vec<ApiToken>> {
        fetch_all(
            &self.db,
            "SELECT id, user_id, name, prefix, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
            &[user_id.into()],
        )
        .await
    }

    /// Revokes one of `user`'s tokens; another user's token is "not found".
    pub async fn revoke_token(&self, ctx: &AuditCtx, user: &User, token_id: Uuid) -> Result<()> {
        let t = self.tokens_of(user.id).await?.into_iter().find(|t| t.id == token_id).ok_or(StoreError::NotFound)?;
        let scope = self.user_scope_path(user.id).await?;
        let event = AuditEvent {
            scope_path: &scope,
            action: "token.revoke",
            object: format!("token:{}", t.id),
            summary: json!({"before": {"name": t.name}}),
            result: "ok",
        };
        let sql = "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";
        self.write_audited(ctx, &[(sql, vec![Utc::now().into(), t.id.into()])], event).await
    }

    /// The principal behind a bearer token, if it is valid now.
    pub async fn token_principal(&self, token: &str) -> Result<Option<Principal>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: Uuid,
            expires_at: Option<DateTime<Utc>>,
            revoked_at: Option<DateTime<Utc>>,
        }
        let row: Option<Row> = fetch_optional(
            &self.db,
            "SELECT user_id, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1",
            &[token_hash(token).into()],
        )
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e <= Utc::now()) {
            return Ok(None);
        }
        let user = self.user(row.user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(self.principal_of(&user).await?))
    }
}

impl Store {
    /// Runs `statements` and appends `event` to the audit log, all in one transaction.
    async fn write_audited(
        &self,
        ctx: &AuditCtx,
        statements: &[(&str, Vec<Value>)],
        event: AuditEvent<'_>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for (sql, vals) in statements {
            exec(&mut tx, sql, vals).await?;
        }
        audit::append(&mut tx, ctx, event).await?;
        tx.commit().await?;
        // Grants and disabled accounts decide appeal routing.
        self.cache.clear();
        Ok(())
    }
}

async fn insert_grant(tx: &mut crate::Tx, user_id: Uuid, role: Role, t: &Territory, by: &str) -> Result<()> {
    exec(
        tx,
        "INSERT INTO role_grants (id, user_id, role, territory_id, path, granted_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        &[new_id().into(), user_id.into(), role.as_str().into(), t.id.into(), t.path.clone().into(), by.into(), Utc::now().into()],
    )
    .await?;
    Ok(())
}

async fn exec_once(store: &Store, sql: &str, v: String) -> Result<()> {
    let mut tx = store.begin().await?;
    exec(&mut tx, sql, &[v.into()]).await?;
    tx.commit().await
}

/// An argon2id hash of a random password, verified against when the username is unknown so
/// that timing does not tell which usernames exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0uYyFb2dMpTrkGz5ZSOOpwYs4jTl1dx+Ze1GpPJBk1M";

async fn hash_blocking(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("hashing task: {e}")))?
}

async fn verify_password_blocking(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_after_30_idle_minutes_or_12_hours() {
        let t0 = Utc::now();
        let s = |created: DateTime<Utc>, seen: DateTime<Utc>| Session {
            principal: crate::access::Principal::operator(),
            csrf_token: String::new(),
            created_at: created,
            last_seen_at: seen,
        };
        assert!(!s(t0, t0).expired(t0 + Duration::minutes(29)));
        assert!(s(t0, t0).expired(t0 + Duration::minutes(31)), "idle");
        let busy = s(t0, t0 + Duration::hours(12));
        assert!(!busy.expired(t0 + Duration::hours(11) + Duration::minutes(59)));
        assert!(busy.expired(t0 + Duration::hours(12) + Duration::minutes(1)), "absolute");
    }

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("a long enough password").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("a long enough password", &h));
        assert!(!verify_password("another password", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok(), "the dummy hash parses, so it costs a real verify");
        let t = new_token("jyt");
        assert!(t.starts_with("jyt_") && t.len() > 40);
        assert_ne!(new_token("jyt"), t);
        assert_eq!(token_hash(&t).len(), 64);
    }
}
