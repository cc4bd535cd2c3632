//! Personal information at rest: ID numbers and phone numbers are stored encrypted with
//! AES-256-GCM, and ID numbers also as a keyed hash (HMAC-SHA256) for exact lookup and
//! uniqueness. Both keys derive from one 32-byte master key held by the operator
//! (`JIAYUAN_KEY` or a key file); the database only holds a check value that tells a wrong
//! key from the right one.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Crypto {
    aead: Aes256Gcm,
    mac_key: [u8; 32],
    sign_key: [u8; 32],
    check: String,
}

impl fmt::Debug for Crypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Crypto(..)")
    }
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hexadecimal characters into a master key.
pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let t = text.trim();
    if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("密钥应为64位十六进制字符 (the key must be 64 hexadecimal characters)".into());
    }
    let mut key = [0u8; 32];
    for (i, chunk) in t.as_bytes().chunks(2).enumerate() {
        key[i] = u8::from_str_radix(std::str::from_utf8(chunk).unwrap_or("00"), 16).map_err(|e| e.to_string())?;
    }
    Ok(key)
}

/// A new random master key as hex, for a key file.
pub fn generate_key() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    hex(&key)
}

impl Crypto {
    pub fn new(master: &[u8; 32]) -> Self {
        let enc = derive(master, b"jiayuan/pii/aes-256-gcm");
        let mac_key = derive(master, b"jiayuan/pii/hmac-sha256");
        let sign_key = derive(master, b"jiayuan/codes/hmac-sha256");
        let check = hex(&derive(master, b"jiayuan/key-check"));
        Self { aead: Aes256Gcm::new(&enc.into()), mac_key, sign_key, check }
    }

    /// A fixed key for tests only.
    #[cfg(any(test, feature = "testing"))]
    pub fn for_tests() -> Self {
        Self::new(&[7u8; 32])
    }

    /// The value stored in the database to recognise this key.
    pub fn check_value(&self) -> &str {
        &self.check
    }

    /// base64(nonce ‖ ciphertext ‖ tag), a fresh random nonce each time.
    pub fn encrypt(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct =
            self.aead.encrypt(Nonce::from_slice(&nonce), plain.as_bytes()).expect("AES-GCM encryption does not fail");
        let mut out = nonce.to_vec();
        out.extend(ct);
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, CryptoError> {
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(stored).map_err(|_| CryptoError)?;
        if bytes.len() < 12 + 16 {
            return Err(CryptoError);
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = self.aead.decrypt(Nonce::from_slice(nonce), ct).map_err(|_| CryptoError)?;
        String::from_utf8(plain).map_err(|_| CryptoError)
    }

    pub fn decrypt_opt(&self, stored: Option<&str>) -> Result<Option<String>, CryptoError> {
        stored.map(|s| self.decrypt(s)).transpose()
    }

    /// Keyed hash for exact lookup; equal inputs give equal hashes under one key.
    pub fn hash(&self, plain: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.mac_key).expect("HMAC takes any key length");
        mac.update(plain.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// A tag showing that this server issued `message` (HMAC-SHA256 under a key of its own,
    /// cut to 80 bits): for codes handed to people, such as a check-in code.
    pub fn sign(&self, message: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.sign_key).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        hex(&mac.finalize().into_bytes()[..10])
    }

    /// Whether `tag` is this server's tag of `message`, compared in constant time.
    pub fn verify(&self, message: &str, tag: &str) -> bool {
        let want = self.sign(message);
        want.len() == tag.len() && want.bytes().zip(tag.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CryptoError;

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "无法解密个人信息：密钥不符或数据损坏 (cannot decrypt personal information: wrong key or damaged data)",
        )
    }
}

impl std::error::Error for CryptoError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_random_nonce_and_keyed_hash() {
        let c = Crypto::for_tests();
        let a = c.encrypt("11010519491231002X");
        let b = c.encrypt("11010519491231002X");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("1101051949"), "no plaintext in the stored form");
        assert_eq!(c.decrypt(&a).unwrap(), "11010519491231002X");
        assert_eq!(c.hash("x"), c.hash("x"));
        let other = Crypto::new(&[8u8; 32]);
        assert!(other.decrypt(&a).is_err(), "another key cannot read it");
        assert_ne!(other.hash("x"), c.hash("x"));
        assert_ne!(other.check_value(), c.check_value());
        assert!(c.decrypt("not base64!").is_err());
    }

    #[test]
    fn key_parsing() {
        let k = generate_key();
        assert_eq!(parse_key(&k).unwrap().len(), 32);
        assert!(parse_key("abc").is_err());
        assert!(parse_key(&"g".repeat(64)).is_err());
    }
}
