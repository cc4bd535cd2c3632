//! `jiayuan user`: accounts made, reset, disabled and listed by the operator.

use crate::support::{field_error, user, Target};
use crate::values::one_of;
use anyhow::{bail, Context, Result};
use jiayuan_domain::access::Role;
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::Store;

#[derive(clap::Subcommand)]
pub enum UserCmd {
    /// Create an account with one role over a territory. The initial password is read from
    /// standard input (one line) and must be changed at first sign-in.
    Create {
        username: String,
        /// Display name
        #[arg(long)]
        name: String,
        /// Role code (see `jiayuan user roles`)
        #[arg(long, value_parser = one_of(Role::ALL, Role::as_str))]
        role: Role,
        /// Territory code or id the role is held over
        #[arg(long)]
        scope: String,
        /// Resident record id, for the resident role
        #[arg(long)]
        person: Option<uuid::Uuid>,
    },
    /// Set a new initial password (read from standard input); the user must change it
    Passwd {
        username: String,
    },
    Disable {
        username: String,
    },
    Enable {
        username: String,
    },
    List,
    /// The roles, where each is held, and what each allows
    Roles,
}

pub async fn run(target: &Target, cmd: UserCmd) -> Result<()> {
    if let UserCmd::Roles = cmd {
        // The table is in the program: no database needed.
        print_roles();
        return Ok(());
    }
    let store = target.open().await?;
    store.migrate().await?;
    run_on(&store, cmd).await
}

async fn run_on(store: &Store, cmd: UserCmd) -> Result<()> {
    let op = Principal::operator();
    let ctx = |c: &str| AuditCtx::operator(&format!("user {c}"));
    match cmd {
        UserCmd::Create { username, name, role, scope, person } => {
            let password = read_password()?;
            let n = jiayuan_store::accounts::NewUser {
                username,
                display_name: name,
                password,
                role,
                scope,
                person_id: person,
            };
            let u = store.create_user(&ctx("create"), &op, &n, true).await.map_err(field_error)?;
            println!(
                "已创建账号 created {} ({}); the password must be changed at first sign-in",
                u.username,
                role.as_str()
            );
        }
        UserCmd::Passwd { username } => {
            let u = user(store, "username", &username).await?;
            let pw = read_password()?;
            store.set_password(&ctx("passwd"), &u, &pw, true).await.map_err(field_error)?;
            println!("已重置密码 password set for {}; it must be changed at next sign-in", u.username);
        }
        UserCmd::Disable { username } => {
            let u = user(store, "username", &username).await?;
            store.set_disabled(&ctx("disable"), &u, true).await?;
            println!("已停用 disabled {}", u.username);
        }
        UserCmd::Enable { username } => {
            let u = user(store, "username", &username).await?;
            store.set_disabled(&ctx("enable"), &u, false).await?;
            println!("已启用 enabled {}", u.username);
        }
        UserCmd::List => {
            for u in store.list_users(&op).await? {
                let grants: Vec<String> =
                    u.grants.iter().map(|g| format!("{}@{}", g.role.as_str(), g.territory_code)).collect();
                let state = if u.user.disabled {
                    "disabled"
                } else if u.user.must_change_password {
                    "initial-password"
                } else {
                    "active"
                };
                println!("{:<16} {:<12} {:<18} {}", u.user.username, state, u.user.display_name, grants.join(" "));
            }
        }
        UserCmd::Roles => print_roles(),
    }
    Ok(())
}

fn print_roles() {
    for r in Role::ALL {
        let kinds: Vec<&str> = r.scope_kinds().iter().map(|k| k.as_str()).collect();
        let perms: Vec<&str> = r.permissions().iter().map(|p| p.as_str()).collect();
        println!("{:<20} {:<22} over {:<12} {}", r.as_str(), r.label_zh(), kinds.join("/"), perms.join(","));
    }
}

/// One line from standard input, without its line ending.
fn read_password() -> Result<String> {
    use std::io::BufRead;
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprint!("密码 password (shown as typed; pipe it in to keep it off screen): ");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    if pw.is_empty() {
        bail!("password: 标准输入中没有密码 (give the password on standard input)");
    }
    Ok(pw)
}
