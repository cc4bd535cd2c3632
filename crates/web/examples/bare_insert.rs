//! The baseline for the filing benchmark: a bare axum handler that inserts one row into
//! SQLite per request, with the same pool settings as Jiayuan (WAL, synchronous=NORMAL) and
//! no authentication, audit, routing or rollups. `bench/appeals.sh` prints Jiayuan's rate as
//! a ratio of this one's.
//!
//!   cargo run --release -p jiayuan-web --example bare_insert -- sqlite:///tmp/bare.db 127.0.0.1:18090

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;

#[derive(serde::Deserialize)]
struct Body {
    description: String,
}

async fn insert(State(pool): State<SqlitePool>, Json(b): Json<Body>) -> Result<(StatusCode, String), StatusCode> {
    let id: i64 = sqlx::query_scalar("INSERT INTO items (description, created_at) VALUES ($1, $2) RETURNING id")
        .bind(b.description)
        .bind(chrono::Utc::now())
        .fetch_one(&pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok((StatusCode::CREATED, format!("{{\"id\":{id}}}")))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "sqlite:///tmp/bare.db".into());
    let addr = args.get(2).cloned().unwrap_or_else(|| "127.0.0.1:18090".into());
    let opts = SqliteConnectOptions::from_str(&url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(std::time::Duration::from_secs(10));
    let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, description TEXT NOT NULL, created_at TEXT NOT NULL)")
        .execute(&pool)
        .await?;
    let app = Router::new().route("/items", post(insert)).with_state(pool);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("bare insert serving on http://{addr}/items");
    axum::serve(listener, app).await?;
    Ok(())
}
