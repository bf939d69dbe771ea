//! The one codec: postcard for the records there are millions of (contacts, job rows, undo
//! images), JSON for the few that carry nested plans (jobs, lists, mappings).

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{Result, StoreError};

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| StoreError::Codec(e.to_string()))
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Codec(e.to_string()))
}

/// postcard then LZ4, for chunks of job rows (original cells compress well).
pub fn encode_packed<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    Ok(lz4_flex::compress_prepend_size(&encode(value)?))
}

pub fn decode_packed<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let raw =
        lz4_flex::decompress_size_prepended(bytes).map_err(|e| StoreError::Codec(e.to_string()))?;
    decode(&raw)
}

pub fn encode_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::Codec(e.to_string()))
}

pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Codec(e.to_string()))
}
