//! Requests per client address in fixed windows: for public endpoints that anyone may call
//! (the unkeyed Open311 listing). Memory is bounded: past 100,000 addresses, expired windows
//! are dropped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed sign-ins allowed per IP address in a window, whatever the usernames.
pub const IP_FAILURES_PER_WINDOW: u32 = 20;
pub const IP_WINDOW: Duration = Duration::from_secs(15 * 60);

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

/// Counts failed sign-ins per IP address in fixed windows.
#[derive(Default)]
pub struct LoginThrottle {
    map: Mutex<HashMap<String, (Instant, u32)>>,
}

impl LoginThrottle {
    /// Whether this address has used up its failures; `Some(wait)` if so.
    pub fn blocked(&self, ip: &str) -> Option<Duration> {
        let m = self.map.lock().ok()?;
        let (start, n) = m.get(ip)?;
        let elapsed = start.elapsed();
        (elapsed < IP_WINDOW && *n >= IP_FAILURES_PER_WINDOW).then(|| IP_WINDOW - elapsed)
    }

    pub fn failed(&self, ip: &str) {
        if let Ok(mut m) = self.map.lock() {
            if m.len() > 100_000 {
                m.retain(|_, (s, _)| s.elapsed() < IP_WINDOW);
            }
            let e = m.entry(ip.to_string()).or_insert((Instant::now(), 0));
            if e.0.elapsed() >= IP_WINDOW {
                *e = (Instant::now(), 0);
            }
            e.1 += 1;
        }
    }
}
