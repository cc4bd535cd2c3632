//! `jiayuan token`: API tokens made by the operator.

use crate::support::{user, Target};
use anyhow::Result;
use jiayuan_store::audit::AuditCtx;

#[derive(clap::Subcommand)]
pub enum TokenCmd {
    /// Make an API token for a user and print it (shown once)
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Lifetime: 30d, 12h, 90m or never
        #[arg(long, default_value = "90d")]
        expires: String,
    },
}

pub async fn run(target: &Target, cmd: TokenCmd) -> Result<()> {
    let TokenCmd::Create { user: username, name, expires } = cmd;
    let store = target.open().await?;
    store.check_schema().await?;
    let u = user(&store, "--user", &username).await?;
    let expires = jiayuan_web::api::parse_expiry(Some(&expires), chrono::Utc::now())
        .map_err(|e| anyhow::anyhow!("--expires: {}", e.message))?;
    let (token, _) = store.create_token(&AuditCtx::operator("token create"), &u, &name, expires).await?;
    println!("{token}");
    Ok(())
}
