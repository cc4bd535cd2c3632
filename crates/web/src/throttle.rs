//! Requests per client address in fixed windows: for public endpoints that anyone may call
//! (the unkeyed Open311 listing). Memory is bounded: past 100,000 addresses, expired windows
//! are dropped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RateLimit {
    limit: u32,
    window: Duration,
    map: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimit {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window, map: Mutex::default() }
    }

    /// Counts one request from `client`; `Err(wait)` when its window is used up.
    pub fn hit(&self, client: &str) -> Result<(), Duration> {
        let Ok(mut m) = self.map.lock() else { return Ok(()) };
        if m.len() > 100_000 {
            m.retain(|_, (start, _)| start.elapsed() < self.window);
        }
        let e = m.entry(client.to_string()).or_insert((Instant::now(), 0));
        if e.0.elapsed() >= self.window {
            *e = (Instant::now(), 0);
        }
        if e.1 >= self.limit {
            return Err(self.window.saturating_sub(e.0.elapsed()));
        }
        e.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_waits_when_its_window_is_used_up() {
        let r = RateLimit::new(2, Duration::from_secs(60));
        assert!(r.hit("a").is_ok() && r.hit("a").is_ok());
        assert!(r.hit("a").is_err());
        assert!(r.hit("b").is_ok(), "others are not affected");
    }
}
